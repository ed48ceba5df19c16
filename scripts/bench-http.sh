#!/usr/bin/env bash
# Measures POST /vuelos/reserva on SQLite: starts a release aeroalpes on a fresh database in
# a temporary directory, drives it with `carga`, stops it. Extra arguments go to carga.
set -euo pipefail
cd "$(dirname "$0")/.."

dir="$(mktemp -d)"
port="${BENCH_PORT:-5099}"
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT

RUST_LOG=warn AEROALPES_HOST=127.0.0.1 AEROALPES_PORT="$port" DATABASE_URL="$dir/bench.db" \
	target/release/aeroalpes &
pid=$!
for _ in $(seq 50); do curl -sf "localhost:$port/health" >/dev/null && break; sleep 0.2; done

target/release/carga --url "http://127.0.0.1:$port" --ruta /vuelos/reserva "$@"
