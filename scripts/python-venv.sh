#!/usr/bin/env bash
# Creates (once) the Python virtualenv used by the interop tests: pulsar-client 3.x and
# fastavro (the broker's), grpcio and grpcio-tools (the gRPC adaptador's), openapi-spec-validator
# (the /spec document), PyYAML (the compose and observability files) and schemathesis (fuzzing
# the HTTP API from /spec).
# Idempotent and safe to run concurrently: tests running in parallel all call it, so the
# work is serialized with flock and skipped when the venv already imports every package.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.venv"
lock="$venv/.setup.lock"

# The lock lives inside the (git-ignored) venv directory; `python3 -m venv` accepts an
# existing directory.
mkdir -p "$venv"
exec 9>"$lock"
flock 9

if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import pulsar, fastavro, grpc, grpc_tools, openapi_spec_validator, yaml, schemathesis' 2>/dev/null; then
    exit 0
fi

python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check 'pulsar-client>=3,<4' fastavro \
    grpcio grpcio-tools 'openapi-spec-validator>=0.7,<0.8' 'PyYAML>=6,<7' 'schemathesis==4.32.5'
"$venv/bin/python" -c 'import pulsar, fastavro, grpc, grpc_tools, openapi_spec_validator, yaml, schemathesis'
