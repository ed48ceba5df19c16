"""The tutorial's client, over the generated Python stubs: creates a reservation through
the adaptador and reads it back.

Usage: crear_y_consultar.py PROTO_DIR STUBS_DIR ADDRESS REQUEST_JSON

Generates the stubs of PROTO_DIR/vuelos.proto into STUBS_DIR (grpcio-tools brings the
well-known types), then, as the tutorial's cliente.py, sets every leg's arrival to now.
"""

import json
import os
import sys

from google.protobuf.timestamp_pb2 import Timestamp
from grpc_tools import protoc


def generar_stubs(proto_dir, stubs_dir):
    # protoc.main, unlike `python -m grpc_tools.protoc`, does not look into the package's
    # own copy of the well-known types: name it.
    bien_conocidos = os.path.join(os.path.dirname(protoc.__file__), "_proto")
    codigo = protoc.main(
        [
            "grpc_tools.protoc",
            f"-I{proto_dir}",
            f"-I{bien_conocidos}",
            f"--python_out={stubs_dir}",
            f"--grpc_python_out={stubs_dir}",
            f"{proto_dir}/vuelos.proto",
        ]
    )
    if codigo != 0:
        sys.exit(f"protoc failed with {codigo}")
    sys.path.insert(0, stubs_dir)


def timestamp(texto):
    fecha = Timestamp()
    fecha.FromJsonString(texto)
    return fecha


def reserva_de(solicitud, vuelos_pb2):
    ahora = Timestamp()
    ahora.GetCurrentTime()
    itinerarios = []
    for itinerario in solicitud["itinerarios"]:
        odos = []
        for odo in itinerario["odos"]:
            segmentos = []
            for segmento in odo["segmentos"]:
                legs = [
                    vuelos_pb2.Leg(
                        fecha_salida=timestamp(leg["fecha_salida"]),
                        fecha_llegada=ahora,
                        origen=vuelos_pb2.Locacion(**leg["origen"]),
                        destino=vuelos_pb2.Locacion(**leg["destino"]),
                    )
                    for leg in segmento["legs"]
                ]
                segmentos.append(vuelos_pb2.Segmento(legs=legs))
            odos.append(vuelos_pb2.Odo(segmentos=segmentos))
        itinerarios.append(vuelos_pb2.Itinerario(odos=odos))
    return vuelos_pb2.Reserva(itinerarios=itinerarios)


def main():
    proto_dir, stubs_dir, direccion, archivo = sys.argv[1:5]
    generar_stubs(proto_dir, stubs_dir)
    import grpc
    import vuelos_pb2
    import vuelos_pb2_grpc

    with open(archivo, encoding="utf-8") as f:
        solicitud = json.load(f)
    with grpc.insecure_channel(direccion) as canal:
        stub = vuelos_pb2_grpc.VuelosStub(canal)
        creada = stub.CrearReserva(reserva_de(solicitud, vuelos_pb2), timeout=20)
        assert creada.mensaje == "OK", creada
        assert creada.reserva.HasField("id") and creada.reserva.id, creada
        assert creada.reserva.HasField("fecha_creacion"), creada
        print(f"creada {creada.reserva.id}")
        consultada = stub.ConsultarReserva(
            vuelos_pb2.QueryReserva(id=creada.reserva.id), timeout=20
        )
        assert consultada.mensaje == "OK", consultada
        assert consultada.reserva == creada.reserva, (creada, consultada)
        print(f"consultada {consultada.reserva.id}")
        try:
            stub.ConsultarReserva(vuelos_pb2.QueryReserva(id="no-es-un-id"), timeout=20)
            sys.exit("a malformed id was accepted")
        except grpc.RpcError as error:
            assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error
            print("id malformado: INVALID_ARGUMENT")


if __name__ == "__main__":
    main()
