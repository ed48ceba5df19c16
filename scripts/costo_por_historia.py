"""Median latency of a booking (POST /vuelos/reserva with the client's token) as one
client's history grows to 10, 1,000, 5,000 and 10,000 reservations: 100 bookings timed
at each, over one keep-alive connection, against a release binary of aeroalpes on a
fresh SQLite database and its embedded broker.

Usage: .venv/bin/python scripts/costo_por_historia.py target/release/aeroalpes LABEL
(figures in the README's Speed section)."""
import http.client, json, os, re, statistics, subprocess, sys, tempfile, time

binario, etiqueta = sys.argv[1], sys.argv[2]
datos = tempfile.mkdtemp()
entorno = dict(os.environ, AEROALPES_PORT="0", AEROALPES_HOST="127.0.0.1", AEROALPES_BROKER_PORT="0",
               AEROALPES_BROKER_DATA=f"{datos}/broker", DATABASE_URL=f"{datos}/a.db", RUST_LOG="warn,aeroalpes=info")
registro_log = open(f"{datos}/log", "w")
proceso = subprocess.Popen([binario], env=entorno, stdout=registro_log, stderr=subprocess.STDOUT, text=True)
puerto = None
while puerto is None:
    time.sleep(0.1)
    for linea in open(f"{datos}/log"):
        m = re.search(r"puerto=(\d+)", linea)
        if m and "escuchando" in linea:
            puerto = int(m.group(1))
conexion = http.client.HTTPConnection("127.0.0.1", puerto)
def pedir(metodo, ruta, cuerpo=None, token=None):
    cabeceras = {"content-type": "application/json"}
    if token: cabeceras["authorization"] = f"Bearer {token}"
    conexion.request(metodo, ruta, body=json.dumps(cuerpo) if cuerpo is not None else None, headers=cabeceras)
    r = conexion.getresponse(); return r.status, r.read()
for _ in range(100):
    try:
        if pedir("GET", "/health")[0] == 200: break
    except Exception: pass
    time.sleep(0.2)
registro = {"tipo": "natural", "nombres": "Ana", "apellidos": "Pérez", "email": "costo@gmail.com", "password": "una clave larga de prueba",
            "cedula": {"numero": 1020304050, "ciudad": {"codigo": "BOG", "nombre": "Bogotá", "pais": {"codigo": "CO", "nombre": "Colombia"}}},
            "fecha_nacimiento": "1990-05-01"}
assert pedir("POST", "/clientes/usuarios", registro)[0] == 201
_, cuerpo = pedir("POST", "/clientes/login", {"email": "costo@gmail.com", "password": "una clave larga de prueba"})
token = json.loads(cuerpo)["token"]
reserva = json.load(open(os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "reserva_bog_mad.json")))
hechas = 0
for meta in [10, 1000, 5000, 10000]:
    while hechas < meta:
        estado, _ = pedir("POST", "/vuelos/reserva", reserva, token); assert estado == 200, estado; hechas += 1
    tiempos = []
    for _ in range(100):
        inicio = time.perf_counter(); estado, _ = pedir("POST", "/vuelos/reserva", reserva, token); tiempos.append(time.perf_counter() - inicio)
        assert estado == 200; hechas += 1
    print(f"{etiqueta} history {meta}: median {statistics.median(tiempos)*1000:.2f} ms, p90 {sorted(tiempos)[89]*1000:.2f} ms", flush=True)
proceso.terminate(); proceso.wait(timeout=20)
