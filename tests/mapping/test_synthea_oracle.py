"""Oracle: our red bags from Synthea's CSV carry exactly the codes of Synthea's own FHIR for each patient.

For every patient bundle in ../shared/corpora/synthea-geriatric/fhir, converted as of the date Synthea
recorded that bundle (its Provenance), the codes of the active Conditions, the active medicines and the
allergies in our document Bundle equal those of the active Conditions, active MedicationRequests and active
AllergyIntolerances in Synthea's bundle (as multisets; 100%). Our "no known allergy" record (SNOMED CT
716186003) stands for the absence of allergies, so it is not compared. The same holds for the export written
in each Synthea CSV layout (tests/mapping/synthea_layouts.py): the current one and the earlier one without
MIDDLE, SYSTEM, CATEGORY, REACTION*, DESCRIPTION*, SEVERITY*.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest

from adapter.mapping import ConvertRequest, convert_export
from tests.corpora import corpora
from tests.mapping.synthea_layouts import LAYOUTS, write_layout
from tests.mapping.test_golden import contract_takes_rxnorm

CORPUS = corpora() / "synthea-geriatric"
NO_KNOWN_ALLERGY = "716186003"

pytestmark = pytest.mark.corpus

Json = dict[str, Any]
Codes = dict[str, Counter[str]]


def _code(concept: Json) -> str:
    return str(concept["coding"][0]["code"])


def synthea_codes(bundle: Json) -> Codes:
    resources = [e["resource"] for e in bundle["entry"]]
    medications = {r["id"]: r for r in resources if r["resourceType"] == "Medication"}
    out: Codes = {"conditions": Counter(), "medications": Counter(), "allergies": Counter()}
    for r in resources:
        kind = r["resourceType"]
        if kind == "Condition" and _code(r["clinicalStatus"]) == "active":
            out["conditions"][_code(r["code"])] += 1
        elif kind == "MedicationRequest" and r["status"] == "active":
            if "medicationCodeableConcept" in r:
                out["medications"][_code(r["medicationCodeableConcept"])] += 1
            else:  # a reference to a Medication resource in the same bundle
                target = r["medicationReference"]["reference"].removeprefix("urn:uuid:")
                out["medications"][_code(medications[target]["code"])] += 1
        elif kind == "AllergyIntolerance" and _code(r["clinicalStatus"]) == "active":
            out["allergies"][_code(r["code"])] += 1
    return out


def our_codes(document: Json) -> Codes:
    out: Codes = {"conditions": Counter(), "medications": Counter(), "allergies": Counter()}
    for e in document["entry"]:
        r = e["resource"]
        kind = r["resourceType"]
        if kind == "Condition" and _code(r["clinicalStatus"]) == "active":
            out["conditions"][_code(r["code"])] += 1
        elif kind == "MedicationStatement" and r["status"] == "active":
            out["medications"][_code(r["medicationCodeableConcept"])] += 1
        elif kind == "AllergyIntolerance" and _code(r["code"]) != NO_KNOWN_ALLERGY:
            out["allergies"][_code(r["code"])] += 1
    return out


def recorded_date(bundle: Json) -> str:
    provenance = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Provenance")
    return str(provenance["recorded"])[:10]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_our_red_bags_carry_synthea_own_codes(tmp_path: Path, layout: str) -> None:
    if not (CORPUS / "fhir").is_dir() or not (CORPUS / "csv").is_dir():
        pytest.skip(f"Synthea corpus not found at {CORPUS} (set REDBAG_CORPORA to its corpora folder)")
    if not contract_takes_rxnorm():
        pytest.skip("the resident-summary contract does not accept RxNorm medication codes yet")
    export = tmp_path / "export"
    write_layout(CORPUS / "csv", export, layout)
    bundles = [orjson.loads(p.read_bytes()) for p in sorted((CORPUS / "fhir").glob("*.json"))]
    assert bundles, "no Synthea FHIR bundles in the corpus"
    by_date: dict[str, list[Json]] = {}
    for bundle in bundles:
        by_date.setdefault(recorded_date(bundle), []).append(bundle)
    compared = 0
    for as_of, group in sorted(by_date.items()):
        out = tmp_path / as_of
        convert_export(ConvertRequest("synthea", export, out, as_of=as_of))
        for bundle in group:
            patient = bundle["entry"][0]["resource"]
            assert patient["resourceType"] == "Patient"
            document_path = out / f"RB-SYN-{patient['id']}.document.json"
            assert document_path.exists(), f"patient {patient['id']} was not converted (see {out}/errors.csv)"
            ours = our_codes(orjson.loads(document_path.read_bytes()))
            assert ours == synthea_codes(bundle), f"patient {patient['id']} as of {as_of}"
            compared += 1
    assert compared == len(bundles)
