#!/usr/bin/env bash
# Fill a private FHIR package cache for the Java/Node FHIR tools (SUSHI, the HL7 validator):
#   scripts/fhir-home.sh HOME_DIR      -> HOME_DIR/.fhir/packages
# with copies of the packages `redbag packages install` puts in the project's cache ($FHIR_PACKAGE_CACHE or
# ~/.fhir/packages; installed first when missing). Those tools are then run with HOME (Node) or
# -Duser.home (Java) set to HOME_DIR, so they work offline and can never modify or empty the shared cache
# that the Python validator reads (the HL7 Java cache manager deletes cache folders it does not recognise).
set -euo pipefail
cd "$(dirname "$0")/.."
HOME_DIR=${1:?usage: scripts/fhir-home.sh HOME_DIR}
SRC=${FHIR_PACKAGE_CACHE:-$HOME/.fhir/packages}
DEST=$HOME_DIR/.fhir/packages
# Keep in step with adapter/validation/packages.py (PACKAGES).
PACKAGES=("hl7.fhir.r4.core#4.0.1" "hl7.terminology.r4#7.0.1" "hl7.fhir.uv.extensions.r4#5.3.0-ballot-tc1")

missing=0
for p in "${PACKAGES[@]}"; do [ -f "$SRC/$p/package/.index.json" ] || missing=1; done
if [ "$missing" = 1 ]; then
  [ -x .venv/bin/redbag ] || { echo "error: FHIR packages missing from $SRC and .venv/bin/redbag not found (run make setup)" >&2; exit 1; }
  echo "[fhir-home] FHIR packages missing from $SRC: running redbag packages install" >&2
  .venv/bin/redbag packages install
fi
mkdir -p "$DEST"
for p in "${PACKAGES[@]}"; do
  if ! cmp -s "$SRC/$p/package/.index.json" "$DEST/$p/package/.index.json"; then
    echo "[fhir-home] copying $p into $DEST" >&2
    rm -rf "${DEST:?}/$p"
    cp -R "$SRC/$p" "$DEST/$p"
  fi
done
# The cache version the HL7 Java tools expect; without it they empty the folder.
[ -f "$DEST/packages.ini" ] || printf '[cache]\nversion = 4\n' >"$DEST/packages.ini"
echo "[fhir-home] FHIR packages ready in $DEST" >&2
