#!/usr/bin/env bash
# Creates (once) the Python virtualenv used by the interop tests: pulsar-client 3.x and fastavro.
# Idempotent and safe to run concurrently: tests running in parallel all call it, so the
# work is serialized with flock and skipped when the venv already imports `pulsar`.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.venv"
lock="$venv/.setup.lock"

# The lock lives inside the (git-ignored) venv directory; `python3 -m venv` accepts an
# existing directory.
mkdir -p "$venv"
exec 9>"$lock"
flock 9

if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import pulsar, fastavro' 2>/dev/null; then
    exit 0
fi

python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check 'pulsar-client>=3,<4' fastavro
"$venv/bin/python" -c 'import pulsar, fastavro'
