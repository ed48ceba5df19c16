#!/usr/bin/env bash
# Writes secretos.env, the docker-compose env file of aeroalpes (see secretos.env.example),
# with a random AEROALPES_JWT_SECRET, so that tokens survive a restart of the container.
# The file is git-ignored and never overwritten: run it once per deployment (`make secretos`);
# delete the file to rotate the key (every token issued before then stops working).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
destino="$root/secretos.env"

if [ -e "$destino" ]; then
    echo "secretos.env exists, kept"
    exit 0
fi

# 32 random bytes, hex: 64 characters (aeroalpes requires at least 32 bytes).
secreto="$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
umask 077
temporal="$(mktemp "$root/.secretos.env.XXXXXX")"
{
    echo "# Written by scripts/secretos.sh; git-ignored. Keep it secret; delete it to rotate."
    echo "AEROALPES_JWT_SECRET=$secreto"
} >"$temporal"
# A rename is atomic: two runs at once leave one complete file.
mv -n "$temporal" "$destino"
rm -f "$temporal"
echo "secretos.env written"
