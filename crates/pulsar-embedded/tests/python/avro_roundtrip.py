"""A Python producer and consumer of AvroSchema records, batching on (the default).

Usage: avro_roundtrip.py BROKER_URL TOPIC COUNT. Prints "received N" and exits 0 when every
record came back intact.
"""
import sys

import pulsar
from pulsar.schema import AvroSchema, Long, Record, String


class ReservaCreadaPayload(Record):
    id_reserva = String()
    id_cliente = String()
    estado = String()
    fecha_creacion = Long()


class EventoReservaCreada(Record):
    data = ReservaCreadaPayload()


def main():
    url, topic, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    client = pulsar.Client(url, operation_timeout_seconds=10)
    consumer = client.subscribe(
        topic,
        "sub-notificacion-eventos-reservas",
        consumer_type=pulsar.ConsumerType.Shared,
        schema=AvroSchema(EventoReservaCreada),
        initial_position=pulsar.InitialPosition.Earliest,
    )
    producer = client.create_producer(topic, schema=AvroSchema(EventoReservaCreada))
    for i in range(count):
        payload = ReservaCreadaPayload(
            id_reserva=f"r-{i}", id_cliente="c-1", estado="Pendiente", fecha_creacion=i
        )
        producer.send_async(EventoReservaCreada(data=payload), None)
    producer.flush()
    seen = set()
    while len(seen) < count:
        message = consumer.receive(timeout_millis=10000)
        event = message.value()
        assert event.data.estado == "Pendiente", event
        seen.add(event.data.id_reserva)
        consumer.acknowledge(message)
    assert seen == {f"r-{i}" for i in range(count)}, seen
    print(f"received {len(seen)}")
    client.close()


if __name__ == "__main__":
    main()
