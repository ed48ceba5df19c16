#!/usr/bin/env bash
# Starts AeroAlpes on the embedded defaults: aeroalpes (HTTP API, SQLite under data/, and
# the embedded Pulsar broker on 127.0.0.1:6650), the notification service and the ui (the
# page, on port 5678), with their logs prefixed. Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."

port="${AEROALPES_PORT:-5000}"
bin=target/release
mkdir -p data

pids=()
stop() {
	trap - INT TERM EXIT
	kill -TERM "${pids[@]}" 2>/dev/null || true
	wait "${pids[@]}" 2>/dev/null || true
}
trap stop INT TERM EXIT

prefixed() { # name, command...
	local name=$1
	shift
	"$@" > >(sed -u "s/^/[$name] /") 2>&1 &
	pids+=($!)
}

prefixed aeroalpes "$bin/aeroalpes"
# The notification service reaches the broker aeroalpes embeds (unless one is configured);
# it retries until the broker is up.
if [ -z "${PULSAR_URL:-}${PULSAR_ADDRESS:-}${BROKER_HOST:-}" ]; then
	PULSAR_URL="pulsar://127.0.0.1:${AEROALPES_BROKER_PORT:-6650}" prefixed notificaciones "$bin/notificaciones"
else
	prefixed notificaciones "$bin/notificaciones"
fi

# The ui (the page and its websocket backend) calls aeroalpes and consumes the same broker.
ui_port="${UI_PORT:-5678}"
ui_env=(UI_PORT="$ui_port" AEROALPES_ADDRESS="${AEROALPES_ADDRESS:-127.0.0.1:$port}")
[ -n "${PULSAR_URL:-}${PULSAR_ADDRESS:-}${BROKER_HOST:-}" ] ||
	ui_env+=(PULSAR_URL="pulsar://127.0.0.1:${AEROALPES_BROKER_PORT:-6650}")
prefixed ui env "${ui_env[@]}" "$bin/ui"

for _ in $(seq 100); do curl -sf "localhost:$port/health" >/dev/null && break; sleep 0.2; done
for _ in $(seq 100); do curl -sf "localhost:$ui_port/health" >/dev/null && break; sleep 0.2; done
cat <<MSG

AeroAlpes is up
  API:      http://localhost:$port   (health: /health, OpenAPI: /spec, Swagger UI: /docs)
  broker:   pulsar://127.0.0.1:${AEROALPES_BROKER_PORT:-6650} (embedded; data in data/broker)
  database: ${DATABASE_URL:-data/aeroalpes.db}
  page:     http://localhost:$ui_port   (the ui: create, approve, pay and watch reservations live)
Try:
  curl -s -X POST localhost:$port/vuelos/reserva-commando -d @tests/fixtures/reserva_bog_mad.json
  curl -s localhost:$port/vuelos/reserva-query/<id>
and watch [notificaciones] log the mail. Ctrl-C stops everything.

MSG
wait -n "${pids[@]}"
