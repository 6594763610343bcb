#!/usr/bin/env bash
# sekmet-fhir 0.1.1 (a small FHIR R4 server and hospital simulator that sends Subscriptions Backport
# notifications) into its own virtualenv, .venv-sekmet/, so its dependencies never clash with redbag's.
# Safe to run again: does nothing when that version is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-sekmet
VERSION=0.1.1
if [ -x "$VENV/bin/sekmet" ] && [ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("sekmet-fhir"))' 2>/dev/null)" = "$VERSION" ]; then
  exit 0
fi
echo "[install-sekmet] sekmet-fhir $VERSION into $VENV"
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --upgrade pip
"$VENV/bin/pip" install --quiet "sekmet-fhir==$VERSION"
