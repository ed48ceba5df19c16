"""Pattern consumers of each regex subscription mode through the official Python client.

The client (C++ underneath) asks the broker for the namespace's topics of the mode's
domain and matches its pattern against names without their domain, so only the broker
keeps a PersistentOnly consumer off non-persistent topics. The Python wrapper does not
pass `pattern_auto_discovery_period` on (discovery runs every 60 s), so every topic
exists before the consumers subscribe.
Usage: regex_modes.py BROKER_URL PREFIX (a local topic name prefix in public/default).
Prints "ok MODE" per mode and "regex modes ok"; a failed check raises.
"""
import re
import sys

import pulsar

WAIT_MS = 10000
QUIET_MS = 1500
Mode = pulsar.RegexSubscriptionMode


def received(consumer):
    """(local topic name, payload) of everything that arrives until a quiet spell."""
    got = set()
    timeout = WAIT_MS
    while True:
        try:
            message = consumer.receive(timeout)
        except pulsar.Timeout:
            return got
        consumer.acknowledge(message)
        got.add((message.topic_name().rsplit("/", 1)[1], message.data().decode()))
        timeout = QUIET_MS


def main():
    url, prefix = sys.argv[1], sys.argv[2]
    client = pulsar.Client(url, operation_timeout_seconds=10)
    persistent = [f"{prefix}-p1", f"{prefix}-p2"]
    non_persistent = [f"{prefix}-n1", f"{prefix}-n2"]
    topics = [f"persistent://public/default/{t}" for t in persistent]
    topics += [f"non-persistent://public/default/{t}" for t in non_persistent]
    # Outside the pattern, in both domains.
    topics += [f"persistent://public/default/other-{prefix}", f"non-persistent://public/default/other-{prefix}"]
    producers = {t: client.create_producer(t) for t in topics}

    pattern = re.compile(f"persistent://public/default/{prefix}-.*")
    expected = {
        Mode.PersistentOnly: set(persistent),
        Mode.NonPersistentOnly: set(non_persistent),
        Mode.AllTopics: set(persistent + non_persistent),
    }
    consumers = {
        mode: client.subscribe(
            pattern,
            f"sub-{mode.name}",
            regex_subscription_mode=mode,
            pattern_auto_discovery_period=1,
            initial_position=pulsar.InitialPosition.Earliest,
        )
        for mode in expected
    }
    # Non-persistent topics deliver only to consumers present: publish once all are in.
    for topic, producer in producers.items():
        producer.send(topic.rsplit("/", 1)[1].encode())

    for mode, consumer in consumers.items():
        got = received(consumer)
        wanted = {(t, t) for t in expected[mode]}
        assert got == wanted, f"{mode.name}: got {sorted(got)}, expected {sorted(wanted)}"
        print(f"ok {mode.name}", flush=True)
    client.close()
    print("regex modes ok")


if __name__ == "__main__":
    main()
