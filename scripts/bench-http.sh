#!/usr/bin/env bash
# Measures AeroAlpes under load: starts a release aeroalpes on a fresh SQLite database and
# its embedded broker in a temporary directory, drives it with `carga`, stops it.
# Arguments go to carga, e.g.
#   scripts/bench-http.sh --ruta /vuelos/reserva --concurrencia 32
#   scripts/bench-http.sh --ruta /vuelos/reserva-commando --modo evento --tasa 1000
set -euo pipefail
cd "$(dirname "$0")/.."

dir="$(mktemp -d)"
port="${BENCH_PORT:-5099}"
broker_port="${BENCH_BROKER_PORT:-6699}"
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT

RUST_LOG=warn AEROALPES_HOST=127.0.0.1 AEROALPES_PORT="$port" DATABASE_URL="$dir/bench.db" \
	AEROALPES_BROKER_PORT="$broker_port" AEROALPES_BROKER_DATA="$dir/broker" \
	target/release/aeroalpes &
pid=$!
for _ in $(seq 100); do curl -sf "localhost:$port/health" >/dev/null && break; sleep 0.2; done

target/release/carga --url "http://127.0.0.1:$port" --broker "pulsar://127.0.0.1:$broker_port" "$@"
