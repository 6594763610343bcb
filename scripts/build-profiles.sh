#!/usr/bin/env bash
# Rebuild the red-bag profiles: profiles/fsh (FHIR Shorthand) -> SUSHI -> StructureDefinitions with
# snapshots, ValueSets, CodeSystems and NamingSystems, copied flat into profiles/ (the only JSON there
# besides profiles/fsh/package*.json).
#
#   scripts/build-profiles.sh           build and replace the compiled files in profiles/
#   scripts/build-profiles.sh --check   build into a scratch folder and fail when profiles/ differs
#
# Reproducible: SUSHI's version is pinned by profiles/fsh/package-lock.json (installed with `npm ci` into
# tools/.work/sushi, git-ignored); SUSHI runs offline with HOME pointing at a private copy of the FHIR
# package cache (tools/.work/fhir-home), filled from the project's cache (`redbag packages install`).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
FSH=$ROOT/profiles/fsh
NODE_DIR=$ROOT/tools/.work/sushi
FHIR_HOME=$ROOT/tools/.work/fhir-home
CHECK=0
case "${1:-}" in
  --check) CHECK=1 ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

say() { printf '[build-profiles] %s\n' "$*" >&2; }
# One run at a time: runs share tools/.work (SUSHI, the private package cache) with hl7-crosscheck.sh.
mkdir -p "$ROOT/tools/.work"
exec 9>"$ROOT/tools/.work/.lock"
command -v flock >/dev/null && flock 9

# 1. SUSHI, exactly the version in the lock file (skipped when that lock file is already installed).
command -v npm >/dev/null || { echo "error: npm not found; install Node.js 18+ to build the profiles" >&2; exit 1; }
if ! cmp -s "$FSH/package-lock.json" "$NODE_DIR/package-lock.json" || [ ! -x "$NODE_DIR/node_modules/.bin/sushi" ]; then
  say "installing SUSHI (npm ci) into ${NODE_DIR#"$ROOT"/}"
  rm -rf "$NODE_DIR"
  mkdir -p "$NODE_DIR"
  cp "$FSH/package.json" "$FSH/package-lock.json" "$NODE_DIR/"
  (cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error)
fi
SUSHI=$NODE_DIR/node_modules/.bin/sushi

# 2. FHIR packages SUSHI reads (R4 core, THO, extensions), in a private cache so nothing touches the shared one.
bash "$ROOT/scripts/fhir-home.sh" "$FHIR_HOME" >&2

# 3. Compile.
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/redbag-profiles.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT
say "running SUSHI $("$SUSHI" --version | head -1 | awk '{print $2}')"
if ! HOME=$FHIR_HOME "$SUSHI" build "$FSH" --snapshot --out "$SCRATCH/sushi" >"$SCRATCH/sushi.log" 2>&1; then
  cat "$SCRATCH/sushi.log" >&2
  echo "error: SUSHI failed (see above)" >&2
  exit 1
fi
# Only warning allowed: the IG-publisher tools package, which is not published on npm and not needed here.
if grep -E '^(warn|error)' "$SCRATCH/sushi.log" | grep -v 'automatically-provided hl7.fhir.uv.tools.r4' >&2; then
  echo "error: SUSHI reported warnings or errors (above); fix the FSH" >&2
  exit 1
fi
mkdir -p "$SCRATCH/compiled"
cp "$SCRATCH"/sushi/fsh-generated/resources/{StructureDefinition,ValueSet,CodeSystem,NamingSystem}-*.json "$SCRATCH/compiled/"

# 4. Copy flat into profiles/ (or compare).
compiled() { find "$1" -maxdepth 1 -type f \( -name 'StructureDefinition-*.json' -o -name 'ValueSet-*.json' \
  -o -name 'CodeSystem-*.json' -o -name 'NamingSystem-*.json' \) -printf '%f\n' | sort; }
if [ "$CHECK" = 1 ]; then
  stale=0
  diff <(compiled "$ROOT/profiles") <(compiled "$SCRATCH/compiled") >&2 || stale=1
  for f in $(compiled "$SCRATCH/compiled"); do
    if [ -f "$ROOT/profiles/$f" ] && ! cmp -s "$ROOT/profiles/$f" "$SCRATCH/compiled/$f"; then
      echo "differs from a fresh build: profiles/$f" >&2
      stale=1
    fi
  done
  if [ "$stale" = 1 ]; then
    echo "error: profiles/ is out of date with profiles/fsh: run scripts/build-profiles.sh" >&2
    exit 1
  fi
  say "profiles/ is up to date with profiles/fsh ($(compiled "$SCRATCH/compiled" | wc -l) files)"
  exit 0
fi
compiled "$ROOT/profiles" | while read -r f; do rm -f "$ROOT/profiles/$f"; done
cp "$SCRATCH"/compiled/*.json "$ROOT/profiles/"
say "wrote $(compiled "$ROOT/profiles" | wc -l) files to profiles/"
