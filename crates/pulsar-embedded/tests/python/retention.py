"""Retention as the official client sees it: acknowledged messages stay readable.

Publishes COUNT messages, consumes and acknowledges all of them on one subscription, then
checks that a new subscription at Earliest, a reader from the start and a seek back of
the first subscription each read every one of them again, and that a second subscription
created before the acks still has its own backlog. Every check prints `ok NAME`.
Usage: retention.py BROKER_URL TOPIC COUNT.
"""
import sys

import pulsar

WAIT_MS = 10000
QUIET_MS = 1000


def drain(receive):
    """Every message until nothing comes for QUIET_MS."""
    got = []
    while True:
        try:
            got.append(receive(QUIET_MS))
        except pulsar.Timeout:
            return got


def main():
    url, topic, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    client = pulsar.Client(url, operation_timeout_seconds=10)
    expected = [f"m-{i}" for i in range(count)]
    first = client.subscribe(
        topic, "first", initial_position=pulsar.InitialPosition.Earliest
    )
    untouched = client.subscribe(
        topic, "untouched", initial_position=pulsar.InitialPosition.Earliest
    )
    producer = client.create_producer(topic, batching_enabled=False)
    for text in expected:
        producer.send(text.encode())

    for _ in expected:
        first.acknowledge(first.receive(WAIT_MS))
    # Cumulative: the broker has every ack before the seeks below.
    first.close()
    print("ok acknowledged")

    late = client.subscribe(
        topic, "late", initial_position=pulsar.InitialPosition.Earliest
    )
    got = [m.data().decode() for m in drain(late.receive)]
    assert got == expected, f"late subscription: {got[:3]}… ({len(got)})"
    late.unsubscribe()
    print("ok earliest-subscription")

    reader = client.create_reader(topic, pulsar.MessageId.earliest)
    got = [m.data().decode() for m in drain(reader.read_next)]
    assert got == expected, f"reader: {got[:3]}… ({len(got)})"
    reader.close()
    print("ok reader")

    first = client.subscribe(
        topic, "first", initial_position=pulsar.InitialPosition.Earliest
    )
    assert drain(first.receive) == [], "everything was acknowledged"
    first.seek(0)
    got = [m.data().decode() for m in drain(first.receive)]
    assert got == expected, f"seek back: {got[:3]}… ({len(got)})"
    print("ok seek-back")

    got = [m.data().decode() for m in drain(untouched.receive)]
    assert got == expected, f"untouched: {got[:3]}… ({len(got)})"
    print("ok own-backlog")
    client.close()


if __name__ == "__main__":
    main()
