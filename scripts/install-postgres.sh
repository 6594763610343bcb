#!/usr/bin/env bash
# Install the PostgreSQL server from Debian packages if it is absent (idempotent; a fresh Debian, as root
# or with sudo). The tests start their own throwaway cluster with scripts/pg-test-server.sh.
set -euo pipefail

if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
    echo "postgresql: already installed ($(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1))"
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null
echo "postgresql: installed ($(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1))"
