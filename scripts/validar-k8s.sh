#!/usr/bin/env bash
# Validates deploy/k8s/*.yaml against the Kubernetes schemas (kubernetes-validate, which
# carries them: no cluster, no network beyond PyPI for the first install). Strict: an
# unknown field fails too. Its virtualenv (.venv-k8s, git-ignored) is made once.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.venv-k8s"
if ! "$venv/bin/kubernetes-validate" --version >/dev/null 2>&1; then
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check 'kubernetes-validate>=1.30'
fi

"$venv/bin/kubernetes-validate" --strict --quiet "$root"/deploy/k8s/*.yaml

# The check must be able to fail: a Deployment with a misspelt field is refused.
mala="$(mktemp --suffix=.yaml)"
trap 'rm -f "$mala"' EXIT
sed 's/containerPort:/contanerPort:/' "$root/deploy/k8s/deployment.yaml" >"$mala"
if "$venv/bin/kubernetes-validate" --strict --quiet "$mala" >/dev/null 2>&1; then
    echo "kubernetes-validate accepted a misspelt field: the check is not working" >&2
    exit 1
fi
echo "deploy/k8s: every manifest is valid"
