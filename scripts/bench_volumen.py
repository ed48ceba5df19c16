#!/usr/bin/env python3
"""Cost as work grows: the synchronous and end-to-end rates and the queries' latency of one
aeroalpes process with 10^4, 10^5 and 10^6 reservations already stored, on SQLite and
PostgreSQL.

One system per engine (the standalone broker, aeroalpes on a fresh database); its
`reservas` table is filled up to each volume in turn by SQL (copies of one reservation
booked through the API, with ids of their own), then measured:

- `POST /vuelos/reserva` at 32 connections (`carga`): req/s and p99;
- `POST /vuelos/reserva-commando` to `EventoReservaCreada` at 64 connections: reservations/s;
- `GET /vuelos/reserva-query/{id}` of stored reservations, one keep-alive connection:
  p50 and p99 of 500 requests;
- the staff's paged list `GET /vuelos/reserva-query?limite=20`, first page and the page at
  offset 10,000: p50 and p99 of 100 requests each.

The measurements book reservations too: each volume is the count before its
measurements. Nothing here is a test.

    make bench-volumen
    scripts/bench_volumen.py --motores sqlite --volumenes 10000,100000
"""

import argparse
import http.client
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import urllib.parse

from bench import RAIZ, Sistema
from medicion import pedir, psql, token_de_cliente

PERSONAL = "personal-volumen@example.com"

LLENAR_SQLITE = """
WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i < ?)
INSERT INTO reservas (id, id_cliente, estado, itinerarios, fecha_creacion, fecha_actualizacion,
                      version)
SELECT printf('%08x-0000-7000-8000-%012x', i, i), NULL, r.estado, r.itinerarios,
       r.fecha_creacion, r.fecha_actualizacion, r.version
FROM n, (SELECT * FROM reservas LIMIT 1) AS r
"""

LLENAR_POSTGRES = """
INSERT INTO reservas (id, id_cliente, estado, itinerarios, fecha_creacion, fecha_actualizacion,
                      version)
SELECT lpad(to_hex(i), 8, '0') || '-0000-7000-8000-' || lpad(to_hex(i), 12, '0'), NULL,
       r.estado, r.itinerarios, r.fecha_creacion, r.fecha_actualizacion, r.version
FROM generate_series({desde}, {hasta}) AS i, (SELECT * FROM reservas LIMIT 1) AS r;
ANALYZE reservas;
"""


def id_sintetico(i):
    return f"{i:08x}-0000-7000-8000-{i:012x}"


def llenar(sistema, desde, hasta):
    """Adds the reservations numbered desde..=hasta."""
    if sistema.motor == "sqlite":
        con = sqlite3.connect(sistema.base, timeout=60)
        try:
            with con:
                con.execute(LLENAR_SQLITE, (desde, hasta))
        finally:
            con.close()
    else:
        psql(sistema.base, LLENAR_POSTGRES.format(desde=desde, hasta=hasta))


def latencias(url, rutas, token=None):
    """p50 and p99 in ms of GETs of `rutas` on one keep-alive connection; every one 200."""
    partes = urllib.parse.urlsplit(url)
    conexion = http.client.HTTPConnection(partes.hostname, partes.port, timeout=30)
    cabeceras = {"Authorization": f"Bearer {token}"} if token else {}
    muestras = []
    for ruta in rutas:
        inicio = time.perf_counter()
        conexion.request("GET", ruta, headers=cabeceras)
        respuesta = conexion.getresponse()
        cuerpo = respuesta.read()
        muestras.append((time.perf_counter() - inicio) * 1000)
        if respuesta.status != 200:
            sys.exit(f"bench_volumen: GET {ruta} answered {respuesta.status}: {cuerpo[:200]!r}")
    conexion.close()
    muestras.sort()
    return statistics.median(muestras), muestras[int(len(muestras) * 0.99) - 1]


def medir(sistema, guardadas, token):
    sync, _, sync_p99, _ = sistema.carga("/vuelos/reserva", 32, 10000)
    e2e, _, _, _ = sistema.carga("/vuelos/reserva-commando", 64, 10000, modo="evento")
    ids = [id_sintetico(random.randint(1, guardadas - 1)) for _ in range(500)]
    una = latencias(sistema.url, [f"/vuelos/reserva-query/{i}" for i in ids])
    primera = latencias(sistema.url, ["/vuelos/reserva-query?limite=20"] * 100, token)
    profunda = latencias(sistema.url, ["/vuelos/reserva-query?limite=20&desplazamiento=10000"] * 100,
                         token)
    return sync, sync_p99, e2e, una, primera, profunda


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--motores", default="sqlite,postgres")
    p.add_argument("--volumenes", default="10000,100000,1000000")
    p.add_argument("--binarios", default=os.path.join(
        os.environ.get("CARGO_TARGET_DIR", os.path.join(RAIZ, "target")), "release"))
    a = p.parse_args()
    servidor = os.environ.get("DATABASE_URL_BENCH") or os.environ.get("TEST_DATABASE_URL")
    volumenes = [int(v) for v in a.volumenes.split(",")]
    filas = []
    for motor in a.motores.split(","):
        with tempfile.TemporaryDirectory(prefix="bench-volumen-") as directorio:
            sistema = Sistema(a.binarios, directorio, motor, servidor,
                              {"AEROALPES_PERSONAL": PERSONAL})
            try:
                token = token_de_cliente(sistema.url, PERSONAL)
                with open(os.path.join(RAIZ, "tests/fixtures/reserva_bog_mad.json")) as f:
                    estado, _ = pedir("POST", f"{sistema.url}/vuelos/reserva", json.load(f))
                if estado != 200:
                    sys.exit(f"bench_volumen: the first booking answered {estado}")
                hechas = 0
                for volumen in volumenes:
                    inicio = time.time()
                    llenar(sistema, hechas + 1, volumen)
                    hechas = volumen
                    guardadas = sistema.contar()
                    print(f"{motor}: {guardadas} reservations stored "
                          f"(filled in {time.time() - inicio:.0f} s)", flush=True)
                    sync, sync_p99, e2e, una, primera, profunda = medir(sistema, volumen, token)
                    carga = os.getloadavg()[0]
                    filas.append((motor, guardadas, sync, sync_p99, e2e, una, primera, profunda, carga))
                    print(f"  sync {sync}/s p99 {sync_p99:.1f} ms; end to end {e2e}/s; "
                          f"one {una[0]:.2f}/{una[1]:.2f} ms; list {primera[0]:.2f}/{primera[1]:.2f} ms; "
                          f"offset 10,000 {profunda[0]:.2f}/{profunda[1]:.2f} ms; load {carga:.1f}",
                          flush=True)
            finally:
                sistema.detener()
    print()
    print("| engine | stored | sync req/s @32 (p99) | end to end /s | one reservation p50 / p99 "
          "| list, first page p50 / p99 | list at offset 10,000 p50 / p99 | load average |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for motor, guardadas, sync, p99, e2e, una, primera, profunda, carga in filas:
        print(f"| {motor} | {guardadas:,} | {sync} ({p99:.1f} ms) | {e2e} | {una[0]:.2f} / {una[1]:.2f} ms "
              f"| {primera[0]:.2f} / {primera[1]:.2f} ms | {profunda[0]:.2f} / {profunda[1]:.2f} ms "
              f"| {carga:.1f} |")


if __name__ == "__main__":
    main()
