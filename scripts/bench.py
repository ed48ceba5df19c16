#!/usr/bin/env python3
"""Throughput of one aeroalpes process, side by side on SQLite and PostgreSQL, in one run:

- synchronous `POST /vuelos/reserva`: requests/s, p50 and p99 at 1, 8, 32 and 128
  connections;
- end to end, `POST /vuelos/reserva-commando` until its `EventoReservaCreada` reaches a
  consumer: reservations/s at full speed (64 clients), then p50 and p99 paced at half that;
- the drain after a broker outage: the broker is killed, asynchronous reservations are
  accepted for --apagon seconds at half the end-to-end rate (they wait in the outbox), the
  broker comes back, and the time until every one of them is a reservation is measured.

Every configuration starts fresh (a new database, new broker data) in each round; the
standalone `pulsar-embedded` is the broker. Medians of --rondas rounds, with the load
average next to each figure. With several --binarios directories (release builds of two
commits), each round runs them one after the other on the same machine: a before/after
comparison in one run. Nothing here is a test.

    make bench
    scripts/bench.py --rondas 1 --motores sqlite
    scripts/bench.py --binarios /tmp/antes/release --binarios target/release

Binaries default to $CARGO_TARGET_DIR/release (default target/release); PostgreSQL is
DATABASE_URL_BENCH or TEST_DATABASE_URL (a server URL; the script creates and drops its
own database there).
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

from medicion import (base_nueva, correr_carga, detener, esperar, esperar_puerto, psql,
                      puerto_libre, reservas_sqlite)

RAIZ = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = os.path.join(RAIZ, "tests/fixtures/reserva_bog_mad.json")
SECRETO = "un secreto de la medicion de rendimiento de aeroalpes 0123456789"
CONEXIONES = (1, 8, 32, 128)


class Sistema:
    """The broker and aeroalpes of one measurement, in `directorio`."""

    def __init__(self, binarios, directorio, motor, servidor, entorno_extra=None):
        self.binarios = binarios
        self.directorio = directorio
        self.procesos = []
        self.puerto_broker = puerto_libre()
        self.broker = None
        self.iniciar_broker()
        motor, _, variante = motor.partition("-")
        entorno = {"agrupada": {"AEROALPES_ESCRITURA_AGRUPADA": "true"},
                   "individual": {"AEROALPES_ESCRITURA_AGRUPADA": "false"}}.get(variante, {})
        entorno.update(entorno_extra or {})
        self.motor = motor
        if motor == "sqlite":
            self.base = os.path.join(directorio, "aeroalpes.db")
            self.contar = lambda: reservas_sqlite(self.base)
        else:
            self.base = base_nueva(servidor, "aeroalpes_bench")
            self.contar = lambda: int(psql(self.base, "SELECT COUNT(*) FROM reservas"))
        puerto = puerto_libre()
        salida = open(os.path.join(directorio, "aeroalpes.log"), "w")
        self.procesos.append(subprocess.Popen(
            [os.path.join(binarios, "aeroalpes")],
            env={**os.environ, "RUST_LOG": "warn", "AEROALPES_HOST": "127.0.0.1",
                 "AEROALPES_PORT": str(puerto), "DATABASE_URL": self.base,
                 "AEROALPES_JWT_SECRET": SECRETO,
                 "PULSAR_URL": f"pulsar://127.0.0.1:{self.puerto_broker}", **entorno},
            stdout=salida, stderr=subprocess.STDOUT, cwd=directorio))
        self.url = f"http://127.0.0.1:{puerto}"
        esperar(f"{self.url}/health")

    def iniciar_broker(self):
        self.broker = subprocess.Popen(
            [os.path.join(self.binarios, "pulsar-embedded"), "--port", str(self.puerto_broker),
             "--data-dir", os.path.join(self.directorio, "broker"), "--deduplication",
             "--retention-minutes", "-1", "--retention-size-mb", "-1"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        esperar_puerto(self.puerto_broker)

    def matar_broker(self):
        self.broker.kill()
        self.broker.wait()

    def carga(self, ruta, concurrencia, total, modo="http", tasa=None, calentamiento=None):
        """Runs `carga`; answers (per second, p50 ms, p99 ms, failed)."""
        argumentos = [os.path.join(self.binarios, "carga"), "--url", self.url, "--ruta", ruta,
                      "--modo", modo, "--concurrencia", str(concurrencia), "--total", str(total),
                      "--calentamiento",
                      str(min(1000, max(100, total // 10)) if calentamiento is None else calentamiento), "--cuerpo", FIXTURE,
                      "--broker", f"pulsar://127.0.0.1:{self.puerto_broker}"]
        if tasa:
            argumentos += ["--tasa", str(tasa)]
        return correr_carga(argumentos)

    def detener(self):
        detener([self.broker] + self.procesos)


def carga_media():
    return os.getloadavg()[0]


def medir(sistema, apagon):
    """Every figure of one configuration, as a dict."""
    r = {}
    for conexiones in CONEXIONES:
        total = 3000 if conexiones == 1 else 20000
        caudal, p50, p99, fallidas = sistema.carga("/vuelos/reserva", conexiones, total)
        r[f"sync{conexiones}"] = (caudal, p50, p99, fallidas, carga_media())
    caudal, _, _, fallidas = sistema.carga("/vuelos/reserva-commando", 64, 20000, modo="evento")
    r["e2e"] = (caudal, fallidas, carga_media())
    mitad = max(1, caudal // 2)
    _, p50, p99, fallidas = sistema.carga("/vuelos/reserva-commando", 64, mitad * 10, modo="evento",
                                          tasa=mitad)
    r["ritmo"] = (mitad, p50, p99, fallidas, carga_media())

    # The outage: what is accepted meanwhile waits in the outbox.
    time.sleep(2)
    antes = sistema.contar()
    sistema.matar_broker()
    aceptadas = mitad * apagon
    _, _, _, fallidas = sistema.carga("/vuelos/reserva-commando", 64, aceptadas, tasa=mitad,
                                      calentamiento=0)
    if fallidas:
        sys.exit(f"bench: {fallidas} reservations refused during the outage")
    sistema.iniciar_broker()
    inicio = time.time()
    while sistema.contar() < antes + aceptadas:
        if time.time() - inicio > 600:
            sys.exit("bench: the backlog was not drained in 600 s")
        time.sleep(0.05)
    segundos = time.time() - inicio
    r["drenaje"] = (aceptadas, segundos, aceptadas / segundos, carga_media())
    return r


def mediana(filas, clave, i):
    return statistics.median(f[clave][i] for f in filas)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rondas", type=int, default=3)
    p.add_argument("--motores", default="sqlite,postgres",
                   help="engines, comma-separated: sqlite, postgres, and the variants "
                        "sqlite-individual (no group commit) and postgres-agrupada (group commit)")
    p.add_argument("--apagon", type=int, default=30, help="seconds of broker outage")
    p.add_argument("--binarios", action="append", help="a release directory (repeatable)")
    a = p.parse_args()
    binarios = a.binarios or [os.path.join(
        os.environ.get("CARGO_TARGET_DIR", os.path.join(RAIZ, "target")), "release")]
    for directorio in binarios:
        for b in ("aeroalpes", "carga", "pulsar-embedded"):
            if not os.access(os.path.join(directorio, b), os.X_OK):
                sys.exit(f"bench: {directorio}/{b} is missing: "
                         "cargo build --release -p aeroalpes -p carga -p pulsar-embedded")
    motores = a.motores.split(",")
    servidor = os.environ.get("DATABASE_URL_BENCH") or os.environ.get("TEST_DATABASE_URL")
    if any(m.startswith("postgres") for m in motores) and not servidor:
        sys.exit("bench: set DATABASE_URL_BENCH or TEST_DATABASE_URL to a PostgreSQL server")

    configuraciones = [(b, m) for b in binarios for m in motores]
    resultados = {c: [] for c in configuraciones}
    print(f"{os.cpu_count()} cores; load average {carga_media():.1f} at the start", flush=True)
    for ronda in range(a.rondas):
        for binario, motor in configuraciones:
            with tempfile.TemporaryDirectory(prefix="bench-") as directorio:
                sistema = Sistema(binario, directorio, motor, servidor)
                try:
                    r = medir(sistema, a.apagon)
                finally:
                    sistema.detener()
            resultados[(binario, motor)].append(r)
            sync = ", ".join(f"{c}: {r[f'sync{c}'][0]}/s p99 {r[f'sync{c}'][2]:.1f} ms"
                             for c in CONEXIONES)
            print(f"round {ronda + 1}, {motor}, {binario}: sync {sync}; end to end {r['e2e'][0]}/s, "
                  f"at {r['ritmo'][0]}/s p50 {r['ritmo'][1]:.1f} p99 {r['ritmo'][2]:.1f} ms; "
                  f"backlog of {r['drenaje'][0]} drained in {r['drenaje'][1]:.1f} s "
                  f"({r['drenaje'][2]:.0f}/s); load {r['drenaje'][3]:.1f}", flush=True)

    print()
    print("Synchronous `POST /vuelos/reserva` (medians): req/s, p50 / p99 ms, load average")
    print()
    print("| engine | build | " + " | ".join(f"{c} conn." for c in CONEXIONES) + " |")
    print("| --- | --- |" + " --- |" * len(CONEXIONES))
    for (binario, motor), filas in resultados.items():
        celdas = [f"{mediana(filas, f'sync{c}', 0):.0f}/s, {mediana(filas, f'sync{c}', 1):.1f} / "
                  f"{mediana(filas, f'sync{c}', 2):.1f} ms (load {mediana(filas, f'sync{c}', 4):.1f})"
                  for c in CONEXIONES]
        print(f"| {motor} | {binario} | " + " | ".join(celdas) + " |")
    print()
    print("End to end and drain (medians)")
    print()
    print("| engine | build | reservations/s | paced at | p50 | p99 | outage backlog | drained in "
          "| drain rate | load average |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for (binario, motor), filas in resultados.items():
        print(f"| {motor} | {binario} | {mediana(filas, 'e2e', 0):.0f} | "
              f"{mediana(filas, 'ritmo', 0):.0f}/s | {mediana(filas, 'ritmo', 1):.1f} ms | "
              f"{mediana(filas, 'ritmo', 2):.1f} ms | {mediana(filas, 'drenaje', 0):.0f} | "
              f"{mediana(filas, 'drenaje', 1):.1f} s | {mediana(filas, 'drenaje', 2):.0f}/s | "
              f"{mediana(filas, 'drenaje', 3):.1f} |")
    fallidas = sum(f[k][3] for filas in resultados.values() for f in filas
                   for k in [f"sync{c}" for c in CONEXIONES] + ["ritmo"])
    fallidas += sum(f["e2e"][1] for filas in resultados.values() for f in filas)
    print(f"\nfailed requests in all: {fallidas}")


if __name__ == "__main__":
    main()
