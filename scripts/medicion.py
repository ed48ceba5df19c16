"""What the measurement scripts (bench.py, soak.py, drenaje.py, bench_escalado.py) share:
free ports, waiting for a URL, JSON over HTTP, a registered client's token, fresh
PostgreSQL databases, and stopping the processes they start."""

import json
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request


def puerto_libre():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def esperar(url, plazo=60):
    """Asks `url` until it answers 200, within `plazo` seconds; exits the script otherwise."""
    limite = time.time() + plazo
    while time.time() < limite:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit(f"{url} did not answer 200 within {plazo} s")


def pedir(metodo, url, cuerpo=None, token=None):
    """Sends JSON (if any) and answers (status, decoded JSON body or None)."""
    datos = None if cuerpo is None else json.dumps(cuerpo).encode()
    solicitud = urllib.request.Request(url, data=datos, method=metodo)
    solicitud.add_header("Content-Type", "application/json")
    if token:
        solicitud.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(solicitud, timeout=30) as r:
        return r.status, json.loads(r.read() or b"null")


def token_de_cliente(url, email):
    """Registers a natural client with `email` at aeroalpes' `url` and answers its token."""
    clave = "clave de prueba larga"
    pedir("POST", f"{url}/clientes/usuarios", {
        "tipo": "natural", "nombres": "Ana", "apellidos": "Pérez", "email": email, "password": clave,
        "fecha_nacimiento": "1990-05-01",
        "cedula": {"numero": 1020304050, "ciudad": {"codigo": "BOG", "nombre": "Bogotá",
                                                   "pais": {"codigo": "CO", "nombre": "Colombia"}}}})
    _, respuesta = pedir("POST", f"{url}/clientes/login", {"email": email, "password": clave})
    return respuesta["token"]


def detener(procesos):
    """SIGTERM to each process still running, last started first; SIGKILL after 30 s."""
    for proceso in reversed(procesos):
        if proceso.poll() is None:
            proceso.send_signal(signal.SIGTERM)
            try:
                proceso.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proceso.kill()


def psql(servidor, sql):
    """Runs `sql` on the PostgreSQL server `servidor` (a URL); answers its output."""
    return subprocess.run(["psql", servidor, "-v", "ON_ERROR_STOP=1", "-qAtc", sql], check=True,
                          capture_output=True, text=True).stdout.strip()


def base_nueva(servidor, nombre):
    """A fresh database `nombre` on the server, as a URL."""
    psql(servidor, f'DROP DATABASE IF EXISTS "{nombre}" WITH (FORCE)')
    psql(servidor, f'CREATE DATABASE "{nombre}"')
    partes = urllib.parse.urlsplit(servidor)
    return urllib.parse.urlunsplit(partes._replace(path=f"/{nombre}"))


def esperar_puerto(puerto, plazo=60):
    """Waits until something listens on `puerto`, within `plazo` seconds; exits otherwise."""
    limite = time.time() + plazo
    while time.time() < limite:
        try:
            socket.create_connection(("127.0.0.1", puerto), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"nothing listens on {puerto} after {plazo} s")


def reservas_sqlite(base):
    """How many reservations the SQLite file `base` holds (read-only)."""
    con = sqlite3.connect(f"file:{base}?mode=ro", uri=True, timeout=5)
    try:
        return con.execute("SELECT COUNT(*) FROM reservas").fetchone()[0]
    finally:
        con.close()


def correr_carga(argumentos):
    """Runs `carga` with `argumentos`; answers (per second, p50 ms, p99 ms, failed)."""
    salida = subprocess.run(argumentos, capture_output=True, text=True)
    texto = salida.stdout + salida.stderr
    caudal = re.search(r"throughput: (\d+) /s", texto)
    latencia = re.search(r"p50 ([\d.]+) ms, p90 [\d.]+ ms, p99 ([\d.]+) ms", texto)
    fallidas = re.search(r"\((\d+) failed\)", texto)
    if not (caudal and latencia):
        sys.exit(f"carga printed no figures:\n{texto}")
    return (int(caudal.group(1)), float(latencia.group(1)), float(latencia.group(2)),
            int(fallidas.group(1)) if fallidas else 0)
