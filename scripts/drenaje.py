#!/usr/bin/env python3
"""Drain rate after a broker outage, for one client's reservations and for anonymous ones.

Starts the release `pulsar-embedded` and `aeroalpes` (SQLite) on it, registers a client,
stops the broker, accepts N asynchronous reservations (`POST /vuelos/reserva-commando`,
202: they wait in the outbox), starts the broker again on the same data, and times how
long until every one of them is a reservation: the relay publishes the backlog, the
command consumer books it. Run once with every reservation for the one client (each
booking adds to that client's history) and once anonymous, side by side:

    make drenaje                   # 3,000 reservations, median of 3 runs per kind
    scripts/drenaje.py --total 5000 --rondas 1

Binaries come from $CARGO_TARGET_DIR/release (default target/release).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from medicion import (detener, esperar_puerto, pedir, puerto_libre, reservas_sqlite,
                      token_de_cliente)

RAIZ = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = os.path.join(RAIZ, "tests/fixtures/reserva_bog_mad.json")


def broker(binarios, puerto, datos):
    return subprocess.Popen(
        [os.path.join(binarios, "pulsar-embedded"), "--port", str(puerto), "--data-dir", datos,
         "--deduplication", "--retention-minutes", "-1", "--retention-size-mb", "1024"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def ronda(binarios, total, con_cliente):
    """One outage and drain; answers (seconds, reservations/s)."""
    datos = tempfile.mkdtemp(prefix="drenaje-")
    http, puerto_broker = puerto_libre(), puerto_libre()
    base = os.path.join(datos, "aeroalpes.db")
    procesos = []
    try:
        b = broker(binarios, puerto_broker, os.path.join(datos, "broker"))
        procesos.append(b)
        esperar_puerto(puerto_broker)
        a = subprocess.Popen(
            [os.path.join(binarios, "aeroalpes")],
            env=dict(os.environ, RUST_LOG="error", AEROALPES_HOST="127.0.0.1", AEROALPES_PORT=str(http),
                     PULSAR_URL=f"pulsar://127.0.0.1:{puerto_broker}", DATABASE_URL=base),
            stdout=subprocess.DEVNULL)
        procesos.append(a)
        esperar_puerto(http)
        url = f"http://127.0.0.1:{http}"
        token = token_de_cliente(url, "drenaje@example.com") if con_cliente else None

        b.kill()
        b.wait()
        with open(FIXTURE) as f:
            cuerpo = json.load(f)
        with ThreadPoolExecutor(16) as hilos:
            estados = list(hilos.map(lambda _: pedir("POST", f"{url}/vuelos/reserva-commando", cuerpo, token)[0],
                                     range(total)))
        if any(e != 202 for e in estados):
            sys.exit(f"drenaje: not every request was accepted: {sorted(set(estados))}")
        antes = reservas_sqlite(base)

        b = broker(binarios, puerto_broker, os.path.join(datos, "broker"))
        procesos.append(b)
        esperar_puerto(puerto_broker)
        inicio = time.time()
        while reservas_sqlite(base) < total:
            if time.time() - inicio > 600:
                sys.exit(f"drenaje: {reservas_sqlite(base)}/{total} after 600 s")
            time.sleep(0.05)
        segundos = time.time() - inicio
        return antes, segundos, total / segundos
    finally:
        detener(procesos)

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--total", type=int, default=3000)
    p.add_argument("--rondas", type=int, default=3)
    a = p.parse_args()
    binarios = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(RAIZ, "target")), "release")
    for b in ("aeroalpes", "pulsar-embedded"):
        if not os.access(os.path.join(binarios, b), os.X_OK):
            sys.exit(f"drenaje: {binarios}/{b} is missing: `cargo build --release -p aeroalpes -p pulsar-embedded`")
    print(f"backlog of {a.total} asynchronous reservations, drained after the broker returns; "
          f"load average {os.getloadavg()[0]:.2f}")
    resultados = {True: [], False: []}
    for n in range(a.rondas):
        # Alternated, so that both kinds see the same machine.
        for con_cliente in (True, False):
            antes, segundos, tasa = ronda(binarios, a.total, con_cliente)
            resultados[con_cliente].append(tasa)
            tipo = "one client" if con_cliente else "anonymous"
            print(f"  round {n + 1}, {tipo}: {antes} booked during the outage, drained in {segundos:.1f} s "
                  f"= {tasa:.0f}/s", flush=True)
    for con_cliente, tasas in resultados.items():
        tipo = "one client" if con_cliente else "anonymous"
        print(f"{tipo}: median {statistics.median(tasas):.0f} reservations/s ({', '.join(f'{t:.0f}' for t in tasas)})")


if __name__ == "__main__":
    main()
