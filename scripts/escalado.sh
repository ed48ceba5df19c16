#!/usr/bin/env bash
# Starts the scaled topology of AeroAlpes as processes on this machine, as production runs
# it: PostgreSQL, the standalone broker (pulsar-embedded), command replicas and query
# replicas of aeroalpes, notificaciones, and the nginx gateway (gateway/nginx.conf) in
# front of the replicas, with their logs prefixed. Ctrl-C or SIGTERM stops everything it
# started. `make run-escalado` builds the binaries and runs it.
#
# - PostgreSQL: the server DATABASE_URL_ESCALADO or TEST_DATABASE_URL names, else the
#   throwaway cluster of scripts/postgres-prueba.sh (stopped on exit if this script started
#   it). Databases `aeroalpes_escrituras` (the write model) and `aeroalpes_lecturas_1`,
#   `aeroalpes_lecturas_2`... (one read model per query replica) are created there when
#   missing.
# - Replicas: COMANDOS_PORTS (default "5001 5002") and QUERIES_PORTS (default "5011 5012"),
#   one replica per port, on 127.0.0.1 (only the gateway is meant to reach them). A command
#   replica (AEROALPES_ROL=comandos) serves the POST routes on aeroalpes_escrituras and
#   relays its outbox to the broker; the query replica of the n-th port of QUERIES_PORTS
#   (AEROALPES_ROL=queries) serves the GET routes from aeroalpes_lecturas_<n>, which its
#   projection keeps from the broker's events and never from the write database. See
#   `entorno_replica`. They share AEROALPES_JWT_SECRET (data/jwt-secret when unset, as
#   `make run`), so a token one replica signs is valid on every other.
# - A read model is rebuilt from scratch by dropping its database while this script is
#   stopped (`psql -c 'DROP DATABASE aeroalpes_lecturas_<n>'`): the next start creates it
#   again, and its replica a new generation there, whose projection replays every event the
#   broker retains.
# - The broker listens on BROKER_PORT (default 6650), its data in data/escalado/broker; it
#   retains every event (`--retention-minutes -1`, up to 1 GiB per topic), so that a new
#   read model replays them all. notificaciones' metrics on NOTIFICACIONES_METRICS_PORT
#   (default 9102), its inbox in data/escalado/notificaciones.db.
# - The gateway listens on GATEWAY_PORT (default 8000); its pools are gateway/upstreams.conf
#   with each `server` line repeated for the local replicas' ports.
#
# Binaries are looked up in $CARGO_TARGET_DIR/debug (default target/debug); nginx at NGINX
# (default /usr/sbin/nginx; `make system-deps` installs it). A taken port, a missing binary,
# or a service that exits or is not ready within RUN_TIMEOUT_SECONDS (default 60) stops
# everything and prints that service's last log lines.
set -euo pipefail

# shellcheck source=scripts/procesos.sh
source "$(dirname "$0")/procesos.sh"
cd "$(dirname "$0")/.."
bin="$directorio_target/debug"

read -r -a puertos_comandos <<<"${COMANDOS_PORTS:-5001 5002}"
read -r -a puertos_queries <<<"${QUERIES_PORTS:-5011 5012}"
gateway_port="${GATEWAY_PORT:-8000}"
broker_port="${BROKER_PORT:-6650}"
metrics_port="${NOTIFICACIONES_METRICS_PORT:-9102}"
nginx="${NGINX:-/usr/sbin/nginx}"
plazo="${RUN_TIMEOUT_SECONDS:-60}"

for name in aeroalpes notificaciones pulsar-embedded; do
	[ -x "$bin/$name" ] ||
		fail "$bin/$name is missing: build it with \`make run-escalado\` (or \`cargo build --bins -p $name\`)"
