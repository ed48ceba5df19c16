"""A consumer written as the tutorial's services are: pulsar-client with the tutorial's
EventoReservaCreada record. It reads events AeroAlpes published with its richer v1 schema,
resolving them through the writer schema the broker hands out by version.

Usage: consumir_con_esquema_tutorial.py BROKER_URL TUTORIAL_SCHEMA_FILE COUNT
Prints "listo" once subscribed, then one JSON object per event: {"id_reserva", "id_cliente", "estado", "fecha_creacion"}.
"""
import io
import json
import sys

import fastavro
import pulsar

TOPIC = "persistent://public/default/eventos-reserva"


def main():
    url, schema_file, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(schema_file) as f:
        reader = fastavro.parse_schema(json.load(f))
    client = pulsar.Client(url, operation_timeout_seconds=10)
    consumer = client.subscribe(
        TOPIC,
        "python-tutorial-exclusivo",
        initial_position=pulsar.InitialPosition.Earliest,
    )
    # Subscribed: what is published from now on reaches this subscription.
    print("listo", flush=True)
    for _ in range(count):
        message = consumer.receive(timeout_millis=20000)
        raw = message.schema_version()
        raw = raw.encode("latin-1") if isinstance(raw, str) else raw
        writer_info = client._client.get_schema_info(TOPIC, int.from_bytes(raw, "big"))
        writer = fastavro.parse_schema(json.loads(writer_info.schema()))
        record = fastavro.schemaless_reader(io.BytesIO(message.data()), writer, reader)
        print(json.dumps(record["data"]), flush=True)
        consumer.acknowledge(message)
    client.close()


if __name__ == "__main__":
    main()
