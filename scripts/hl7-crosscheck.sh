#!/usr/bin/env bash
# Cross-check with the official HL7 FHIR validator (Maven: ca.uhn.hapi.fhir:org.hl7.fhir.validation),
# offline and with no terminology server: every bundle the project generates from examples/ (document and
# transaction bundles, the return journey, the discharge readiness checklist, the CSV export example) and
# the committed golden outputs must have no error against FHIR R4 core and the red-bag profiles in profiles/. Exit 0 pass, 1 errors, 2 setup.
#
#   scripts/hl7-crosscheck.sh            report in out/hl7-crosscheck/report.txt (warnings included)
#   scripts/hl7-crosscheck.sh FILE...    check these files instead of the generated ones
#   HL7_CROSSCHECK_OUT=DIR               write the bundles and the report there instead
#
# Needs java 17+, mvn and npm (first run downloads the validator jars and one FHIR package; later runs work
# offline). The validator runs against a private copy of the FHIR package cache (scripts/fhir-home.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TOOL=$ROOT/tools/hl7-validator
FHIR_HOME=$ROOT/tools/.work/fhir-home
OUT=${HL7_CROSSCHECK_OUT:-$ROOT/out/hl7-crosscheck}
REDBAG=$ROOT/.venv/bin/redbag
# UK Core's extensions (NHS number verification status / unavailable reason) are used without their
# definitions: the UK Core package is not in the package cache. Everything else must resolve.
UKCORE_EXTENSIONS=https://fhir.hl7.org.uk/StructureDefinition/
# The validator always loads this package (R4 <-> R5 path maps); it is published on npm.
XVER=hl7.fhir.xver-extensions#0.1.0

say() { printf '[hl7-crosscheck] %s\n' "$*" >&2; }
for tool in java mvn npm; do
  command -v "$tool" >/dev/null || { echo "error: $tool not found (the cross-check needs java 17+, mvn, npm)" >&2; exit 2; }
done
[ -x "$REDBAG" ] || { echo "error: $REDBAG not found: run make setup" >&2; exit 2; }
# One run at a time: runs share the validator build and the private package cache (and build-profiles.sh).
mkdir -p "$ROOT/tools/.work"
exec 9>"$ROOT/tools/.work/.lock"
command -v flock >/dev/null && flock 9
start=$(date +%s)

# 1. The validator and its dependencies (target/dependency) and the driver (target/classes).
say "building the HL7 validator driver (mvn)"
mvn -q -B -f "$TOOL/pom.xml" package dependency:copy-dependencies >&2 || { echo "error: mvn failed" >&2; exit 2; }

# 2. FHIR packages, in a private cache.
bash "$ROOT/scripts/fhir-home.sh" "$FHIR_HOME" || exit 2
if [ ! -f "$FHIR_HOME/.fhir/packages/$XVER/package/package.json" ]; then
  say "fetching ${XVER/\#/@} (npm pack)"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack "${XVER/\#/@}" --silent >/dev/null) || { rm -rf "$tmp"; echo "error: npm pack ${XVER/\#/@} failed" >&2; exit 2; }
  mkdir -p "$FHIR_HOME/.fhir/packages/$XVER"
  tar xzf "$tmp"/*.tgz -C "$FHIR_HOME/.fhir/packages/$XVER"
  rm -rf "$tmp"
fi

# 3. The red-bag profiles as an IG folder: only the compiled resources, not profiles/fsh.
rm -rf "$OUT/ig" "$OUT/bundles" "$OUT/report.txt" "$OUT/validator.log"
mkdir -p "$OUT/ig" "$OUT/bundles"
cp "$ROOT"/profiles/*.json "$OUT/ig/"

# 4. What to check: everything generated from examples/, and golden files that differ from it.
if [ $# -gt 0 ]; then
  files=("$@")
else
  say "generating bundles from examples/"
  "$REDBAG" convert "$ROOT"/examples/*.summary.json --out "$OUT/bundles/examples" >/dev/null
  for discharge in "$ROOT"/examples/*.discharge.json; do
    [ -e "$discharge" ] || continue
    "$REDBAG" return "$discharge" --summary "${discharge%.discharge.json}.summary.json" \
      --out "$OUT/bundles/examples" >/dev/null
  done
  for readiness in "$ROOT"/examples/*.readiness.json; do
    [ -e "$readiness" ] || continue
    "$REDBAG" readiness "$readiness" --summary "${readiness%.readiness.json}.summary.json" \
      --out "$OUT/bundles/examples" >/dev/null
  done
  if [ -d "$ROOT/examples/csv" ]; then
    "$REDBAG" convert "$ROOT/examples/csv" --mapping care-home-csv --out "$OUT/bundles/csv" >/dev/null
  fi
  files=("$OUT"/bundles/examples/*.{document,transaction,readiness}.json)
  [ -d "$OUT/bundles/csv" ] && files+=("$OUT"/bundles/csv/*.{document,transaction}.json)
  for golden in "$ROOT"/examples/expected/*.json; do
    [ -e "$golden" ] || continue
    cmp -s "$golden" "$OUT/bundles/examples/$(basename "$golden")" || files+=("$golden")
  done
fi

# 5. Validate (offline: -Duser.home points the validator at the private package cache).
say "validating ${#files[@]} file(s) with the HL7 validator"
status=0
java -Duser.home="$FHIR_HOME" -cp "$TOOL/target/classes:$TOOL/target/dependency/*" dev.redbag.hl7check.CrossCheck \
  --ig "$OUT/ig" --extension-domain "$UKCORE_EXTENSIONS" "${files[@]}" >"$OUT/report.txt" 2>"$OUT/validator.log" \
  || status=$?
grep -E '^(PASS|FAIL)|^ +(error|fatal) |file\(s\):' "$OUT/report.txt" >&2 || true
if [ "$status" -gt 1 ] || ! grep -q 'file(s):' "$OUT/report.txt"; then
  cat "$OUT/validator.log" >&2
  echo "error: the HL7 validator did not run to the end (exit $status)" >&2
  exit 2
fi
say "done in $(( $(date +%s) - start )) s; full report (with warnings): $OUT/report.txt"
exit "$status"