done
[ -x "$nginx" ] || fail "$nginx is missing: \`make system-deps\` installs nginx (or set NGINX)"
command -v curl >/dev/null || fail "curl is needed to wait for the services; install it (apt-get install curl)"
command -v psql >/dev/null || fail "psql is needed to create the databases; install it (apt-get install postgresql-client)"
[ ${#puertos_comandos[@]} -gt 0 ] || fail "COMANDOS_PORTS names no port: the command pool needs a replica"
[ ${#puertos_queries[@]} -gt 0 ] || fail "QUERIES_PORTS names no port: the query pool needs a replica"

for puerto in "${puertos_comandos[@]}"; do
	check_port COMANDOS_PORTS "$puerto" "a command replica"
done
for puerto in "${puertos_queries[@]}"; do
	check_port QUERIES_PORTS "$puerto" "a query replica"
done
check_port GATEWAY_PORT "$gateway_port" "the gateway"
check_port BROKER_PORT "$broker_port" "the broker"
check_port NOTIFICACIONES_METRICS_PORT "$metrics_port" "notificaciones' metrics"

iniciar_servicios

# PostgreSQL. The throwaway cluster is stopped on exit only if it was not running before.
servidor="${DATABASE_URL_ESCALADO:-${TEST_DATABASE_URL:-}}"
if [ -z "$servidor" ]; then
	if ! escucha "${POSTGRES_PRUEBA_PORT:-55432}"; then
		# shellcheck disable=SC2317 # called by `stop` (scripts/procesos.sh)
		al_terminar() { ./scripts/postgres-prueba.sh --detener; }
	fi
	servidor=$(./scripts/postgres-prueba.sh) || fail "scripts/postgres-prueba.sh could not start PostgreSQL"
fi

# `servidor` (a server's URL, with or without a database and parameters) naming database
# $1 instead, its parameters kept.
url_de_base() { # database
	local direccion="${servidor%%\?*}" parametros="" anfitrion
	[ "$direccion" = "$servidor" ] || parametros="?${servidor#*\?}"
	anfitrion="${direccion#*://}"
	echo "${direccion%%://*}://${anfitrion%%/*}/$1$parametros"
}
# The server's host and port, without credentials, for messages.
anfitrion_pg="${servidor#*://}"
anfitrion_pg="${anfitrion_pg%%[/?]*}"
anfitrion_pg="${anfitrion_pg##*@}"
# One read database per query replica: aeroalpes_lecturas_1 for the first port of
# QUERIES_PORTS, and so on.
bases_lecturas=()
for ((i = 1; i <= ${#puertos_queries[@]}; i++)); do
	bases_lecturas+=("aeroalpes_lecturas_$i")
done
url_escrituras=$(url_de_base aeroalpes_escrituras)
for base in aeroalpes_escrituras "${bases_lecturas[@]}"; do
	existe=$(psql "$servidor" -XtAq -c "SELECT 1 FROM pg_database WHERE datname = '$base'") ||
		fail "PostgreSQL at $anfitrion_pg does not answer"
	if [ "$existe" != 1 ]; then
		psql "$servidor" -Xq -c "CREATE DATABASE $base" || fail "could not create database $base"
	fi
done

mkdir -p data/escalado
# Tokens survive a restart and every replica accepts every other's: one key, kept in data/.
if [ -z "${AEROALPES_JWT_SECRET:-}" ]; then
	if [ ! -s data/jwt-secret ]; then
		(umask 077 && head -c 48 /dev/urandom | base64 -w0 >data/jwt-secret)
	fi
	AEROALPES_JWT_SECRET=$(cat data/jwt-secret)
fi
export AEROALPES_JWT_SECRET
url_broker="pulsar://127.0.0.1:$broker_port"

# The environment of replica `n` (from 1) of `pool` (comandos | queries) listening on
# `puerto`: the one place that decides which role and which database each replica gets.
entorno_replica() { # pool, n, puerto
	local pool=$1 n=$2 puerto=$3
	echo "AEROALPES_HOST=127.0.0.1"
	echo "AEROALPES_PORT=$puerto"
	echo "PULSAR_URL=$url_broker"
	echo "AEROALPES_ROL=$pool"
	# The gateway, on this machine, tells the client's address in X-Real-IP.
	echo "AEROALPES_PROXIES_CONFIABLES=127.0.0.1"
	case $pool in
	comandos) echo "DATABASE_URL=$url_escrituras" ;;
	queries) echo "DATABASE_URL=$(url_de_base "aeroalpes_lecturas_$n")" ;;
	esac
}

# As aeroalpes' embedded broker: the relay's resends are dropped, and events are retained
# for consumers that subscribe later (a query replica's projection on a new read database
# replays them all from the earliest). Started first, it stops last, after the replicas and
# notificaciones have closed their consumers. The replicas connect once it listens, so
# that a healthy start logs no connection retries.
prefixed broker "$bin/pulsar-embedded" --port "$broker_port" \
	--data-dir data/escalado/broker --deduplication --retention-minutes -1 --retention-size-mb 1024
wait_for broker "on port $broker_port" escucha "$broker_port"

arrancar_pool() { # pool, puertos...
	local pool=$1 i=0 puerto entorno
	shift
	for puerto in "$@"; do
		i=$((i + 1))
		mapfile -t entorno < <(entorno_replica "$pool" "$i" "$puerto")
		prefixed "$pool-$i" env "${entorno[@]}" "$bin/aeroalpes"
	done
}
arrancar_pool comandos "${puertos_comandos[@]}"
arrancar_pool queries "${puertos_queries[@]}"
# Liveness, which every role serves: the replica takes requests.
for puerto in "${puertos_comandos[@]}" "${puertos_queries[@]}"; do
	wait_for "the replica on port $puerto" "/health/live" answers "http://127.0.0.1:$puerto/health/live"
done

prefixed notificaciones env PULSAR_URL="$url_broker" \
	NOTIFICACIONES_DATABASE_URL=data/escalado/notificaciones.db \
	NOTIFICACIONES_METRICS_PORT="$metrics_port" "$bin/notificaciones"

# The gateway's prefix: gateway/nginx.conf through a symlink (its `include`s resolve beside
# the link), the pools of the local replicas and the port.
gateway=data/escalado/gateway
mkdir -p "$gateway"
ln -sfn "$PWD/gateway/nginx.conf" "$gateway/nginx.conf"
echo "listen $gateway_port;" >"$gateway/listen.conf"
awk -v comandos="${puertos_comandos[*]}" -v queries="${puertos_queries[*]}" '
	/^[[:space:]]*server aeroalpes-(comandos|queries):5000[ ;]/ {
		n = split($0 ~ /aeroalpes-comandos/ ? comandos : queries, puertos, " ")
		for (i = 1; i <= n; i++) {
			linea = $0
			sub(/aeroalpes-(comandos|queries):5000/, "127.0.0.1:" puertos[i], linea)
			print linea
		}
		next
	}
	{ print }
' gateway/upstreams.conf >"$gateway/upstreams.conf"
if grep -q 'aeroalpes-\(comandos\|queries\):' "$gateway/upstreams.conf"; then
	fail "gateway/upstreams.conf has a server line this script does not expand"
fi
prefixed gateway "$nginx" -p "$PWD/$gateway" -c "$PWD/$gateway/nginx.conf" -e stderr -g 'daemon off;'
wait_for gateway "/gateway/health" answers "http://127.0.0.1:$gateway_port/gateway/health"
wait_for notificaciones "/metrics" answers "http://127.0.0.1:$metrics_port/metrics"

cat <<MSG

AeroAlpes (scaled) is up
  gateway:   http://localhost:$gateway_port   (/api-commands/..., /api-queries/..., the tutorial's routes)
  comandos:  ${puertos_comandos[*]/#/127.0.0.1:}
  queries:   ${puertos_queries[*]/#/127.0.0.1:}
  broker:    $url_broker (data in data/escalado/broker)
  databases: aeroalpes_escrituras (comandos), ${bases_lecturas[*]} (queries, one each)
             on PostgreSQL at $anfitrion_pg
Try:
  curl -si -X POST localhost:$gateway_port/api-commands/vuelos/reserva-commando -d @tests/fixtures/reserva_bog_mad.json
  curl -s localhost:$gateway_port/api-queries/vuelos/reserva-query/<id>
Ctrl-C stops everything.

MSG

esperar_servicios
