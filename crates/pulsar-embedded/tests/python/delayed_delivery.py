"""Delayed delivery through the official Python client, on a Shared subscription.

Usage: delayed_delivery.py BROKER_URL TOPIC. Sends a message with deliver_after=1.5 s, one
with deliver_at=now+1 s and one without delay, from a batching producer; checks the plain
one arrives at once and each delayed one at its time (not before, at most 2 s after), in
time order. Prints "delayed ok" and exits 0.
"""
import sys
import time
from datetime import timedelta

import pulsar

# The client and the broker read the same clock; allow for rounding to milliseconds.
SLACK_MS = 5
LATENESS_MS = 2000


def now_ms():
    return int(time.time() * 1000)


def main():
    url, topic = sys.argv[1], sys.argv[2]
    client = pulsar.Client(url, operation_timeout_seconds=10)
    consumer = client.subscribe(
        topic,
        "delayed",
        consumer_type=pulsar.ConsumerType.Shared,
        initial_position=pulsar.InitialPosition.Earliest,
    )
    producer = client.create_producer(
        topic, batching_enabled=True, batching_max_publish_delay_ms=10
    )
    # deliver_after counts from when the client builds the message: between these two.
    before_after = now_ms()
    producer.send(b"after", deliver_after=timedelta(milliseconds=1500))
    after_due = (before_after + 1500, now_ms() + 1500)
    at = now_ms() + 1000
    producer.send(b"at", deliver_at=at)
    producer.send(b"now")
    sent = now_ms()

    expected = [
        ("now", (before_after, sent)),
        ("at", (at, at)),
        ("after", after_due),
    ]
    for name, (earliest, latest) in expected:
        message = consumer.receive(timeout_millis=5000)
        arrived = now_ms()
        assert message.data() == name.encode(), (name, message.data())
        assert message.redelivery_count() == 0, message.redelivery_count()
        assert arrived + SLACK_MS >= earliest, f"{name} arrived {earliest - arrived} ms early"
        assert arrived <= latest + LATENESS_MS, f"{name} arrived {arrived - latest} ms late"
        print(f"{name} arrived {arrived - earliest} ms after its time")
        consumer.acknowledge(message)
    try:
        extra = consumer.receive(timeout_millis=300)
        raise AssertionError(f"unexpected message {extra.data()}")
    except pulsar.Timeout:
        pass
    print("delayed ok")
    client.close()


if __name__ == "__main__":
    main()
