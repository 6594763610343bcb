"""The red-bag profiles in profiles/: compiled from profiles/fsh, complete, in step with the generator, and
accepted by the official HL7 validator for everything the project generates."""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from adapter.redbag import build_bundles, build_return_bundles, check_discharge, check_summary, vocab
from adapter.redbag.contract import read_json_file

ROOT = Path(__file__).resolve().parents[2]
PROFILES = ROOT / "profiles"
FSH = PROFILES / "fsh"
EXAMPLES = ROOT / "examples"
SUSHI = ROOT / "tools" / ".work" / "sushi" / "node_modules" / ".bin" / "sushi"
COMPILED_PREFIXES = ("StructureDefinition-", "ValueSet-", "CodeSystem-", "NamingSystem-")
Json = dict[str, Any]


def load(path: Path) -> Json:
    data: Json = orjson.loads(path.read_bytes())
    return data


def compiled(prefix: str) -> list[Path]:
    return sorted(PROFILES.glob(f"{prefix}*.json"))


STRUCTURES = compiled("StructureDefinition-")
BY_URL = {res["url"]: res for res in map(load, PROFILES.glob("*.json")) if "url" in res}


def generated_resources() -> Iterator[Json]:
    """Every resource of every bundle the examples produce (outbound and return journey)."""
    for path in sorted(EXAMPLES.glob("*.summary.json")):
        summary = check_summary(read_json_file(path), source=str(path))
        bundles = list(build_bundles(summary))
        discharge_path = path.with_name(path.name.replace(".summary.", ".discharge."))
        if discharge_path.exists():
            discharge = check_discharge(read_json_file(discharge_path), summary, source=str(discharge_path))
            bundles += build_return_bundles(summary, discharge)
        for bundle in bundles:
            yield bundle
            yield from (e["resource"] for e in bundle["entry"])


# --- what is in profiles/ -------------------------------------------------------------------------------


def test_profiles_folder_holds_only_compiled_resources() -> None:
    """The Python validator loads every JSON file under profiles/: nothing but the compiled package there."""
    tooling = {FSH / "package.json", FSH / "package-lock.json"}
    stray = [
        p.relative_to(ROOT)
        for p in PROFILES.rglob("*.json")
        if p not in tooling and not (p.parent == PROFILES and p.name.startswith(COMPILED_PREFIXES))
    ]
    assert not stray, f"unexpected JSON under profiles/ (build output or node_modules?): {stray}"
    assert not (FSH / "node_modules").exists() or not any((FSH / "node_modules").rglob("*.json")), (
        "profiles/fsh/node_modules would be read by the validator: scripts/build-profiles.sh installs SUSHI "
        "under tools/.work"
    )


@pytest.mark.parametrize("path", STRUCTURES, ids=lambda p: p.stem.removeprefix("StructureDefinition-"))
def test_every_structure_definition_has_a_snapshot(path: Path) -> None:
    sd = load(path)
    assert sd["fhirVersion"] == "4.0.1"
    assert sd["url"] == f"{vocab.PROFILE}/{sd['id']}"
    snapshot = [e["id"] for e in sd.get("snapshot", {}).get("element", [])]
    assert snapshot, f"{path.name} has no snapshot"
    assert snapshot[0] == sd["type"]
    missing = [e["id"] for e in sd["differential"]["element"] if e["id"] not in snapshot]
    assert not missing, f"{path.name}: differential elements missing from the snapshot: {missing}"


@pytest.mark.parametrize(
    "path", [p for p in PROFILES.glob("*.json") if p.name.startswith(COMPILED_PREFIXES)], ids=lambda p: p.stem
)
def test_compiled_resources_carry_the_canonical_base(path: Path) -> None:
    res = load(path)
    kind = res["resourceType"]
    if kind == "NamingSystem":
        assert res["uniqueId"][0]["value"].startswith(f"{vocab.BASE}/Id/")
    else:
        assert res["url"] == f"{vocab.BASE}/{kind}/{res['id']}"
        assert res["status"] in ("active", "draft")


# --- in step with the generator ------------------------------------------------------------------------

_PROFILE_CALL = re.compile(r'profile(?:_name)?(?:: str)?\s*[(=]\s*"(RedBag\w+)"')


def named_profiles() -> set[str]:
    """Every profile name adapter/redbag writes into meta.profile (profile("X"), profile_name="X")."""
    names: set[str] = set()
    for source in (ROOT / "adapter" / "redbag").glob("*.py"):
        names |= set(_PROFILE_CALL.findall(source.read_text(encoding="utf-8")))
    return names


