"""The official client on a partitioned topic: a producer by key, a consumer on the
partitioned name.

Usage: partitioned.py BROKER_URL TOPIC COUNT. Sends COUNT messages ("k{key}:{seq}", six
keys, as partition keys) from a batching producer, and receives them through one consumer
on the partitioned name. Checks every message arrives once, each key from one partition
and in order, and the messages come from more than one partition. Prints
"received COUNT from N partitions" and exits 0.
"""
import sys

import pulsar

KEYS = 6


def main():
    url, topic, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    client = pulsar.Client(url, operation_timeout_seconds=10)
    consumer = client.subscribe(
        topic,
        "sub-particiones",
        consumer_type=pulsar.ConsumerType.Exclusive,
        initial_position=pulsar.InitialPosition.Earliest,
    )
    producer = client.create_producer(topic, batching_enabled=True)
    for i in range(count):
        key = f"k{i % KEYS}"
        producer.send_async(f"{key}:{i // KEYS:05}".encode(), None, partition_key=key)
    producer.flush()

    seen = set()
    last = {}
    partition_of_key = {}
    partitions = set()
    while len(seen) < count:
        message = consumer.receive(timeout_millis=10000)
        text = message.data().decode()
        assert text not in seen, f"{text} delivered twice"
        seen.add(text)
        key, seq = text.split(":")
        assert message.partition_key() == key, (message.partition_key(), key)
        assert last.get(key, "") < seq, f"{key}: {seq} after {last.get(key)}"
        last[key] = seq
        partition = message.topic_name()
        # The message id carries the partition index, as Apache Pulsar's broker sets it
        # (custom message routers and acks by id rely on it).
        index = int(partition.rsplit("-partition-", 1)[1])
        assert message.message_id().partition() == index, (message.message_id(), partition)
        assert partition_of_key.setdefault(key, partition) == partition, (
            f"{key} from {partition} and {partition_of_key[key]}"
        )
        partitions.add(partition)
        consumer.acknowledge(message)
    try:
        extra = consumer.receive(timeout_millis=500)
        raise AssertionError(f"unexpected extra message {extra.data()!r}")
    except pulsar.Timeout:
        pass
    assert len(partitions) > 1, partitions
    print(f"received {len(seen)} from {len(partitions)} partitions")
    client.close()


if __name__ == "__main__":
    main()
