#!/usr/bin/env bash
# Starts AeroAlpes on the embedded defaults (SQLite file under data/) and prints how to
# reach it. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."

port="${AEROALPES_PORT:-5000}"
bin=target/release

cat <<MSG
AeroAlpes
  API:      http://localhost:$port   (health: /health, OpenAPI: /spec, Swagger UI: /docs)
  database: ${DATABASE_URL:-data/aeroalpes.db}
Try:
  curl -s -X POST localhost:$port/vuelos/reserva -d @tests/fixtures/reserva_bog_mad.json
  curl -s localhost:$port/vuelos/reserva-query/<id>
MSG

exec "$bin/aeroalpes"
