#!/usr/bin/env python3
"""Scaling out, measured: reservations per second end to end, and the read model's lag, for
the single process (SQLite; PostgreSQL) and the scaled topology behind the nginx gateway
(1+1 and 2+2 command+query replicas on PostgreSQL), side by side in one run.

Each configuration is started fresh (new databases, new broker data) for each round; then
`carga --modo lectura` drives the tutorial's asynchronous route through the gateway (or
straight at the single process) and counts a reservation done when the query its 202
points at (`Location`) answers 200:

- closed loop at --concurrencia clients: reservations/s end to end (from the POST until the
  reservation is readable from the query side);
- paced at half of that: the lag from the 202 to the query answering 200, p50 and p99.

Medians of --rondas rounds, with the load average next to each. Nothing here is a test.

    make bench-escalado
    scripts/bench_escalado.py --rondas 3 --total 3000 --concurrencia 32

Binaries come from $CARGO_TARGET_DIR/release (default target/release); nginx from NGINX
(default /usr/sbin/nginx); PostgreSQL from DATABASE_URL_BENCH or TEST_DATABASE_URL (a
server URL; the script creates and drops its own databases there).
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from medicion import base_nueva, correr_carga, detener, esperar, puerto_libre

RAIZ = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(RAIZ, "target")), "release")
NGINX = os.environ.get("NGINX", "/usr/sbin/nginx")
SECRETO = "un secreto de la medicion de escalado de aeroalpes 0123456789"




class Topologia:
    """The processes of one configuration, started in `directorio`."""

    def __init__(self, directorio, log):
        self.directorio = directorio
        self.log = log
        self.procesos = []

    def iniciar(self, nombre, argumentos, entorno=None):
        salida = open(os.path.join(self.directorio, f"{nombre}.log"), "w")
        self.procesos.append(subprocess.Popen(
            argumentos, env={**os.environ, "RUST_LOG": "warn", **(entorno or {})},
            stdout=salida, stderr=subprocess.STDOUT, cwd=self.directorio))

    def aeroalpes(self, nombre, puerto, base, broker=None, rol="todo", datos_broker=None):
        entorno = {"AEROALPES_PORT": str(puerto), "AEROALPES_HOST": "127.0.0.1",
                   "DATABASE_URL": base, "AEROALPES_JWT_SECRET": SECRETO, "AEROALPES_ROL": rol,
                   "AEROALPES_PROXIES_CONFIABLES": "127.0.0.1"}
        if broker:
            entorno["PULSAR_URL"] = broker
        else:
            entorno["AEROALPES_BROKER_PORT"] = str(puerto_libre())
            entorno["AEROALPES_BROKER_DATA"] = datos_broker
        self.iniciar(nombre, [os.path.join(BIN, "aeroalpes")], entorno)
        esperar(f"http://127.0.0.1:{puerto}/health/ready")

    def gateway(self, comandos, queries):
        prefijo = os.path.join(self.directorio, "gateway")
        os.makedirs(prefijo)
        shutil.copy(os.path.join(RAIZ, "gateway", "nginx.conf"), prefijo)
        puerto = puerto_libre()
        with open(os.path.join(prefijo, "listen.conf"), "w") as f:
            f.write(f"listen 127.0.0.1:{puerto};\n")
        with open(os.path.join(prefijo, "upstreams.conf"), "w") as f:
            for pool, puertos in (("aeroalpes_comandos", comandos), ("aeroalpes_queries", queries)):
                servidores = "".join(
                    f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;\n" for p in puertos)
                f.write(f"upstream {pool} {{\n    zone {pool} 64k;\n{servidores}"
                        "    keepalive 16;\n    keepalive_timeout 4s;\n}\n")
        self.iniciar("gateway", [NGINX, "-p", prefijo, "-c", os.path.join(prefijo, "nginx.conf"),
                                 "-e", "stderr", "-g", "daemon off;"])
        esperar(f"http://127.0.0.1:{puerto}/gateway/health")
        return f"http://127.0.0.1:{puerto}"

    def detener(self):
        detener(self.procesos)


def monolito(topologia, servidor, motor):
    puerto = puerto_libre()
    if motor == "sqlite":
        base = os.path.join(topologia.directorio, "aeroalpes.db")
    else:
        base = base_nueva(servidor, "aeroalpes_bench_monolito")
    topologia.aeroalpes("aeroalpes", puerto, base,
                        datos_broker=os.path.join(topologia.directorio, "broker"))
    return f"http://127.0.0.1:{puerto}", None


def escalado(topologia, servidor, comandos, queries):
    broker = puerto_libre()
    topologia.iniciar("broker", [os.path.join(BIN, "pulsar-embedded"), "--port", str(broker),
                                 "--data-dir", os.path.join(topologia.directorio, "broker"),
                                 "--deduplication", "--retention-minutes", "-1",
                                 "--retention-size-mb", "-1"])
    url_broker = f"pulsar://127.0.0.1:{broker}"
    time.sleep(0.5)
    escritura = base_nueva(servidor, "aeroalpes_bench_escrituras")
    puertos_comandos = []
    for i in range(comandos):
        puerto = puerto_libre()
        topologia.aeroalpes(f"comandos-{i}", puerto, escritura, url_broker, "comandos")
        puertos_comandos.append(puerto)
    puertos_queries = []
    for i in range(queries):
        puerto = puerto_libre()
        lectura = base_nueva(servidor, f"aeroalpes_bench_lecturas_{i}")
        topologia.aeroalpes(f"queries-{i}", puerto, lectura, url_broker, "queries")
        puertos_queries.append(puerto)
    return topologia.gateway(puertos_comandos, puertos_queries), None


def carga(url, concurrencia, total, tasa=None):
    argumentos = [os.path.join(BIN, "carga"), "--url", url, "--ruta", "/vuelos/reserva-commando",
                  "--modo", "lectura", "--concurrencia", str(concurrencia), "--total", str(total),
                  "--calentamiento", str(min(500, total // 4)),
                  "--cuerpo", os.path.join(RAIZ, "tests/fixtures/reserva_bog_mad.json")]
    if tasa:
        argumentos += ["--tasa", str(tasa)]
    return correr_carga(argumentos)


def carga_media():
    return os.getloadavg()[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rondas", type=int, default=3)
    parser.add_argument("--total", type=int, default=3000)
    parser.add_argument("--concurrencia", type=int, default=32)
    parser.add_argument("--configuraciones", default="monolito-sqlite,monolito-postgres,1+1,2+2")
    argumentos = parser.parse_args()
    servidor = os.environ.get("DATABASE_URL_BENCH") or os.environ.get("TEST_DATABASE_URL")
    if not servidor:
        sys.exit("bench_escalado: set DATABASE_URL_BENCH or TEST_DATABASE_URL to a PostgreSQL server")
    for binario in ("aeroalpes", "carga", "pulsar-embedded"):
        if not os.access(os.path.join(BIN, binario), os.X_OK):
            sys.exit(f"bench_escalado: {BIN}/{binario} is missing: cargo build --release --bins")

    configuraciones = argumentos.configuraciones.split(",")
    resultados = {c: [] for c in configuraciones}
    for ronda in range(argumentos.rondas):
        # Configurations alternate within a round, so a noisy minute spreads over all.
        for configuracion in configuraciones:
            with tempfile.TemporaryDirectory(prefix="bench-escalado-") as directorio:
                topologia = Topologia(directorio, None)
                try:
                    if configuracion.startswith("monolito-"):
                        url, _ = monolito(topologia, servidor, configuracion.split("-")[1])
                    else:
                        comandos, queries = (int(n) for n in configuracion.split("+"))
                        url, _ = escalado(topologia, servidor, comandos, queries)
                    caudal, _, _, fallidas = carga(url, argumentos.concurrencia, argumentos.total)
                    carga_cerrada = carga_media()
                    _, p50, p99, fallidas_ritmo = carga(
                        url, argumentos.concurrencia, argumentos.total // 2, tasa=max(1, caudal // 2))
                    resultados[configuracion].append(
                        (caudal, p50, p99, fallidas + fallidas_ritmo, carga_cerrada))
                    print(f"round {ronda + 1} {configuracion}: {caudal} reservations/s end to end, "
                          f"lag at {caudal // 2}/s p50 {p50:.1f} ms p99 {p99:.1f} ms, "
                          f"{fallidas + fallidas_ritmo} failed, load {carga_cerrada:.1f}", flush=True)
                finally:
                    topologia.detener()

    print()
    print("| configuration | reservations/s end to end | lag p50 | lag p99 | failed | load average |")
    print("| --- | --- | --- | --- | --- | --- |")
    for configuracion, filas in resultados.items():
        mediana = lambda i: statistics.median(f[i] for f in filas)
        print(f"| {configuracion} | {mediana(0):.0f} | {mediana(1):.1f} ms | {mediana(2):.1f} ms | "
              f"{sum(f[3] for f in filas)} | {mediana(4):.1f} |")


if __name__ == "__main__":
    main()
