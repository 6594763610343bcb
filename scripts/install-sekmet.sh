#!/usr/bin/env bash
# Install the second FHIR R4 test server, sekmet-fhir (a small FastAPI + SQLite server, from PyPI), into
# its own virtualenv .venv-sekmet/ so its dependencies never meet ours. Idempotent: does nothing when the
# pinned version is already there. tests/fixtures_sekmet.py starts it (`sekmet serve`) on a free port.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=0.1.1
VENV=.venv-sekmet
PYTHON=${PYTHON:-python3}

installed() {
  [ -x "$VENV/bin/sekmet" ] && "$VENV/bin/python" -c \
    "import importlib.metadata as m, sys; sys.exit(m.version('sekmet-fhir') != '$VERSION')" 2>/dev/null
}

if installed; then
  echo "install-sekmet: sekmet-fhir $VERSION already in $VENV"
  exit 0
fi
echo "install-sekmet: installing sekmet-fhir $VERSION into $VENV"
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install --quiet --upgrade pip
"$VENV/bin/pip" install --quiet "sekmet-fhir==$VERSION"
installed || { echo "install-sekmet: sekmet-fhir $VERSION did not install" >&2; exit 1; }
echo "install-sekmet: $("$VENV/bin/sekmet" --version 2>/dev/null || echo "sekmet-fhir $VERSION") ready"
