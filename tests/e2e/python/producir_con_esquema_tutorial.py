"""A producer written as the tutorial's services are: pulsar-client `Record` classes with
AvroSchema (batching on, the client's default). It publishes one EventoReservaCreada as
the tutorial would, for AeroAlpes's consumers to read.

Usage: producir_con_esquema_tutorial.py BROKER_URL ID_RESERVA ID_CLIENTE
"""
import sys

import pulsar
from pulsar.schema import AvroSchema, Long, Record, String

TOPIC = "persistent://public/default/eventos-reserva"


class ReservaCreadaPayload(Record):
    id_reserva = String()
    id_cliente = String()
    estado = String()
    fecha_creacion = Long()


class EventoReservaCreada(Record):
    data = ReservaCreadaPayload()


def main():
    url, id_reserva, id_cliente = sys.argv[1], sys.argv[2], sys.argv[3]
    client = pulsar.Client(url, operation_timeout_seconds=10)
    producer = client.create_producer(TOPIC, schema=AvroSchema(EventoReservaCreada))
    payload = ReservaCreadaPayload(
        id_reserva=id_reserva, id_cliente=id_cliente, estado="Pendiente", fecha_creacion=1794412800000
    )
    producer.send(EventoReservaCreada(data=payload))
    producer.flush()
    print("sent", flush=True)
    client.close()


if __name__ == "__main__":
    main()
