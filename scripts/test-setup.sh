#!/usr/bin/env bash
# Install what the test suite needs on a fresh machine; safe to run again (each step skips when done).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

# FHIR R4 core, terminology and extension packages into the FHIR package cache (~/.fhir/packages).
$BIN/redbag packages install
