#!/usr/bin/env bash
# Install what the test suite needs on a fresh machine; safe to run again (each step skips when done).
# Debian, as root (or with sudo): Java 17 + Maven (HAPI FHIR, the HL7 validator), Node.js + npm (FHIR
# packages, SUSHI), PostgreSQL (outbox tests), Chromium (rendering tests) and sekmet-fhir (a second FHIR
# server, from PyPI).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"

need=()
command -v java >/dev/null || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || need+=(maven)
command -v npm >/dev/null || need+=(nodejs npm)
if [ ${#need[@]} -gt 0 ]; then
  echo "[test-setup] installing ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
bash scripts/install-postgres.sh
bash scripts/install-chromium.sh
# A second FHIR server that sends Subscriptions Backport notifications, in its own virtualenv.
bash scripts/install-sekmet.sh

# FHIR R4 core, terminology and extension packages into the FHIR package cache (~/.fhir/packages).
$BIN/redbag packages install
# The HAPI FHIR JPA test server: fetch its artifacts and build it once (the tests start it).
python3 testserver/hapi/hapi.py build
# The second FHIR test server, sekmet-fhir (PyPI), in its own virtualenv .venv-sekmet/ (the tests start it).
bash scripts/install-sekmet.sh
# SUSHI (pinned) and a check that the compiled profiles match their FSH sources.
bash scripts/build-profiles.sh --check
