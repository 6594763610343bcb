#!/usr/bin/env bash
# Cross-check with the official HL7 FHIR validator (Maven: ca.uhn.hapi.fhir:org.hl7.fhir.validation),
# offline and with no terminology server: every bundle the project generates from examples/ (document and
# transaction bundles, the return journey, the discharge readiness checklist, the CSV export example,
# the International Patient Summary views against IPS 2.0.0, the DocumentReference pointers) and the
# committed golden outputs must have no error against FHIR R4 core, the red-bag profiles in profiles/
# and the UK Core profiles each resource claims (UK Core R4 from $REDBAG_CORPORA/uk-core-r4, default
# ../shared/corpora/uk-core-r4, loaded as an IG; when it is absent the UK Core claims are skipped, said
# on stderr and in the report).
# Exit 0 pass, 1 errors, 2 setup.
#
#   scripts/hl7-crosscheck.sh            report in out/hl7-crosscheck/report.txt (warnings included)
#   scripts/hl7-crosscheck.sh FILE...    check these files instead of the generated ones
#   HL7_CROSSCHECK_OUT=DIR               write the bundles and the report there instead
#   REDBAG_CORPORA=DIR                   where the corpora are (uk-core-r4 inside)
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
# UK Core is on no package registry: its only copy is the corpus (XML, differentials only; the validator
# generates the snapshots). Without it, UK Core's extensions (NHS number verification status / unavailable
# reason) are accepted unchecked and the UK Core profiles resources claim are not checked.
UKCORE=${REDBAG_CORPORA:-$ROOT/../shared/corpora}/uk-core-r4
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
rm -rf "$OUT/ig" "$OUT/ukcore" "$OUT/ips" "$OUT/bundles" "$OUT/report.txt" "$OUT/validator.log"
mkdir -p "$OUT/ig" "$OUT/bundles"
cp "$ROOT"/profiles/*.json "$OUT/ig/"
igs=(--ig "$OUT/ig")
if [ -d "$UKCORE/structuredefinitions" ]; then
  # The conformance resources only (not the examples), flat in one IG folder.
  mkdir -p "$OUT/ukcore"
  cp "$UKCORE"/structuredefinitions/*.xml "$UKCORE"/valuesets/*.xml "$UKCORE"/codesystems/*.xml "$OUT/ukcore/"
  igs+=(--ig "$OUT/ukcore")
  ukcore_note="UK Core loaded from $UKCORE: every resource is also checked against the UK Core profile it claims"
else
  igs+=(--extension-domain "$UKCORE_EXTENSIONS")
  ukcore_note="SKIPPED the UK Core profiles resources claim: no UK Core corpus at $UKCORE (set REDBAG_CORPORA)"
fi
say "$ukcore_note"
# The International Patient Summary, for the IPS views (redbag convert --as ips): its conformance resources
# as an IG folder (loaded as a package, the validator would ask the package servers for its dependencies).
IPS_PACKAGE=${FHIR_PACKAGE_CACHE:-$HOME/.fhir/packages}/hl7.fhir.uv.ips#2.0.0/package
[ -f "$IPS_PACKAGE/package.json" ] || "$REDBAG" packages install >&2 || { echo "error: redbag packages install failed" >&2; exit 2; }
mkdir -p "$OUT/ips"
find "$IPS_PACKAGE" -maxdepth 1 -name '*.json' ! -name package.json ! -name '.index.json' \
  ! -name 'ImplementationGuide-*' -exec cp {} "$OUT/ips/" \;
# The extensions IPS's profiles slice on (pinned to hl7.fhir.uv.extensions.r4 5.3.0-ballot-tc1), from the
# extension pack in the same cache, so the validator can tell those slices apart.
EXT_PACKAGE=${FHIR_PACKAGE_CACHE:-$HOME/.fhir/packages}/hl7.fhir.uv.extensions.r4#5.3.0-ballot-tc1/package
for url in $(grep -oh '"http://hl7.org/fhir/StructureDefinition/[A-Za-z-]*|5.3.0-ballot-tc1"' "$OUT"/ips/*.json \
    | tr -d '"' | cut -d'|' -f1 | sort -u); do
  grep -l "\"url\" *: *\"$url\"" "$EXT_PACKAGE"/StructureDefinition-*.json | head -1 | xargs -r -I{} cp {} "$OUT/ips/"
done
igs+=(--ig "$OUT/ips")
# The one error only a terminology server could settle. IPS's Bundle profile slices its entries by profile;
# its pregnancy observation profiles differ from others only by required bindings to value sets of LOINC
# codes, which the validator does not check without a terminology server ("Could not confirm ... because
# there is no terminology service"), so every Observation seems to match them and "matches more than one
# slice". IPS's own example Bundles fail the same way offline. redbag's validator decides those bindings
# (enumerated value sets) and finds no red-bag observation in a pregnancy slice (tests/redbag/test_ips.py).
# Such errors are listed as "offline" in the report and not counted; any other error fails.
# Likewise the media type of an attachment (the pointers'): R4 binds Attachment.contentType to BCP-13 media
# types, which the validator leaves to a terminology server ("The System URI could not be determined");
# IPS's own example DocumentReference (application/pdf) fails the same way offline. redbag's validator judges
# the media type (type/subtype). Only the three media types the pointers use are let through.
igs+=(--offline-limit "^The (System URI could not be determined for the code |value provided \\()'application/(pdf|fhir\\+json|fhir\\+xml)'( in the ValueSet 'http://hl7\\.org/fhir/ValueSet/mimetypes\\|4\\.0\\.1'\$|\\) was not found in the value set 'MimeType')")
igs+=(--offline-limit '^Profile http://hl7\.org/fhir/uv/ips/StructureDefinition/Bundle-uv-ips\|2\.0\.0, Element matches more than one slice - observation-pregnancy-(edd|outcome|status), observation-(pregnancy-(outcome|status)|vital-signs|results-laboratory-pathology)$')

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
  # The International Patient Summary view of each example, and pointers (DocumentReference) to the
  # red-bag documents and their PDFs (the PDF needs Chromium).
  "$REDBAG" convert "$ROOT"/examples/*.summary.json --as ips --out "$OUT/bundles/ips" >/dev/null
  if command -v chromium >/dev/null || command -v chromium-browser >/dev/null; then
    # exit status 1: a resident without an NHS number gets no pointer (NRL indexes by NHS number), said above
    "$REDBAG" convert "$ROOT"/examples/*.summary.json --pointer --out "$OUT/bundles/pointers" >/dev/null \
      || [ $? -eq 1 ]
  else
    say "SKIPPED the DocumentReference pointers: Chromium (which prints their PDF) is not installed"
  fi
  files=("$OUT"/bundles/examples/*.{document,transaction,readiness}.json "$OUT"/bundles/ips/*.ips.json)
  [ -d "$OUT/bundles/pointers" ] && files+=("$OUT"/bundles/pointers/*.pointer.json)
  [ -d "$OUT/bundles/csv" ] && files+=("$OUT"/bundles/csv/*.{document,transaction}.json)
  for golden in "$ROOT"/examples/expected/*.json; do
    [ -e "$golden" ] || continue
    cmp -s "$golden" "$OUT/bundles/examples/$(basename "$golden")" || files+=("$golden")
  done
fi

# 5. Validate (offline: -Duser.home points the validator at the private package cache).
say "validating ${#files[@]} file(s) with the HL7 validator"
status=0
{ echo "$ukcore_note"; java -Duser.home="$FHIR_HOME" -cp "$TOOL/target/classes:$TOOL/target/dependency/*" \
  dev.redbag.hl7check.CrossCheck "${igs[@]}" "${files[@]}" 2>"$OUT/validator.log"; } >"$OUT/report.txt" \
  || status=$?
grep -E '^(PASS|FAIL)|^ +(error|fatal) |file\(s\):' "$OUT/report.txt" >&2 || true
if [ "$status" -gt 1 ] || ! grep -q 'file(s):' "$OUT/report.txt"; then
  cat "$OUT/validator.log" >&2
  echo "error: the HL7 validator did not run to the end (exit $status)" >&2
  exit 2
fi
say "done in $(( $(date +%s) - start )) s; full report (with warnings): $OUT/report.txt"
exit "$status"
