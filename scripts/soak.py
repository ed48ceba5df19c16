#!/usr/bin/env python3
"""Soak: do the bookkeeping tables and the broker's memory stay bounded under steady load?

Starts the release aeroalpes (SQLite, its embedded broker) and notificaciones with a short
retention of bookkeeping rows (one minute by default, so that the sweeps run every 15 s),
drives one client's asynchronous reservations through `carga` at a steady rate, and every
sample prints the rows of every bookkeeping table (aeroalpes' inbox, solicitudes and
outbox, notificaciones' inbox), the reservations (data, which grow by design), the
embedded broker's memory for topic entries, and the resident memory of both processes
(anonymous, and file-backed: SQLite maps the database file, which grows with the
reservations). Bounded means: after the first retention window the bookkeeping counts stop
growing (they hover around rate x retention), and so do the broker's memory and the
processes' anonymous memory.

    make soak                      # 200 reservations/s for 5 minutes
    scripts/soak.py --tasa 500 --minutos 10 --retencion-horas 0.05

Binaries come from $CARGO_TARGET_DIR/release (default target/release).
"""

import argparse
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

from medicion import detener, esperar, puerto_libre, token_de_cliente

RAIZ = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))




def contar(ruta, tablas):
    """Rows of each table, read from the SQLite file while the service writes (WAL)."""
    try:
        con = sqlite3.connect(f"file:{ruta}?mode=ro", uri=True, timeout=5)
        try:
            return {t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tablas}
        finally:
            con.close()
    except sqlite3.Error as e:
        return {t: f"? ({e})" for t in tablas}


def memoria_broker(url_metricas):
    try:
        with urllib.request.urlopen(url_metricas, timeout=5) as r:
            texto = r.read().decode()
    except OSError:
        return None
    total = 0.0
    for linea in texto.splitlines():
        if linea.startswith("pulsar_embedded_topic_memory_bytes"):
            total += float(linea.rsplit(" ", 1)[1])
    return int(total)


def rss_mib(pid):
    """Resident memory, anonymous (the heap) and file-backed (SQLite maps its file, up to
    256 MiB, so this part follows the database's size), in MiB."""
    try:
        with open(f"/proc/{pid}/status") as f:
            estado = f.read()
    except OSError:
        return "?"
    def campo(nombre):
        m = re.search(rf"{nombre}:\s+(\d+)", estado)
        return int(m.group(1)) / 1024 if m else 0
    return f"{campo('RssAnon'):.0f}+{campo('RssFile'):.0f}"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tasa", type=int, default=200, help="reservations per second")
    p.add_argument("--minutos", type=float, default=5, help="how long to drive load")
    p.add_argument("--retencion-horas", default="0.017", help="retention of bookkeeping rows, hours")
    p.add_argument("--muestra", type=float, default=15, help="seconds between samples")
    a = p.parse_args()

    binarios = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(RAIZ, "target")), "release")
    for b in ("aeroalpes", "notificaciones", "carga"):
        if not os.access(os.path.join(binarios, b), os.X_OK):
            sys.exit(f"soak: {binarios}/{b} is missing: `cargo build --release -p aeroalpes -p notificaciones -p carga`")

    datos = tempfile.mkdtemp(prefix="soak-")
    http, broker, admin, metricas = (puerto_libre() for _ in range(4))
    base_a, base_n = os.path.join(datos, "aeroalpes.db"), os.path.join(datos, "notificaciones.db")
    entorno = dict(os.environ, RUST_LOG="warn")
    procesos = []
    try:
        aeroalpes = subprocess.Popen(
            [os.path.join(binarios, "aeroalpes")],
            env=dict(entorno, AEROALPES_HOST="127.0.0.1", AEROALPES_PORT=str(http),
                     AEROALPES_BROKER_PORT=str(broker), AEROALPES_BROKER_ADMIN_PORT=str(admin),
                     AEROALPES_BROKER_DATA=os.path.join(datos, "broker"), DATABASE_URL=base_a,
                     AEROALPES_RETENCION_REGISTROS_HORAS=a.retencion_horas),
            stdout=subprocess.DEVNULL)
        procesos.append(aeroalpes)
        esperar(f"http://127.0.0.1:{http}/health")
        notificaciones = subprocess.Popen(
            [os.path.join(binarios, "notificaciones")],
            env=dict(entorno, PULSAR_URL=f"pulsar://127.0.0.1:{broker}", NOTIFICACIONES_DATABASE_URL=base_n,
                     NOTIFICACIONES_METRICS_PORT=str(metricas),
                     NOTIFICACIONES_RETENCION_INBOX_HORAS=a.retencion_horas),
            stdout=subprocess.DEVNULL)
        procesos.append(notificaciones)
        esperar(f"http://127.0.0.1:{metricas}/metrics")

        # Every reservation for one client, so that notificaciones mails each (an anonymous
        # reservation has nobody to mail) and the client's history grows all along.
        token = token_de_cliente(f"http://127.0.0.1:{http}", "soak@example.com")
        total = int(a.tasa * a.minutos * 60)
        carga = subprocess.Popen(
            [os.path.join(binarios, "carga"), "--url", f"http://127.0.0.1:{http}",
             "--ruta", "/vuelos/reserva-commando", "--cuerpo", os.path.join(RAIZ, "tests/fixtures/reserva_bog_mad.json"),
             "--concurrencia", "16", "--total", str(total), "--calentamiento", "0", "--tasa", str(a.tasa)],
            env=dict(entorno, CARGA_TOKEN=token), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        procesos.append(carga)

        print(f"soak: {a.tasa}/s for {a.minutos} min, retention {a.retencion_horas} h; data in {datos}", flush=True)
        cabecera = ("s", "reservas", "inbox", "solicitudes", "outbox", "notif.inbox", "broker KiB", "aeroalpes MiB anon+file", "notif. MiB anon+file")
        print(" | ".join(cabecera), flush=True)
        inicio = time.time()
        while True:
            fin = carga.poll() is not None
            a_filas = contar(base_a, ("reservas", "inbox", "solicitudes", "outbox"))
            n_filas = contar(base_n, ("inbox",))
            memoria = memoria_broker(f"http://127.0.0.1:{admin}/metrics")
            fila = [
                f"{time.time() - inicio:.0f}", a_filas["reservas"], a_filas["inbox"], a_filas["solicitudes"],
                a_filas["outbox"], n_filas["inbox"],
                "?" if memoria is None else f"{memoria / 1024:.0f}",
                rss_mib(aeroalpes.pid), rss_mib(notificaciones.pid),
            ]
            print(" | ".join(str(x) for x in fila), flush=True)
            if fin:
                break
            time.sleep(a.muestra)
        print(carga.stdout.read())
        return carga.returncode
    finally:
        detener(procesos)

if __name__ == "__main__":
    sys.exit(main())
