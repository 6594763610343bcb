"""Slice discriminators the HL7 validator reads through: a value discriminator whose fixed value sits in the
one required slice of an element on the path (R4's bp profile), and a profile discriminator on resolve()
(IPS's Composition sections), where an entry matching no slice of an open slicing is still fine."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from adapter.validation import Validator, packages
from tests.validation.helpers import errors

Json = dict[str, Any]
TEXT = {"status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml">Blood pressure</div>'}


def component(snomed: str, loinc: str, value: int) -> Json:
    return {
        "code": {
            "coding": [
                {"system": "http://snomed.info/sct", "code": snomed},
                {"system": "http://loinc.org", "code": loinc},
            ]
        },
        "valueQuantity": {
            "value": value,
            "unit": "mmHg",
            "system": "http://unitsofmeasure.org",
            "code": "mm[Hg]",
        },
    }


BLOOD_PRESSURE: Json = {
    "resourceType": "Observation",
    "text": TEXT,
    "status": "final",
    "category": [
        {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                    "code": "vital-signs",
                }
            ]
        }
    ],
    "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
    "subject": {"display": "A resident"},
    "effectiveDateTime": "2025-10-26T01:20:00Z",
    "component": [component("72313002", "8480-6", 158), component("1091811000000102", "8462-4", 84)],
}


def test_blood_pressure_components_are_found_through_the_codes_they_fix(validator: Validator) -> None:
    """R4's bp profile slices components on code.coding.code, fixed in the SBPCode/DBPCode slices."""
    assert errors(validator.validate_issues(BLOOD_PRESSURE)) == []


def test_a_missing_diastolic_component_is_still_found(validator: Validator) -> None:
    observation = copy.deepcopy(BLOOD_PRESSURE)
    observation["component"] = observation["component"][:1]
    texts = [i.message for i in errors(validator.validate_issues(observation))]
    assert any("DiastolicBP" in t for t in texts), texts
    assert not any("SystolicBP" in t for t in texts), texts


IPS = "http://hl7.org/fhir/uv/ips/StructureDefinition"


@pytest.fixture(scope="module")
def ips_validator() -> Validator:
    if not packages.is_installed(packages.IPS):
        pytest.skip(f"{packages.IPS.folder} is not in the package cache: run `redbag packages install`")
    return Validator.load()


def test_an_entry_matching_no_slice_of_an_open_slicing_keeps_its_base_types(ips_validator: Validator) -> None:
    """IPS's medication section slices its entries by profile (resolve()): a MedicationAdministration is in
    no slice, but the section's entries may be MedicationAdministrations."""
    from pathlib import Path

    from adapter.redbag import check_summary
    from adapter.redbag.contract import read_json_file
    from adapter.redbag.ips import build_ips

    summary = read_json_file(Path(__file__).parents[2] / "tests" / "data" / "summary.json")
    document = build_ips(check_summary(summary))
    issues = ips_validator.validate_issues(document)
    assert not [i for i in errors(issues) if i.rule == "ref-target-type"], errors(issues)[:3]
    # ... and a resource of a type the section does not take is still refused
    medications = next(
        s for s in document["entry"][0]["resource"]["section"] if s["code"]["coding"][0]["code"] == "10160-0"
    )
    flag = next(e["fullUrl"] for e in document["entry"] if e["resource"]["resourceType"] == "Flag")
    medications["entry"].append({"reference": flag})
    refused = [i for i in errors(ips_validator.validate_issues(document)) if i.rule == "ref-target-type"]
    assert refused, "a Flag in the medication summary must be refused"
