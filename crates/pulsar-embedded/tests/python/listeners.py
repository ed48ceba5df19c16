"""Advertised listeners as the official client uses them.

A client asking for a listener the broker does not have cannot create a producer (the
lookup is refused); one asking for a listener it has is sent to that listener's URL and
produces and consumes through it. Prints "ok unknown" and "ok known".
Usage: listeners.py BROKER_URL TOPIC KNOWN_LISTENER.
"""
import sys

import pulsar


def main():
    url, topic, known = sys.argv[1], sys.argv[2], sys.argv[3]
    client = pulsar.Client(url, listener_name="nope", operation_timeout_seconds=5)
    try:
        client.create_producer(topic)
        raise AssertionError("a producer through an unknown listener was created")
    except pulsar.PulsarException:
        pass
    client.close()
    print("ok unknown")

    client = pulsar.Client(url, listener_name=known, operation_timeout_seconds=10)
    consumer = client.subscribe(topic, "sub")
    producer = client.create_producer(topic)
    producer.send(b"through the listener")
    message = consumer.receive(10000)
    assert message.data() == b"through the listener", message.data()
    consumer.acknowledge(message)
    client.close()
    print("ok known")


if __name__ == "__main__":
    main()
