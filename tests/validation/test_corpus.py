"""Agreement with the HL7 validator on its own test cases (../shared/corpora/fhir-test-cases-r4 and
fhir-test-cases-r4-extra; ``REDBAG_CORPORA`` names another corpora folder, e.g. from a git worktree)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from adapter.validation import Validator
from benchmarks.fhir_test_cases import run_suite, summarise

CORPORA = Path(os.environ.get("REDBAG_CORPORA") or Path(__file__).resolve().parents[3] / "shared" / "corpora")
SUITE = CORPORA / "fhir-test-cases-r4"
EXTRA = CORPORA / "fhir-test-cases-r4-extra"
THRESHOLD = 97.0
EXTRA_THRESHOLD = 90.0  # on the handled checks (those not needing a missing package or a terminology server)

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def suite() -> Path:
    if not (SUITE / "manifest.json").is_file():
        pytest.skip(f"the fhir-test-cases corpus is not present at {SUITE}")
    return SUITE


def test_verdict_agreement_meets_the_target(suite: Path, validator: Validator) -> None:
    results = run_suite(suite, validator=validator)
    overall, _ = summarise(results)
    assert overall.total + overall.not_handled >= 170
    assert overall.total >= 140  # not handled: only what needs a missing file or a terminology server
    assert overall.verdict_pct >= THRESHOLD, [(r.case, r.kind) for r in results if not r.verdict_agrees]
    assert not [r for r in results if r.crashed]


def test_verdict_agreement_on_the_harder_cases(validator: Validator) -> None:
    if not (EXTRA / "manifest.json").is_file():
        pytest.skip(f"the fhir-test-cases-r4-extra corpus is not present at {EXTRA}")
    results = run_suite(EXTRA, validator=validator)
    overall, _ = summarise(results)
    assert overall.total + overall.not_handled >= 75
    disagreeing = [(r.case, r.kind) for r in results if not r.not_handled and not r.verdict_agrees]
    assert overall.verdict_pct >= EXTRA_THRESHOLD, disagreeing
    assert not [r for r in results if r.crashed]


def test_runner_accepts_any_folder_in_the_manifest_format(
    suite: Path, tmp_path: Path, validator: Validator
) -> None:
    """A folder with its own cases: here the circle test with the referenced target present, which the
    runner fetches as the reference harness does (Type/id -> type-id.xml or id.xml)."""
    for name in ("patient-circle1-bad-linked1.xml", "patient-circle1-profile.xml"):
        shutil.copy(suite / name, tmp_path / name)
    (tmp_path / "patient-circle1-bad-target.xml").write_text(
        '<Patient xmlns="http://hl7.org/fhir"><id value="patient-circle1-bad-target"/>'
        '<gender value="male"/></Patient>',
        encoding="utf-8",
    )
    (tmp_path / "outcomes" / "java").mkdir(parents=True)
    expected = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "structure"}]}
    (tmp_path / "outcomes" / "java" / "p.json").write_text(json.dumps(expected), encoding="utf-8")
    manifest = {
        "test-cases": [
            {
                "name": "circle",
                "file": "patient-circle1-bad-linked1.xml",
                "version": "4.0",
                "module": "profile",
                "validateReference": "CHECK_VALID",
                "java": {"errorCount": 0},
                "profile": {"source": "patient-circle1-profile.xml", "java": "java/p.json"},
            }
        ]
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    results = run_suite(tmp_path, validator=validator)
    assert [(r.kind, r.expected_errors, r.actual_errors) for r in results] == [
        ("base", 0, 0),
        ("profile", 1, 1),
    ]
