#!/usr/bin/env bash
# Profiles a release aeroalpes under load: starts the standalone broker and aeroalpes
# (SQLite in a temporary directory, or DATABASE_URL), drives a route with `carga`, and
# records aeroalpes with `perf` (DWARF call graphs) for 8 s in the middle of the run. Prints
# the CPU by thread and the top frames by self time, and writes a flame graph when
# inferno is installed (`cargo install inferno`). What README.md, "Speed", quotes.
#
#   scripts/perfil.sh NAME [ROUTE] [MODE]       # default: the asynchronous route, end to end
#   scripts/perfil.sh sync /vuelos/reserva http
#   BIN=/tmp/before/release CONCURRENCIA=32 TOTAL=100000 scripts/perfil.sh ...
#
# Output in target/perfil/NAME.{data,txt,svg}.
set -euo pipefail
cd "$(dirname "$0")/.."

nombre="${1:?a name for the profile}"
ruta="${2:-/vuelos/reserva-commando}"
modo="${3:-evento}"
bin="${BIN:-${CARGO_TARGET_DIR:-target}/release}"
salida="target/perfil"
mkdir -p "$salida"
dir="$(mktemp -d)"
broker_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
http_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
trap 'kill "${aeroalpes:-}" "${broker:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"' EXIT

"$bin/pulsar-embedded" --port "$broker_port" --data-dir "$dir/broker" --deduplication \
	--retention-minutes -1 --retention-size-mb -1 >/dev/null 2>&1 &
broker=$!
sleep 0.5
RUST_LOG=warn AEROALPES_HOST=127.0.0.1 AEROALPES_PORT="$http_port" \
	DATABASE_URL="${DATABASE_URL:-$dir/aeroalpes.db}" \
	AEROALPES_JWT_SECRET="un secreto del perfil de aeroalpes 0123456789" \
	PULSAR_URL="pulsar://127.0.0.1:$broker_port" "$bin/aeroalpes" >"$dir/aeroalpes.log" 2>&1 &
aeroalpes=$!
for _ in $(seq 100); do curl -sf "localhost:$http_port/health" >/dev/null && break; sleep 0.2; done

(sleep 3; perf record -F 400 --call-graph dwarf,8192 -o "$salida/$nombre.data" -p "$aeroalpes" \
	-- sleep 8 >/dev/null 2>&1) &
perfilador=$!
"$bin/carga" --url "http://127.0.0.1:$http_port" --broker "pulsar://127.0.0.1:$broker_port" \
	--ruta "$ruta" --modo "$modo" --concurrencia "${CONCURRENCIA:-64}" --total "${TOTAL:-60000}" \
	--calentamiento 1000 | tail -3
wait "$perfilador"

{
	echo "CPU by thread"
	perf report -i "$salida/$nombre.data" --no-children --sort comm --stdio 2>/dev/null | grep -E '^ +[0-9.]+%'
	echo
	echo "Top frames by self time"
	perf report -i "$salida/$nombre.data" --no-children --sort symbol --stdio 2>/dev/null |
		grep -E '^ +[0-9.]+%' | head -25
} | tee "$salida/$nombre.txt"
if command -v inferno-collapse-perf >/dev/null && command -v inferno-flamegraph >/dev/null; then
	perf script -i "$salida/$nombre.data" 2>/dev/null | inferno-collapse-perf |
		inferno-flamegraph >"$salida/$nombre.svg"
	echo "flame graph: $salida/$nombre.svg"
fi
