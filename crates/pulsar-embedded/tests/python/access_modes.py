"""Producer access modes through the official Python client.

Usage: access_modes.py BROKER_URL TOPIC_PREFIX. Checks, each on its own topic:
Exclusive refuses a second producer of any mode while it is connected, and lets one in once
it is closed; ExclusiveWithFencing takes the topic from an Exclusive producer, whose next
send fails; WaitForExclusive waits until the producer before it is closed, then publishes.
Prints "access modes ok" and exits 0.
"""
import sys
import threading
import time

import pulsar

Mode = pulsar.ProducerAccessMode


def refused(client, topic, mode):
    try:
        producer = client.create_producer(topic, access_mode=mode, send_timeout_millis=3000)
    except Exception as error:  # the client raises a subclass per server error
        return type(error).__name__
    producer.close()
    raise AssertionError(f"a {mode} producer was admitted beside an exclusive one")


def main():
    url, prefix = sys.argv[1], sys.argv[2]
    client = pulsar.Client(url, operation_timeout_seconds=5)

    # Exclusive: alone while connected.
    topic = f"{prefix}-exclusive"
    first = client.create_producer(topic, access_mode=Mode.Exclusive)
    first.send(b"one")
    for mode in (Mode.Exclusive, Mode.Shared):
        name = refused(client, topic, mode)
        assert name in ("ProducerFenced", "ProducerBusy"), name
    first.close()
    second = client.create_producer(topic, access_mode=Mode.Exclusive)
    second.send(b"two")
    second.close()

    # ExclusiveWithFencing: takes the topic; the fenced producer cannot send any more.
    topic = f"{prefix}-fencing"
    old = client.create_producer(topic, access_mode=Mode.Exclusive, send_timeout_millis=3000)
    old.send(b"before")
    new = client.create_producer(topic, access_mode=Mode.ExclusiveWithFencing)
    new.send(b"after")
    try:
        old.send(b"fenced")
        raise AssertionError("a fenced producer could still send")
    except pulsar.PulsarException as error:
        fenced = type(error).__name__
    new.close()

    # WaitForExclusive: admitted only once the producer before it is gone.
    topic = f"{prefix}-wait"
    holder = client.create_producer(topic, access_mode=Mode.Exclusive)
    admitted = {}

    def wait_for_it():
        producer = client.create_producer(topic, access_mode=Mode.WaitForExclusive)
        admitted["at"] = time.monotonic()
        producer.send(b"waited")
        producer.close()

    waiter = threading.Thread(target=wait_for_it)
    waiter.start()
    time.sleep(1.0)
    assert "at" not in admitted, "WaitForExclusive was admitted beside an exclusive producer"
    released = time.monotonic()
    holder.close()
    waiter.join(timeout=10)
    assert "at" in admitted and admitted["at"] >= released, admitted

    # What each topic holds: nothing the refused or fenced producers tried.
    reader_client = pulsar.Client(url)
    for suffix, expected in (
        ("exclusive", [b"one", b"two"]),
        ("fencing", [b"before", b"after"]),
        ("wait", [b"waited"]),
    ):
        reader = reader_client.create_reader(f"{prefix}-{suffix}", pulsar.MessageId.earliest)
        got = []
        while reader.has_message_available():
            got.append(reader.read_next(timeout_millis=5000).data())
        assert got == expected, (suffix, got)
        reader.close()
    reader_client.close()
    client.close()
    print(f"access modes ok (fenced send: {fenced})")


if __name__ == "__main__":
    main()
