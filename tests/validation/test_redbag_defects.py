"""A red-bag document with one injected defect: each is found where the HL7 validator finds it, once.

The document is a committed golden file (``examples/expected``); the validator is the one the CLI and the
service use (R4 core, packages, the red-bag profiles, default options)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from adapter.errors import PackageError
from adapter.validation import Issue, Options, Validator
from tests.validation.helpers import errors

GOLDEN = Path(__file__).parents[2] / "examples" / "expected" / "RB-VN4R7-0318.document.json"
MISSING = "urn:uuid:0a7d0c55-6b1e-4f7a-9a53-7d2f1c0e9b11"


@pytest.fixture(scope="module")
def redbag_validator() -> Validator:
    try:
        return Validator.load()
    except PackageError as exc:
        pytest.skip(f"FHIR packages are not installed ({exc}); run `redbag packages install`")


@pytest.fixture(scope="module")
def golden() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(GOLDEN.read_text(encoding="utf-8"))
    return data


def entry_of(doc: dict[str, Any], rtype: str) -> tuple[int, dict[str, Any]]:
    """The first entry holding a resource of this type: (index, resource)."""
    return next(
        (i, e["resource"]) for i, e in enumerate(doc["entry"]) if e["resource"]["resourceType"] == rtype
    )


def with_defect(golden: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    doc = copy.deepcopy(golden)
    change(doc)
    return doc


def found(issues: list[Issue], rule: str, expression: str) -> list[Issue]:
    return [i for i in errors(issues) if i.rule == rule and i.expression == expression]


def test_the_golden_document_has_no_error(redbag_validator: Validator, golden: dict[str, Any]) -> None:
    assert errors(redbag_validator.validate_issues(golden)) == []


@pytest.mark.parametrize("rtype", ["Observation", "MedicationStatement", "Condition"])
def test_a_urn_uuid_reference_outside_the_bundle_is_an_error(
    redbag_validator: Validator, golden: dict[str, Any], rtype: str
) -> None:
    doc = copy.deepcopy(golden)
    i, res = entry_of(doc, rtype)
    res["subject"]["reference"] = MISSING
    issues = redbag_validator.validate_issues(doc)
    where = f"Bundle.entry[{i}].resource.subject"
    assert found(issues, "Reference_REF_CantResolve", where)
    assert any(w.rule == "Bundle_BUNDLE_Not_Local" and w.expression == where for w in issues)


def test_a_urn_uuid_list_item_outside_the_bundle_is_an_error(
    redbag_validator: Validator, golden: dict[str, Any]
) -> None:
    doc = copy.deepcopy(golden)
    i, lst = entry_of(doc, "List")
    lst["entry"][0]["item"]["reference"] = MISSING
    issues = redbag_validator.validate_issues(doc)
    assert found(issues, "Reference_REF_CantResolve", f"Bundle.entry[{i}].resource.entry[0].item")


def test_an_upper_case_uuid_in_a_reference_does_not_resolve(
    redbag_validator: Validator, golden: dict[str, Any]
) -> None:
    doc = copy.deepcopy(golden)
    i, obs = entry_of(doc, "Observation")
    obs["subject"]["reference"] = obs["subject"]["reference"].upper().replace("URN:UUID:", "urn:uuid:")
    issues = redbag_validator.validate_issues(doc)
    assert found(issues, "Reference_REF_CantResolve", f"Bundle.entry[{i}].resource.subject")


def test_reference_type_contradicting_the_target(redbag_validator: Validator, golden: dict[str, Any]) -> None:
    doc = copy.deepcopy(golden)
    i, obs = entry_of(doc, "Observation")
    obs["subject"]["type"] = (
        "Group"  # a valid target type for Observation.subject, but the target is a Patient
    )
    issues = redbag_validator.validate_issues(doc)
    [issue] = found(issues, "Reference_REF_BadTargetType", f"Bundle.entry[{i}].resource.subject")
    assert "Found Group, but expected one of (Patient)" in issue.message


def test_reference_type_not_allowed_for_the_element(
    redbag_validator: Validator, golden: dict[str, Any]
) -> None:
    doc = copy.deepcopy(golden)
    i, obs = entry_of(doc, "Observation")
    obs["subject"]["type"] = "Organization"
    issues = redbag_validator.validate_issues(doc)
    assert found(issues, "Reference_REF_WrongTarget", f"Bundle.entry[{i}].resource.subject.type")
    assert found(issues, "Reference_REF_BadTargetType", f"Bundle.entry[{i}].resource.subject")


def test_an_upper_case_uuid_full_url_is_an_error(redbag_validator: Validator, golden: dict[str, Any]) -> None:
    doc = copy.deepcopy(golden)
    i, _ = entry_of(doc, "Organization")
    doc["entry"][i]["fullUrl"] = "urn:uuid:" + doc["entry"][i]["fullUrl"][9:].upper()
    issues = errors(redbag_validator.validate_issues(doc))
    assert any(
        x.expression == f"Bundle.entry[{i}].fullUrl" and "UUIDs must be valid and lowercase" in x.message
        for x in issues
    )


@pytest.mark.parametrize(("rtype", "element"), [("Encounter", "period"), ("Task", "executionPeriod")])
def test_period_end_before_start_on_a_profiled_element(
    redbag_validator: Validator, golden: dict[str, Any], rtype: str, element: str
) -> None:
    """per-1 is the Period type's own invariant: it holds where a profile constrains the Period's children."""
    doc = copy.deepcopy(golden)
    i, res = entry_of(doc, rtype)
    res[element] = {"start": "2026-03-29T02:45:00+01:00", "end": "2026-03-28T02:45:00+01:00"}
    issues = redbag_validator.validate_issues(doc)
    assert found(issues, "per-1", f"Bundle.entry[{i}].resource.{element}")


def test_period_of_unknown_order_fails_per_1(validator: Validator) -> None:
    """A date against a dateTime on the same day: the comparison is empty, which fails the invariant."""
    enc = {
        "resourceType": "Encounter",
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "EMER"},
        "period": {"start": "2023-06-21", "end": "2023-06-21T06:20:00Z"},
    }
    assert [i.rule for i in errors(validator.validate_issues(enc))] == ["per-1"]
    enc["period"]["end"] = "2023-06-22T06:20:00Z"
    assert errors(validator.validate_issues(enc)) == []


def test_example_urls_are_errors_by_default(redbag_validator: Validator, golden: dict[str, Any]) -> None:
    doc = copy.deepcopy(golden)
    i, org = entry_of(doc, "Organization")
    org["identifier"][0]["system"] = "http://example.org/ods"
    where = f"Bundle.entry[{i}].resource.identifier[0].system"
    assert found(redbag_validator.validate_issues(doc), "TYPE_SPECIFIC_CHECKS_DT_URL_EXAMPLE", where)
    allowed = redbag_validator.validate_issues(doc, options=Options(allow_examples=True))
    assert not found(allowed, "TYPE_SPECIFIC_CHECKS_DT_URL_EXAMPLE", where)


def test_a_resource_failing_its_profile_is_reported_once(
    redbag_validator: Validator, golden: dict[str, Any]
) -> None:
    """A boolean written as a string in the Patient: one error at the Patient, not one per reference to it
    (the references say, as information, where the cause is)."""
    doc = copy.deepcopy(golden)
    i, pat = entry_of(doc, "Patient")
    pat["active"] = "true"
    issues = redbag_validator.validate_issues(doc)
    assert [x.expression for x in errors(issues)] == [f"Bundle.entry[{i}].resource.active"]
    pointers = [x for x in issues if x.rule == "Reference_REF_CantMatchChoice"]
    assert pointers
    assert all(x.severity == "information" and f"Bundle.entry[{i}].resource" in x.message for x in pointers)


def test_a_target_that_does_not_claim_the_profile_is_an_error_at_the_first_reference_only(
    validator: Validator,
) -> None:
    url = "http://example.org/StructureDefinition/male-patient"
    male = {
        "resourceType": "StructureDefinition",
        "url": url,
        "name": "MalePatient",
        "status": "draft",
        "kind": "resource",
        "abstract": False,
        "type": "Patient",
        "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient",
        "derivation": "constraint",
        "differential": {
            "element": [{"id": "Patient.gender", "path": "Patient.gender", "fixedCode": "male"}]
        },
    }
    obs_profile = {
        **male,
        "url": "http://example.org/StructureDefinition/obs-on-male",
        "name": "ObsOnMale",
        "type": "Observation",
        "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Observation",
        "differential": {
            "element": [
                {
                    "id": "Observation.subject",
                    "path": "Observation.subject",
                    "type": [{"code": "Reference", "targetProfile": [url]}],
                }
            ]
        },
    }
    v = validator.with_resources([male, obs_profile])
    text = {"status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml">x</div>'}
    pid = "urn:uuid:0a7d0c55-6b1e-4f7a-9a53-7d2f1c0e9b12"

    def obs(n: int) -> dict[str, Any]:
        return {
            "fullUrl": f"urn:uuid:0a7d0c55-6b1e-4f7a-9a53-7d2f1c0e9b2{n}",
            "resource": {
                "resourceType": "Observation",
                "meta": {"profile": [obs_profile["url"]]},
                "text": text,
                "status": "final",
                "code": {"text": "x"},
                "subject": {"reference": pid},
            },
        }

    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": pid, "resource": {"resourceType": "Patient", "gender": "female", "text": text}},
            obs(1),
            obs(2),
        ],
    }
    issues = v.validate_issues(bundle)
    assert [(x.rule, x.expression) for x in errors(issues)] == [
        ("Reference_REF_CantMatchChoice", "Bundle.entry[1].resource.subject")
    ]
    [pointer] = [x for x in issues if x.expression == "Bundle.entry[2].resource.subject"]
    assert pointer.severity == "information" and "Bundle.entry[1].resource.subject" in pointer.message