def test_the_generator_names_profiles() -> None:
    assert {"RedBagPatient", "RedBagComposition", "RedBagDischargeComposition", "RedBagAllergyList"} <= (
        named_profiles()
    )


@pytest.mark.parametrize("name", sorted(named_profiles()))
def test_every_profile_named_in_the_generator_exists(name: str) -> None:
    path = PROFILES / f"StructureDefinition-{name}.json"
    assert path.exists(), f"adapter/redbag claims {name}, but profiles/ has no {path.name}"
    sd = load(path)
    assert sd["url"] == f"{vocab.PROFILE}/{name}"
    assert sd["kind"] == "resource" and sd["derivation"] == "constraint"


def test_every_generated_resource_claims_a_profile_that_exists() -> None:
    claimed: dict[str, str] = {}
    for res in generated_resources():
        for url in res.get("meta", {}).get("profile", []):
            claimed[url] = res["resourceType"]
    assert len(claimed) >= 20
    for url, rtype in claimed.items():
        assert url in BY_URL, f"{rtype} claims {url}, which profiles/ does not define"
        assert BY_URL[url]["type"] == rtype


def test_every_extension_the_generator_uses_is_defined() -> None:
    local = {getattr(vocab, n) for n in dir(vocab) if n.startswith("EXT_")} - {
        vocab.EXT_NHS_VERIFICATION,
        vocab.EXT_NHS_UNAVAILABLE,
        vocab.EXT_INTERPRETER,
        vocab.EXT_DATA_ABSENT,
    }
    assert all(url.startswith(vocab.BASE) for url in local)
    for url in local:
        assert url in BY_URL, f"extension {url} (adapter/redbag/vocab.py) is not defined in profiles/"
        assert BY_URL[url]["type"] == "Extension"


def _codes(url: str) -> dict[str, str]:
    return {c["code"]: c["display"] for c in BY_URL[url]["concept"]}


def test_local_code_systems_agree_with_vocab() -> None:
    expected = {
        vocab.RB_SECTION: {c: d for s, c, d, _ in vocab.SECTIONS.values() if s == vocab.RB_SECTION},
        vocab.RB_NOTE: dict(
            [*vocab.BASELINE_NOTES.values(), *vocab.ABOUT_ME_NOTES.values(), *vocab.TRANSFER_NOTES.values()]
        ),
        vocab.RB_BELONGING_KIND: vocab.BELONGING_KINDS,
        vocab.RB_BELONGING_STATUS: vocab.BELONGING_STATUS,
        vocab.RB_TASK_STATUS: vocab.TASK_STATUS,
        vocab.RB_MEDICATION_CHANGE: vocab.MEDICATION_CHANGES,
        vocab.RB_RESUSCITATION: dict([vocab.RESUSCITATION["not-recorded"][1:]]),
    }
    for url, codes in expected.items():
        assert url in BY_URL, f"code system {url} is not in profiles/"
        assert _codes(url) == codes, f"{url}: profiles/fsh and adapter/redbag/vocab.py disagree"
    operators = set(_codes(f"{vocab.BASE}/CodeSystem/redbag-care-home-operator"))
    assert operators == set(vocab.CARE_HOME_OPERATOR)


def test_section_slices_match_the_sections_the_generator_writes() -> None:
    """Every section code the generator writes is a slice of the matching Composition profile, and back."""
    transfer_keys = [
        "transfer", "resuscitation", "allergies", "medications", "problems", "observations",
        "baseline", "about-me", "contacts", "consent", "belongings", "capabilities",
    ]  # fmt: skip
    discharge_keys = ["discharge", "medication-changes", "diagnoses", "follow-up", "belongings-returned"]
    for name, keys in (("RedBagComposition", transfer_keys), ("RedBagDischargeComposition", discharge_keys)):
        sd = BY_URL[f"{vocab.PROFILE}/{name}"]
        slices = {
            (c["system"], c["code"])
            for e in sd["snapshot"]["element"]
            if re.fullmatch(r"Composition\.section:\w+\.code", e["id"])
            for c in e["patternCodeableConcept"]["coding"]
        }
        assert slices == {vocab.SECTIONS[k][:2] for k in keys}, name
    written = {
        (c["system"], c["code"], r["type"]["coding"][0]["code"])
        for r in generated_resources()
        if r["resourceType"] == "Composition"
        for s in r["section"]
        for c in s["code"]["coding"]
    }
    assert {(s, c) for s, c, _ in written} <= {vocab.SECTIONS[k][:2] for k in transfer_keys + discharge_keys}


