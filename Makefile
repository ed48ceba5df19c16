# AeroAlpes: `make run` starts the system on the embedded defaults, `make test` runs every
# test. Each first installs what is missing (system packages with apt, the Python client
# for the interoperability tests in a virtualenv), so both work on a fresh Debian machine.

SHELL := /bin/bash
CARGO ?= cargo
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run run-escalado reset test coverage deps system-deps python-deps lint bench bench-volumen bench-http bench-eventos bench-broker bench-escalado soak drenaje clean

run: system-deps
	$(CARGO) build --release -p aeroalpes -p notificaciones -p ui
	./scripts/run.sh

# The scaled topology on this machine (scripts/escalado.sh): the nginx gateway on :8000 in
# front of 2 command and 2 query replicas, PostgreSQL, the standalone broker and
# notificaciones. Debug builds, as the end-to-end tests use.
run-escalado: system-deps
	$(CARGO) build --bins -p aeroalpes -p notificaciones -p pulsar-embedded
	./scripts/escalado.sh

# Removes the data of `make run` (data/: the SQLite file and the embedded broker's data),
# keeping the build.
reset:
	rm -rf data

# The end-to-end tests (tests/e2e) run the workspace's binaries as processes: build them first.
# The PostgreSQL variants always run: on TEST_DATABASE_URL, or on a throwaway cluster that
# scripts/postgres-prueba.sh starts under target/ (installing PostgreSQL when missing).
test: deps
	$(CARGO) build --workspace --bins
	@url="$$(./scripts/postgres-prueba.sh)" && export TEST_DATABASE_URL="$$url" && \
	if $(CARGO) nextest --version >/dev/null 2>&1; then \
		$(CARGO) nextest run --workspace --no-fail-fast; \
	else \
		$(CARGO) test --workspace --no-fail-fast; \
	fi

# Line coverage of the tests of `make test`, PostgreSQL variants included (cargo-llvm-cov,
# installed when missing), built
# in its own target directory so that the normal build stays as it is. The end-to-end tests
# run the binaries as processes, so the whole build is instrumented (`show-env`) rather than
# only the tests (`cargo llvm-cov nextest`): each process writes its own profile, which the
# report merges. A process writes it when it exits, so one that a test kills (SIGKILL)
# counts for nothing. Prints the per-file table of every workspace crate (`--workspace`:
# without it the report keeps only the root package, which has no code) and its TOTAL line.
coverage: deps
	$(CARGO) llvm-cov --version >/dev/null 2>&1 || $(CARGO) install cargo-llvm-cov --locked
	rustup component add llvm-tools
	url="$$(./scripts/postgres-prueba.sh)" && export TEST_DATABASE_URL="$$url" && \
	export CARGO_TARGET_DIR="$(CURDIR)/target/llvm-cov-target" && \
	source <($(CARGO) llvm-cov show-env --sh) && \
	$(CARGO) llvm-cov clean --workspace && \
	$(CARGO) build --workspace --bins && \
	{ if $(CARGO) nextest --version >/dev/null 2>&1; then \
		$(CARGO) nextest run --workspace --no-fail-fast; \
	else \
		$(CARGO) test --workspace --no-fail-fast; \
	fi; estado=$$?; \
	$(CARGO) llvm-cov report --workspace; exit $$estado; }

deps: system-deps python-deps

