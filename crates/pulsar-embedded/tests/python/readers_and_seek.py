"""Readers' start positions and seeks, as the official client sees them from Apache Pulsar.

The broker starts a reader at the entry of its start message id; the client (C++
underneath) drops the start message itself unless the reader is inclusive, and earlier
messages of a batch by their index. `MessageId.latest` with an inclusive reader gives the
last message through `has_message_available()`, which asks for the last message id and
seeks there. A consumer's seek by id is exclusive on this client (it drops the message
sought), a seek by time is not. Every check prints `ok NAME`; a failed one raises.
Usage: readers_and_seek.py BROKER_URL TOPIC_PREFIX.
"""
import sys

import pulsar

WAIT_MS = 10000
# How long "nothing more comes" is watched for.
QUIET_MS = 500
SUBSCRIPTION_TYPES = [
    pulsar.ConsumerType.Exclusive,
    pulsar.ConsumerType.Shared,
    pulsar.ConsumerType.Failover,
    pulsar.ConsumerType.KeyShared,
]


def publish(client, topic, count, batched=False):
    """Publishes m-0 .. m-(count-1); returns their message ids."""
    producer = client.create_producer(
        topic, batching_enabled=batched, batching_max_publish_delay_ms=100
    )
    if batched:
        ids = [None] * count

        def stored(index):
            def callback(result, message_id):
                assert result == pulsar.Result.Ok, result
                ids[index] = message_id

            return callback

        for i in range(count):
            producer.send_async(f"m-{i}".encode(), stored(i))
        producer.flush()
        assert all(ids), ids
        assert len({(i.entry_id()) for i in ids}) == 1, "one batch entry"
    else:
        ids = [producer.send(f"m-{i}".encode()) for i in range(count)]
    producer.close()
    return ids


def take(receive, count):
    return [receive(WAIT_MS) for _ in range(count)]


def texts(messages):
    return [m.data().decode() for m in messages]


def assert_quiet(receive, what):
    try:
        message = receive(QUIET_MS)
    except pulsar.Timeout:
        return
    raise AssertionError(f"{what}: unexpected {message.data().decode()}")


def expect(receive, expected, what):
    got = texts(take(receive, len(expected)))
    assert got == expected, f"{what}: got {got}, expected {expected}"
    assert_quiet(receive, what)


def names(start, end):
    return [f"m-{i}" for i in range(start, end)]


def readers_by_message_id(client, prefix):
    for batched in (False, True):
        topic = f"{prefix}-by-id-{'batch' if batched else 'plain'}"
        ids = publish(client, topic, 5, batched)
        inclusive = client.create_reader(topic, ids[2], start_message_id_inclusive=True)
        expect(inclusive.read_next, names(2, 5), f"inclusive reader at m-2 ({topic})")
        exclusive = client.create_reader(topic, ids[2])
        expect(exclusive.read_next, names(3, 5), f"exclusive reader at m-2 ({topic})")
        inclusive.close()
        exclusive.close()
        print(f"ok readers by message id, batched={batched}")


def readers_at_earliest(client, prefix):
    topic = f"{prefix}-earliest"
    publish(client, topic, 3)
    for inclusive in (True, False):
        reader = client.create_reader(
            topic, pulsar.MessageId.earliest, start_message_id_inclusive=inclusive
        )
        expect(reader.read_next, names(0, 3), f"earliest reader, inclusive={inclusive}")
        reader.close()
    print("ok readers at earliest")


def readers_at_latest(client, prefix):
    topic = f"{prefix}-latest"
    publish(client, topic, 3)
    inclusive = client.create_reader(
        topic, pulsar.MessageId.latest, start_message_id_inclusive=True
    )
    assert inclusive.has_message_available(), "inclusive latest reader sees the last message"
    expect(inclusive.read_next, ["m-2"], "inclusive latest reader")
    assert not inclusive.has_message_available()
    exclusive = client.create_reader(topic, pulsar.MessageId.latest)
    assert not exclusive.has_message_available(), "exclusive latest reader has nothing"
    assert_quiet(exclusive.read_next, "exclusive latest reader before a new message")
    producer = client.create_producer(topic, batching_enabled=False)
    producer.send(b"m-3")
    producer.close()
    expect(exclusive.read_next, ["m-3"], "exclusive latest reader after a new message")
    expect(inclusive.read_next, ["m-3"], "inclusive latest reader after a new message")
    inclusive.close()
    exclusive.close()
    print("ok readers at latest")