# --- the FSH build -------------------------------------------------------------------------------------


def test_compiled_files_match_a_fresh_build() -> None:
    if not SUSHI.exists() or shutil.which("npm") is None:
        pytest.skip("SUSHI is not installed: run scripts/build-profiles.sh once (needs npm)")
    proc = subprocess.run(
        ["bash", str(ROOT / "scripts" / "build-profiles.sh"), "--check"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]


# --- the official HL7 validator ------------------------------------------------------------------------

hl7 = pytest.mark.skipif(
    any(shutil.which(t) is None for t in ("java", "mvn", "npm")),
    reason="the HL7 cross-check needs java, mvn and npm on PATH",
)


def run_crosscheck(out: Path, *files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / "hl7-crosscheck.sh"), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
        env={**os.environ, "HL7_CROSSCHECK_OUT": str(out)},
    )


@pytest.mark.hl7
@hl7
def test_hl7_validator_accepts_everything_the_project_generates(tmp_path: Path) -> None:
    proc = run_crosscheck(tmp_path)
    assert proc.returncode == 0, proc.stderr[-5000:]
    summary = re.search(r"\b(\d+) file\(s\): 0 error\(s\)", proc.stderr)
    assert summary, proc.stderr[-5000:]
    assert int(summary.group(1)) >= 16, "fewer bundles than the examples should give"


def _document(name: str) -> Json:
    summary = check_summary(read_json_file(EXAMPLES / name), source=name)
    return build_bundles(summary)[0]


def _of_type(bundle: Json, rtype: str) -> list[Json]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == rtype]


@pytest.mark.hl7
@hl7
def test_hl7_validator_enforces_the_profiles(tmp_path: Path) -> None:
    """Documents broken against the red-bag profiles (not against core R4) fail the cross-check."""
    base = _document("dementia-dnacpr.summary.json")
    broken: dict[str, tuple[Json, str]] = {}

    doc = copy.deepcopy(base)
    patient = _of_type(doc, "Patient")[0]
    nhs = next(i for i in patient["identifier"] if i["system"] == vocab.NHS_NUMBER)
    nhs["value"] = nhs["value"][:9] + str((int(nhs["value"][9]) + 1) % 10)
    broken["check-digit"] = (doc, "rb-pat-2")

    doc = copy.deepcopy(base)
    composition = doc["entry"][0]["resource"]
    sections = composition["section"]
    composition["section"] = [s for s in sections if s["code"]["coding"][0]["code"] != "resuscitation"]
    broken["no-resuscitation-section"] = (doc, "resuscitation")

    doc = copy.deepcopy(base)
    for statement in _of_type(doc, "MedicationStatement"):
        statement["extension"] = [x for x in statement["extension"] if x["url"] != vocab.EXT_TIME_CRITICAL]
    broken["no-time-critical-flag"] = (doc, "timeCritical")

    doc = _document("return-journey.summary.json")
    (service,) = _of_type(doc, "HealthcareService")
    window = service["availableTime"][0]
    window["availableStartTime"], window["availableEndTime"] = (
        window["availableEndTime"],
        window["availableStartTime"],
    )
    broken["return-window-backwards"] = (doc, "rb-cap-1")

    checklist = load(EXAMPLES / "expected" / "RB-VR8D2-0456.readiness.json")
    (not_possible,) = (
        t for t in _of_type(checklist, "Task") if t["businessStatus"]["coding"][0]["code"] == "not-possible"
    )
    not_possible["status"] = "completed"  # H23: a need the home cannot meet shown as met
    broken["not-possible-ticked"] = (checklist, "rb-ready-1")

    files = []
    for name, (bundle, _) in broken.items():
        files.append(tmp_path / f"{name}.json")
        files[-1].write_bytes(orjson.dumps(bundle))
    proc = run_crosscheck(tmp_path / "out", *files)
    assert proc.returncode == 1, proc.stderr[-5000:]
    report = (tmp_path / "out" / "report.txt").read_text(encoding="utf-8")
    blocks = re.split(r"^(?=(?:PASS|FAIL) )", report, flags=re.M)
    for name, (_, expected) in broken.items():
        block = next(b for b in blocks if f"{name}.json" in b.split("\n")[0])
        assert block.startswith("FAIL"), block[:2000]
        errors = [line for line in block.splitlines() if re.match(r"\s+(error|fatal) ", line)]
        assert any(expected in line for line in errors), f"{name}: no error names {expected}:\n{block[:3000]}"
