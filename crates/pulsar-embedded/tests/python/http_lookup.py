"""The official client given the broker's HTTP service URL (`http://…`): it looks topics
up, reads partitioned metadata and lists a namespace's topics through the admin listener,
then produces and consumes over the binary protocol. Prints "ok plain", "ok partitioned"
and "ok pattern".
Usage: http_lookup.py HTTP_URL PREFIX (PREFIX names topics of public/default, and a
topic PREFIX-partitioned with 3 partitions exists).
"""
import re
import sys

import pulsar


def exchange(client, topic, count):
    consumer = client.subscribe(topic, "sub", initial_position=pulsar.InitialPosition.Earliest)
    producer = client.create_producer(topic)
    sent = [f"m-{i}".encode() for i in range(count)]
    for payload in sent:
        producer.send(payload)
    got = sorted(consumer.receive(10000).data() for _ in sent)
    assert got == sorted(sent), got
    consumer.close()
    producer.close()


def main():
    url, prefix = sys.argv[1], sys.argv[2]
    client = pulsar.Client(url, operation_timeout_seconds=10)
    exchange(client, f"{prefix}-plain", 5)
    print("ok plain")
    exchange(client, f"{prefix}-partitioned", 12)
    print("ok partitioned")
    consumer = client.subscribe(
        re.compile(f"persistent://public/default/{prefix}-p.*"), "pattern",
        initial_position=pulsar.InitialPosition.Earliest,
    )
    seen = 0
    while True:
        try:
            consumer.receive(2000)
            seen += 1
        except pulsar.Timeout:
            break
    assert seen == 17, seen
    print("ok pattern")
    client.close()


if __name__ == "__main__":
    main()