# protoc builds the `pulsar` crate's protocol types and, with the well-known types of
# libprotobuf-dev (google/protobuf/timestamp.proto), the adaptador's gRPC code; libpq
# links diesel's PostgreSQL backend; docker-compose validates the compose file (no Docker
# engine is needed for that).
# chromium and chromium-driver (chromedriver) run the ui's browser test, headless. jq is
# used by the README's examples (run under test); promtool (package prometheus) checks the
# Prometheus configuration of the observability profile.
# nginx is the gateway of `make run-escalado` and of tests/e2e/gateway.rs, which start it
# themselves on their own ports (`nginx -p DIR -c FILE`). Debian's package would start and
# enable a system nginx on port 80; a policy-rc.d that refuses every start (the way Debian
# documents for installing without starting) keeps it stopped during the install, unless
# the machine already has one (containers usually do), and systemctl keeps it from
# starting at the next boot.
system-deps:
	@missing=""; \
	command -v protoc >/dev/null || missing="$$missing protobuf-compiler"; \
	[ -e /usr/include/google/protobuf/timestamp.proto ] || missing="$$missing libprotobuf-dev"; \
	[ -e /usr/include/postgresql/libpq-fe.h ] || missing="$$missing libpq-dev"; \
	command -v pkg-config >/dev/null || missing="$$missing pkg-config"; \
	[ -e /usr/include/openssl/ssl.h ] || missing="$$missing libssl-dev"; \
	{ [ -e /usr/bin/chromium ] && [ -e /usr/bin/chromedriver ]; } || missing="$$missing chromium chromium-driver"; \
	command -v docker-compose >/dev/null || missing="$$missing docker-compose"; \
	command -v jq >/dev/null || missing="$$missing jq"; \
	command -v promtool >/dev/null || missing="$$missing prometheus"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@if [ ! -x /usr/sbin/nginx ]; then \
		echo "installing: nginx (not started as a service)"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) sh -ec 'politica=/usr/sbin/policy-rc.d; \
			if [ ! -e $$politica ]; then \
				printf "#!/bin/sh\nexit 101\n" >$$politica; chmod 755 $$politica; \
				trap "rm -f $$politica" EXIT; \
			fi; \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx'; \
		if [ -d /run/systemd/system ]; then $(SUDO) systemctl disable --quiet nginx || true; fi; \
	fi

python-deps:
	./scripts/python-venv.sh

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# The figures of README.md, "Speed": side by side on SQLite and PostgreSQL, synchronous
# POST /vuelos/reserva at 1, 8, 32 and 128 connections; reservations/s end to end at full
# speed and p50/p99 paced at half of it; the drain after a 30 s broker outage (medians of
# 3 rounds; scripts/bench.py). `make bench-volumen`: the same rates and the queries'
# latency with 10^4, 10^5 and 10^6 reservations stored. `make bench-http` and
# `make bench-eventos` are quick single runs on SQLite; `make bench-broker` measures
# pulsar-embedded alone.
bench: system-deps
	$(CARGO) build --release -p aeroalpes -p carga -p pulsar-embedded
	@url="$${DATABASE_URL_BENCH:-$${TEST_DATABASE_URL:-$$(./scripts/postgres-prueba.sh)}}" && \
		DATABASE_URL_BENCH="$$url" ./scripts/bench.py

bench-volumen: system-deps
	$(CARGO) build --release -p aeroalpes -p carga -p pulsar-embedded
	@url="$${DATABASE_URL_BENCH:-$${TEST_DATABASE_URL:-$$(./scripts/postgres-prueba.sh)}}" && \
		DATABASE_URL_BENCH="$$url" ./scripts/bench_volumen.py

bench-http:
	$(CARGO) build --release -p aeroalpes -p carga
	./scripts/bench-http.sh --ruta /vuelos/reserva --concurrencia 32 --total 20000

bench-eventos:
	$(CARGO) build --release -p aeroalpes -p carga
	./scripts/bench-http.sh --ruta /vuelos/reserva-commando --modo evento --concurrencia 32 --total 20000
	./scripts/bench-http.sh --ruta /vuelos/reserva-commando --modo evento --concurrencia 64 --total 10000 --tasa 1000

# Scaling out (README, "Scaling out"): reservations/s end to end and the read model's lag for
# the single process (SQLite, PostgreSQL) and 1+1, 2+2 replicas behind the gateway.
bench-escalado: system-deps
	$(CARGO) build --release -p aeroalpes -p carga -p pulsar-embedded
	@url="$${DATABASE_URL_BENCH:-$${TEST_DATABASE_URL:-$$(./scripts/postgres-prueba.sh)}}" && \
		DATABASE_URL_BENCH="$$url" ./scripts/bench_escalado.py

bench-broker:
	$(CARGO) bench -p pulsar-embedded --bench throughput

# Steady asynchronous load with a one-minute retention of bookkeeping rows: prints, every
# 15 s, the rows of each bookkeeping table, the broker's memory and the processes' (README,
# Speed: they stop growing after the first minute).
soak:
	$(CARGO) build --release -p aeroalpes -p notificaciones -p carga
	./scripts/soak.py

# The drain rate after a broker outage, for one client's reservations beside anonymous ones.
drenaje:
	$(CARGO) build --release -p aeroalpes -p pulsar-embedded
	./scripts/drenaje.py

clean:
	$(CARGO) clean
	rm -rf data .venv

# secretos.env and servicio.env, the env files of aeroalpes and the ui in docker-compose.yml:
# a random JWT key and service token, written once (git-ignored; see the .example files).
.PHONY: secretos
secretos:
	./scripts/secretos.sh
