#!/usr/bin/env bash
# Writes secretos.env, the docker-compose env file of aeroalpes (see secretos.env.example),
# with a random AEROALPES_JWT_SECRET, so that tokens survive a restart of the container, and
# a random AEROALPES_TOKEN_SERVICIO, the ui's service token.
# The file is git-ignored and never overwritten: run it once per deployment (`make secretos`);
# delete the file to rotate the key (every token issued before then stops working).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
destino="$root/secretos.env"

servicio="$root/servicio.env"

if [ -e "$destino" ] && [ -e "$servicio" ]; then
    echo "secretos.env and servicio.env exist, kept"
    exit 0
fi
if [ -e "$destino" ] || [ -e "$servicio" ]; then
    echo "only one of secretos.env and servicio.env exists: delete it to write both" >&2
    exit 1
fi

# 32 random bytes, hex: 64 characters (aeroalpes requires at least 32 bytes).
secreto="$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
token_servicio="$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
umask 077
temporal="$(mktemp "$root/.secretos.env.XXXXXX")"
{
    echo "# Written by scripts/secretos.sh; git-ignored. Keep it secret; delete it to rotate."
    echo "AEROALPES_JWT_SECRET=$secreto"
    echo "AEROALPES_TOKEN_SERVICIO=$token_servicio"
} >"$temporal"
temporal_servicio="$(mktemp "$root/.servicio.env.XXXXXX")"
{
    echo "# Written by scripts/secretos.sh with secretos.env; git-ignored. The ui's copy of the"
    echo "# service token: the same value as in secretos.env."
    echo "AEROALPES_TOKEN_SERVICIO=$token_servicio"
} >"$temporal_servicio"
# A rename is atomic: two runs at once leave complete files.
mv -n "$temporal_servicio" "$servicio"
mv -n "$temporal" "$destino"
rm -f "$temporal" "$temporal_servicio"
echo "secretos.env and servicio.env written"
