#!/usr/bin/env bash
# Prints the PostgreSQL server URL for the tests' PostgreSQL variants, so that `make test`
# never skips them: TEST_DATABASE_URL when it is set; otherwise a throwaway cluster of its
# own under target/postgres-prueba (trust authentication, 127.0.0.1 only, port
# POSTGRES_PRUEBA_PORT, default 55432), created and started when needed, with PostgreSQL
# installed from the distribution when it is missing. Everything else goes to stderr.
# `postgres-prueba.sh --detener` stops that cluster (scripts/escalado.sh, when it started it).
set -euo pipefail
cd "$(dirname "$0")/.."

detener=false
[ "${1:-}" != --detener ] || detener=true
if [ -n "${TEST_DATABASE_URL:-}" ] && ! $detener; then
	echo "$TEST_DATABASE_URL"
	exit 0
fi

sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
binarios() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
bin=$(binarios)
if $detener && [ -z "$bin" ]; then
	exit 0
fi
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
	echo "postgres-prueba: installing PostgreSQL" >&2
	$sudo apt-get update -qq >&2
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2
	bin=$(binarios)
fi

puerto="${POSTGRES_PRUEBA_PORT:-55432}"
objetivo="${CARGO_TARGET_DIR:-target}"
[ "${objetivo#/}" != "$objetivo" ] || objetivo="$PWD/$objetivo"
datos="$objetivo/postgres-prueba"
# PostgreSQL refuses to run as root: as root, the cluster belongs to the postgres user.
como() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}
if $detener; then
	if [ -f "$datos/postmaster.pid" ]; then
		como "$bin/pg_ctl" -D "$datos" -m fast -w -t 30 stop >&2
	fi
	exit 0
fi
if [ ! -f "$datos/PG_VERSION" ]; then
	mkdir -p "$datos"
	[ "$(id -u)" != 0 ] || chown postgres "$datos"
	como "$bin/initdb" -D "$datos" -A trust -U postgres >&2
fi
if ! "$bin/pg_isready" -q -h 127.0.0.1 -p "$puerto"; then
	como "$bin/pg_ctl" -D "$datos" -l "$datos/registro.log" -w -t 30 \
		-o "-p $puerto -c listen_addresses=127.0.0.1 -k /tmp" start >&2
fi
echo "postgres://postgres@127.0.0.1:$puerto/postgres"
