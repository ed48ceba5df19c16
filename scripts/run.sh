#!/usr/bin/env bash
# Starts AeroAlpes on the embedded defaults: aeroalpes (HTTP API, SQLite under data/, and
# the embedded Pulsar broker on 127.0.0.1:6650), the notification service and the ui (the
# page, on port 5678), with their logs prefixed. Ctrl-C stops them all.
#
# It fails loudly, with a non-zero status: when a binary is missing (it looks in
# $CARGO_TARGET_DIR/release, default target/release), when a port is taken (AEROALPES_PORT,
# default 5000; UI_PORT, default 5678; AEROALPES_BROKER_PORT, default 6650;
# AEROALPES_BROKER_ADMIN_PORT, default 8080; NOTIFICACIONES_METRICS_PORT, default 9102), and when a
# service exits or is not ready within RUN_TIMEOUT_SECONDS (default 30): then it stops the
# others and prints that service's last 20 log lines. The banner prints only once aeroalpes
# answers /health and the ui answers /.
set -euo pipefail

# shellcheck source=scripts/procesos.sh
source "$(dirname "$0")/procesos.sh"
cd "$(dirname "$0")/.."
bin="$directorio_target/release"

port="${AEROALPES_PORT:-5000}"
ui_port="${UI_PORT:-5678}"
broker_port="${AEROALPES_BROKER_PORT:-6650}"
# The embedded broker's admin API and /metrics, on Apache Pulsar's admin port.
broker_admin_port="${AEROALPES_BROKER_ADMIN_PORT:-8080}"
metrics_port="${NOTIFICACIONES_METRICS_PORT:-9102}"
plazo="${RUN_TIMEOUT_SECONDS:-30}"
# Without a configured broker, aeroalpes embeds one, which notificaciones and the ui reach.
embedded_broker=false
[ -n "${PULSAR_URL:-}${PULSAR_ADDRESS:-}${BROKER_HOST:-}" ] || embedded_broker=true

for name in aeroalpes notificaciones ui; do
	[ -x "$bin/$name" ] ||
		fail "$bin/$name is missing: build it with \`make run\` (or \`cargo build --release -p $name\`)"
done

check_port AEROALPES_PORT "$port" "aeroalpes' HTTP API"
if $embedded_broker; then
	check_port AEROALPES_BROKER_PORT "$broker_port" "aeroalpes' embedded broker"
	check_port AEROALPES_BROKER_ADMIN_PORT "$broker_admin_port" "the embedded broker's admin API"
fi
check_port UI_PORT "$ui_port" "the ui"
check_port NOTIFICACIONES_METRICS_PORT "$metrics_port" "notificaciones' metrics"
command -v curl >/dev/null || fail "curl is needed to wait for the services; install it (apt-get install curl)"

mkdir -p data

# Tokens survive a restart: without AEROALPES_JWT_SECRET, a key made once and kept in data/.
if [ -z "${AEROALPES_JWT_SECRET:-}" ]; then
	if [ ! -s data/jwt-secret ]; then
		(umask 077 && head -c 48 /dev/urandom | base64 -w0 >data/jwt-secret)
	fi
	AEROALPES_JWT_SECRET=$(cat data/jwt-secret)
	export AEROALPES_JWT_SECRET
fi

# The ui acts as staff with a service token; both processes read it from the environment.
if [ -z "${AEROALPES_TOKEN_SERVICIO:-}" ]; then
	if [ ! -s data/token-servicio ]; then
		(umask 077 && head -c 48 /dev/urandom | base64 -w0 >data/token-servicio)
	fi
	AEROALPES_TOKEN_SERVICIO=$(cat data/token-servicio)
	export AEROALPES_TOKEN_SERVICIO
fi

iniciar_servicios

aeroalpes_env=()
$embedded_broker && aeroalpes_env+=(AEROALPES_BROKER_ADMIN_PORT="$broker_admin_port")
prefixed aeroalpes env "${aeroalpes_env[@]}" "$bin/aeroalpes"
# The others start once aeroalpes is ready (its embedded broker with it), so that a
# healthy start logs no connection retries.
wait_for aeroalpes "http://127.0.0.1:$port/health" answers "http://127.0.0.1:$port/health"

notificaciones_env=(NOTIFICACIONES_METRICS_PORT="$metrics_port")
$embedded_broker && notificaciones_env+=(PULSAR_URL="pulsar://127.0.0.1:$broker_port")
prefixed notificaciones env "${notificaciones_env[@]}" "$bin/notificaciones"

# The ui (the page and its websocket backend) calls aeroalpes and consumes the same broker.
ui_env=(UI_PORT="$ui_port" AEROALPES_ADDRESS="${AEROALPES_ADDRESS:-127.0.0.1:$port}")
$embedded_broker && ui_env+=(PULSAR_URL="pulsar://127.0.0.1:$broker_port")
prefixed ui env "${ui_env[@]}" "$bin/ui"

wait_for ui "http://127.0.0.1:$ui_port/" answers "http://127.0.0.1:$ui_port/"
wait_for notificaciones "http://127.0.0.1:$metrics_port/metrics" answers "http://127.0.0.1:$metrics_port/metrics"

cat <<MSG

AeroAlpes is up
  API:      http://localhost:$port   (health: /health, OpenAPI: /spec, Swagger UI: /docs)
  broker:   pulsar://127.0.0.1:$broker_port (embedded; data in data/broker; admin http://127.0.0.1:$broker_admin_port)
  metrics:  http://localhost:$port/metrics, http://localhost:$ui_port/metrics,
            http://localhost:$metrics_port/metrics (notificaciones), http://127.0.0.1:$broker_admin_port/metrics (broker)
  database: ${DATABASE_URL:-data/aeroalpes.db}
  page:     http://localhost:$ui_port   (the ui: create, approve, pay and watch reservations live)
Try:
  curl -s -X POST localhost:$port/vuelos/reserva-commando -d @tests/fixtures/reserva_bog_mad.json
  curl -s localhost:$port/vuelos/reserva-query/<id>
and watch [notificaciones] log the mail. Ctrl-C stops everything.

MSG

esperar_servicios
