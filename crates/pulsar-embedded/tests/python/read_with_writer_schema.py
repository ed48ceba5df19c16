"""A Python consumer of Avro written by a Rust producer with a newer (extended) schema.

It subscribes without a schema, takes each message's schema version, fetches that writer
schema from the broker (get_schema_info) and decodes with the tutorial's reader schema.
Usage: read_with_writer_schema.py BROKER_URL TOPIC READER_SCHEMA_FILE COUNT.
"""
import io
import json
import sys

import fastavro
import pulsar


def main():
    url, topic, reader_file, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    with open(reader_file) as f:
        reader = fastavro.parse_schema(json.load(f))
    client = pulsar.Client(url, operation_timeout_seconds=10)
    consumer = client.subscribe(
        topic, "aeroalpes-bff", initial_position=pulsar.InitialPosition.Earliest
    )
    for _ in range(count):
        message = consumer.receive(timeout_millis=10000)
        # The client hands the version bytes over as a str; versions are 8 big-endian bytes.
        raw = message.schema_version()
        raw = raw.encode("latin-1") if isinstance(raw, str) else raw
        version = int.from_bytes(raw, "big")
        info = client._client.get_schema_info(topic, version)
        writer = fastavro.parse_schema(json.loads(info.schema()))
        record = fastavro.schemaless_reader(io.BytesIO(message.data()), writer, reader)
        print(f"version {version} estado {record['data']['estado']} id {record['data']['id_reserva']}")
        consumer.acknowledge(message)
    client.close()


if __name__ == "__main__":
    main()
