"""Messages of every size class, sent and then received after the broker was killed.

Usage: size_classes.py BROKER_URL TOPIC PHASE.
PHASE "send": with a subscription "all" existing first, sends 20 small messages one by one,
100 in batches, 2 of just under the 5 MiB limit, 2 chunked ones of 10 MiB (each message
named by its `name` property, its content derived from the name), checks that an oversize
message without chunking is refused loudly, waits for every receipt, prints "sent N".
PHASE "receive": receives until nothing comes, acks, checks every message arrived exactly
once and whole, prints "received N".
"""
import hashlib
import sys

import pulsar

LIMIT = 5 * 1024 * 1024
WAIT_MS = 20000
QUIET_MS = 2000


def content(name, size):
    block = hashlib.sha256(name.encode()).digest()
    return (block * (size // len(block) + 1))[:size]


def plan():
    """(name, size, how) of every message."""
    messages = [(f"small-{i}", 100, "plain") for i in range(20)]
    messages += [(f"batched-{i}", 300, "batched") for i in range(100)]
    messages += [(f"near-limit-{i}", LIMIT - 4096, "plain") for i in range(2)]
    messages += [(f"chunked-{i}", 10 * 1024 * 1024, "chunked") for i in range(2)]
    return messages


def send(client, topic):
    plain = client.create_producer(topic, batching_enabled=False)
    batched = client.create_producer(
        topic, batching_enabled=True, batching_max_messages=25,
        batching_max_publish_delay_ms=50,
    )
    chunked = client.create_producer(
        topic, batching_enabled=False, chunking_enabled=True
    )
    pending = []

    def track(name):
        def done(result, _message_id):
            pending.append((name, result))
        return done

    for name, size, how in plan():
        producer = {"plain": plain, "batched": batched, "chunked": chunked}[how]
        message = content(name, size)
        if how == "batched":
            producer.send_async(message, track(name), properties={"name": name})
        else:
            producer.send(message, properties={"name": name})
            pending.append((name, pulsar.Result.Ok))
    batched.flush()
    try:
        plain.send(content("oversize", LIMIT + 1024), properties={"name": "oversize"})
        raise AssertionError("an oversize message without chunking was accepted")
    except pulsar.MessageTooBig:
        pass
    failed = [name for name, result in pending if result != pulsar.Result.Ok]
    assert not failed and len(pending) == len(plan()), (failed, len(pending))
    print(f"sent {len(pending)}")


def receive(consumer):
    seen = {}
    while True:
        try:
            message = consumer.receive(QUIET_MS if seen else WAIT_MS)
        except pulsar.Timeout:
            break
        name = message.properties().get("name")
        seen[name] = seen.get(name, 0) + 1
        expected = dict((n, s) for n, s, _ in plan()).get(name)
        assert expected is not None, f"unexpected message {name!r}"
        assert message.data() == content(name, expected), f"{name} is not whole"
        consumer.acknowledge(message)
    twice = [name for name, count in seen.items() if count > 1]
    missing = [name for name, _, _ in plan() if name not in seen]
    assert not twice and not missing, f"twice {twice}, missing {missing}"
    print(f"received {len(seen)}")


def main():
    url, topic, phase = sys.argv[1], sys.argv[2], sys.argv[3]
    client = pulsar.Client(url, operation_timeout_seconds=20)
    consumer = client.subscribe(
        topic, "all", consumer_type=pulsar.ConsumerType.Exclusive,
        initial_position=pulsar.InitialPosition.Earliest,
    )
    if phase == "send":
        send(client, topic)
    else:
        receive(consumer)
    client.close()


if __name__ == "__main__":
    main()