def seeks_on_every_subscription_type(client, prefix):
    for sub_type in SUBSCRIPTION_TYPES:
        topic = f"{prefix}-seek-{sub_type.name}"
        ids = publish(client, topic, 10)
        consumer = client.subscribe(
            topic,
            "seeker",
            consumer_type=sub_type,
            initial_position=pulsar.InitialPosition.Earliest,
        )
        received = take(consumer.receive, 10)
        assert texts(received) == names(0, 10), texts(received)
        # m-0 stays unacknowledged: what every subscription acknowledged may be dropped.
        for message in received[1:]:
            consumer.acknowledge(message)
        # By id: this client drops the message sought itself.
        consumer.seek(ids[0])
        again = take(consumer.receive, 9)
        assert texts(again) == names(1, 10), f"{sub_type.name} seek by id: {texts(again)}"
        assert_quiet(consumer.receive, f"{sub_type.name} after seek by id")
        for message in again:
            consumer.acknowledge(message)
        # By time: from the first message published at or after it.
        times = [m.publish_timestamp() for m in received]
        expected = [f"m-{i}" for i, t in enumerate(times) if t >= times[5]]
        consumer.seek(times[5])
        expect(consumer.receive, expected, f"{sub_type.name} seek by time")
        # A seek by time back before an earlier seek by id: the client forgets the id it
        # sought (because the broker closes the consumer before answering the seek).
        consumer.seek(ids[7])
        expect(consumer.receive, names(8, 10), f"{sub_type.name} second seek by id")
        consumer.seek(times[2])
        expected = [f"m-{i}" for i, t in enumerate(times) if t >= times[2]]
        expect(consumer.receive, expected, f"{sub_type.name} seek by time after id")
        consumer.close()
        print(f"ok seek by id and by time on {sub_type.name}")


def seek_racing_acks(client, prefix, rounds):
    """Acks go out grouped (every 100 ms) and the client flushes them when the seek
    completes: they arrive after the reset and must not undo it."""
    for sub_type in (pulsar.ConsumerType.Exclusive, pulsar.ConsumerType.Shared):
        topic = f"{prefix}-race-{sub_type.name}"
        ids = publish(client, topic, 20)
        consumer = client.subscribe(
            topic,
            "racer",
            consumer_type=sub_type,
            initial_position=pulsar.InitialPosition.Earliest,
        )
        received = take(consumer.receive, 20)
        assert texts(received) == names(0, 20), texts(received)
        for round_ in range(rounds):
            for message in received[1:]:
                consumer.acknowledge(message)
            consumer.seek(ids[0])
            received = [received[0]] + take(consumer.receive, 19)
            got = texts(received[1:])
            assert got == names(1, 20), f"{sub_type.name} round {round_}: {got}"
            assert_quiet(consumer.receive, f"{sub_type.name} round {round_}")
        consumer.close()
        print(f"ok seek racing acks on {sub_type.name}, {rounds} rounds")


def main():
    url, prefix = sys.argv[1], sys.argv[2]
    client = pulsar.Client(
        url,
        operation_timeout_seconds=10,
        logger=pulsar.ConsoleLogger(pulsar.LoggerLevel.Warn),
    )
    readers_by_message_id(client, prefix)
    readers_at_earliest(client, prefix)
    readers_at_latest(client, prefix)
    seeks_on_every_subscription_type(client, prefix)
    seek_racing_acks(client, prefix, rounds=5)
    client.close()


if __name__ == "__main__":
    main()
