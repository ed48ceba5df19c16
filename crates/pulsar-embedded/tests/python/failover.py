"""Failover subscriptions through the official Python client, as Apache Pulsar serves them.

The active consumer of a non-partitioned topic comes from Apache's consistent hash ring
over the consumers' names: on TOPIC-0 with consumer-b and consumer-c, consumer-b is
active, and consumer-a joining does not take over (it becomes active once consumer-b
leaves); on TOPIC-1 consumer-a joining takes over. A change is handed over after 1 s
(Apache's default activeConsumerFailoverDelayTimeMillis). This client exposes no
consumer event listener, so the admin API's activeConsumerName is checked instead.
Usage: failover.py BROKER_URL ADMIN_URL TOPIC. Prints "ok NAME" per check and
"failover ok"; a failed check raises.
"""
import sys
import time

import pulsar
import requests

WAIT_MS = 10000
QUIET_MS = 1500


def subscribe(client, topic, name):
    return client.subscribe(
        topic,
        "sub",
        consumer_type=pulsar.ConsumerType.Failover,
        consumer_name=name,
        initial_position=pulsar.InitialPosition.Earliest,
    )


def publish(client, topic, prefix, count):
    producer = client.create_producer(topic, batching_enabled=False)
    for i in range(count):
        producer.send(f"{prefix}-{i}".encode())
    producer.close()
    return [f"{prefix}-{i}" for i in range(count)]


def take(consumer, count):
    return [consumer.receive(WAIT_MS) for _ in range(count)]


def texts(messages):
    return [m.data().decode() for m in messages]


def assert_quiet(consumer, who):
    try:
        message = consumer.receive(QUIET_MS)
    except pulsar.Timeout:
        return
    raise AssertionError(f"{who}: unexpected {message.data().decode()}")


def active_name(admin, topic):
    local = topic.split("://", 1)[1]
    stats = requests.get(f"{admin}/admin/v2/persistent/{local}/stats", timeout=10).json()
    return stats["subscriptions"]["sub"].get("activeConsumerName")


def wait_backlog(admin, topic, expected):
    """Waits until the grouped acknowledgements reached the broker."""
    local = topic.split("://", 1)[1]
    deadline = time.monotonic() + WAIT_MS / 1000
    while True:
        stats = requests.get(f"{admin}/admin/v2/persistent/{local}/stats", timeout=10).json()
        if stats["subscriptions"]["sub"]["msgBacklog"] == expected:
            return
        assert time.monotonic() < deadline, f"backlog never {expected} on {topic}: {stats}"
        time.sleep(0.1)


def wait_active(admin, topic, name):
    deadline = time.monotonic() + WAIT_MS / 1000
    while active_name(admin, topic) != name:
        assert time.monotonic() < deadline, f"{name} never became active on {topic}"
        time.sleep(0.1)


def the_ring_keeps_the_topic_and_the_next_one_gets_the_unacked(client, admin, topic):
    b = subscribe(client, topic, "consumer-b")
    c = subscribe(client, topic, "consumer-c")
    first = publish(client, topic, "first", 10)
    got = take(b, 10)
    assert texts(got) == first, texts(got)
    for message in got:
        b.acknowledge(message)
    assert_quiet(c, "c")
    assert active_name(admin, topic) == "consumer-b"

    a = subscribe(client, topic, "consumer-a")
    second = publish(client, topic, "second", 10)
    got = take(b, 10)
    assert texts(got) == second, texts(got)
    assert_quiet(a, "a while b is active")
    assert active_name(admin, topic) == "consumer-b"
    print("ok a lower name joining does not take the topic the ring gives b", flush=True)

    for message in got[:5]:
        b.acknowledge(message)
    b.close()  # flushes the grouped acknowledgements first
    wait_active(admin, topic, "consumer-a")
    redelivered = take(a, 5)
    assert texts(redelivered) == second[5:], texts(redelivered)
    for message in redelivered:
        a.acknowledge(message)
    assert_quiet(a, "a after the unacked half")
    assert_quiet(c, "c after b left")
    print("ok the active one leaves and the next gets exactly what it left unacked", flush=True)
    a.close()
    c.close()


def a_newcomer_the_ring_favours_takes_over(client, admin, topic):
    b = subscribe(client, topic, "consumer-b")
    c = subscribe(client, topic, "consumer-c")
    first = publish(client, topic, "first", 5)
    got = take(b, 5)
    assert texts(got) == first, texts(got)
    for message in got:
        b.acknowledge(message)
    wait_backlog(admin, topic, 0)
    assert_quiet(c, "c")

    a = subscribe(client, topic, "consumer-a")
    wait_active(admin, topic, "consumer-a")
    second = publish(client, topic, "second", 5)
    got = take(a, 5)
    assert texts(got) == second, texts(got)
    assert_quiet(b, "b once a took over")
    assert_quiet(c, "c once a took over")
    print("ok a newcomer the ring favours takes over", flush=True)
    for consumer in (a, b, c):
        consumer.close()


def main():
    url, admin, topic = sys.argv[1], sys.argv[2], sys.argv[3]
    client = pulsar.Client(url, operation_timeout_seconds=10)
    the_ring_keeps_the_topic_and_the_next_one_gets_the_unacked(client, admin, f"{topic}-0")
    a_newcomer_the_ring_favours_takes_over(client, admin, f"{topic}-1")
    client.close()
    print("failover ok")


if __name__ == "__main__":
    main()
