"""Lists and replays the dead letters of a subscription.

Every consumer keeps its dead letters as the backlog of the durable subscription
`<subscription>-DLQ` on `<topic>-DLQ` (see seedwork-mensajeria's consumer). After fixing
what made them fail:

    .venv/bin/python scripts/dlq.py listar   --broker pulsar://127.0.0.1:6650 --topico TOPIC --suscripcion SUB
    .venv/bin/python scripts/dlq.py reenviar --broker pulsar://127.0.0.1:6650 --topico TOPIC --suscripcion SUB

`listar` prints one JSON line per dead letter (its id, reason, original message id and
size) and leaves them in place; `reenviar` publishes each again on its original topic, with
its properties, and acknowledges it in the dead-letter subscription only once the broker
stored the copy. Every wait is bounded (`--espera` seconds with nothing new ends it).
"""
import argparse
import json
import sys

import pulsar

SUFIJO = "-DLQ"


def leer(cliente, topico, suscripcion, espera_ms):
    """The subscription's pending dead letters, as (consumer, messages)."""
    consumidor = cliente.subscribe(
        topico + SUFIJO,
        suscripcion + SUFIJO,
        consumer_type=pulsar.ConsumerType.Shared,
        initial_position=pulsar.InitialPosition.Earliest,
    )
    mensajes = []
    while True:
        try:
            mensajes.append(consumidor.receive(espera_ms))
        except pulsar.Timeout:
            return consumidor, mensajes


def describir(mensaje):
    propiedades = mensaje.properties()
    return {
        "id": str(mensaje.message_id()),
        "razon": propiedades.get("razon"),
        "topico_original": propiedades.get("topico_original"),
        "id_original": propiedades.get("id_original"),
        "bytes": len(mensaje.data()),
    }


def main():
    argumentos = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    argumentos.add_argument("orden", choices=["listar", "reenviar"])
    argumentos.add_argument("--broker", required=True)
    argumentos.add_argument("--topico", required=True, help="the original topic (without -DLQ)")
    argumentos.add_argument("--suscripcion", required=True)
    argumentos.add_argument("--espera", type=float, default=2.0)
    opciones = argumentos.parse_args()
    cliente = pulsar.Client(
        opciones.broker,
        operation_timeout_seconds=10,
        logger=pulsar.ConsoleLogger(pulsar.LoggerLevel.Error),
    )
    consumidor, mensajes = leer(
        cliente, opciones.topico, opciones.suscripcion, int(opciones.espera * 1000)
    )
    if opciones.orden == "listar":
        for mensaje in mensajes:
            print(json.dumps(describir(mensaje), ensure_ascii=False))
        # Not acknowledged: they stay for the next run.
    else:
        productores = {}
        for mensaje in mensajes:
            destino = mensaje.properties().get("topico_original") or opciones.topico
            if destino not in productores:
                productores[destino] = cliente.create_producer(destino)
            propiedades = {
                clave: valor
                for clave, valor in mensaje.properties().items()
                if clave not in ("razon", "topico_original", "id_original", "suscripcion")
            }
            productores[destino].send(mensaje.data(), properties=propiedades)
            consumidor.acknowledge(mensaje)
            print(json.dumps({"reenviado": describir(mensaje)}, ensure_ascii=False))
    consumidor.close()
    cliente.close()
    print(f"{len(mensajes)} mensajes", file=sys.stderr)


if __name__ == "__main__":
    main()
