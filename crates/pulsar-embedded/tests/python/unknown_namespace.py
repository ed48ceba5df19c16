"""A producer of the official client on a namespace that does not exist, then on one that does.

Usage: unknown_namespace.py BROKER_URL UNKNOWN_TOPIC KNOWN_TOPIC. Prints "refused <error>" when
the first producer raises and "sent" once a message reached the second topic; exits 0 then.
"""
import sys
import time

import pulsar


def main():
    url, unknown, known = sys.argv[1], sys.argv[2], sys.argv[3]
    client = pulsar.Client(url, operation_timeout_seconds=10)
    started = time.monotonic()
    try:
        client.create_producer(unknown)
    except pulsar.PulsarException as error:
        print(f"refused {type(error).__name__}: {error}")
    else:
        print("accepted")
        sys.exit(1)
    print(f"refused within {time.monotonic() - started:.1f}s")
    producer = client.create_producer(known)
    producer.send(b"hola")
    print("sent")
    client.close()


if __name__ == "__main__":
    main()
