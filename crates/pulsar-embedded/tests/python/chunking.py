"""Chunked messages through the official Python client.

Usage: chunking.py BROKER_URL TOPIC PHASE. PHASE "send": a chunking producer sends a
10 MiB message, a 1 KiB one and a 7 MiB one, each with a content of its own, waits for
every receipt and prints "sent"; a subscription from the start exists before. PHASE
"receive": the subscription receives exactly those three, whole and in order, acks them,
and then nothing more; prints "received ok".
"""
import hashlib
import sys

import pulsar

SIZES = [10 * 1024 * 1024, 1024, 7 * 1024 * 1024]


def payload(index, size):
    # A content that differs along the message, so that a chunk lost, repeated or out of
    # order shows in the digest.
    block = hashlib.sha256(str(index).encode()).digest()
    return (block * (size // len(block) + 1))[:size]


def main():
    url, topic, phase = sys.argv[1], sys.argv[2], sys.argv[3]
    client = pulsar.Client(url, operation_timeout_seconds=20)
    consumer = client.subscribe(
        topic,
        "chunks",
        consumer_type=pulsar.ConsumerType.Exclusive,
        initial_position=pulsar.InitialPosition.Earliest,
    )
    if phase == "send":
        producer = client.create_producer(
            topic, chunking_enabled=True, batching_enabled=False
        )
        for index, size in enumerate(SIZES):
            producer.send(payload(index, size))
        producer.close()
        print("sent")
    else:
        for index, size in enumerate(SIZES):
            message = consumer.receive(timeout_millis=20000)
            data = message.data()
            assert len(data) == size, (index, len(data), size)
            assert data == payload(index, size), f"message {index} differs"
            consumer.acknowledge(message)
        try:
            extra = consumer.receive(timeout_millis=500)
            raise AssertionError(f"an extra message of {len(extra.data())} bytes")
        except pulsar.Timeout:
            pass
        print("received ok")
    consumer.close()
    client.close()


if __name__ == "__main__":
    main()
