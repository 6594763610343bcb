"""Bundle rules: fullUrl, documents (Composition first, references resolvable, entries reachable), reference
resolution in Bundles, entry resources validated."""

from __future__ import annotations

from typing import Any

from adapter.validation import Validator
from tests.validation.helpers import errors, where

NARRATIVE = {"status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml">x</div>'}


def _patient(pid: str = "p1") -> dict[str, Any]:
    return {"resourceType": "Patient", "id": pid, "text": NARRATIVE}


def _composition(subject: str) -> dict[str, Any]:
    return {
        "resourceType": "Composition",
        "id": "c1",
        "text": NARRATIVE,
        "status": "final",
        "type": {"text": "Transfer"},
        "date": "2024-01-01",
        "title": "Red bag",
        "author": [{"display": "Home"}],
        "subject": {"reference": subject},
    }


def _document(*entries: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "document",
        "timestamp": "2024-01-01T10:00:00Z",
        "identifier": {
            "system": "urn:ietf:rfc:3986",
            "value": "urn:uuid:5f0c7e30-1f56-4b1a-8d4e-0d6f4c3b2a10",
        },
        "entry": list(entries),
    }


def test_valid_document(validator: Validator) -> None:
    doc = _document(
        {
            "fullUrl": "urn:uuid:0b3c1d0e-2f0a-4c59-a0a8-6a0b6e2d7f01",
            "resource": _composition("urn:uuid:0b3c1d0e-2f0a-4c59-a0a8-6a0b6e2d7f02"),
        },
        {"fullUrl": "urn:uuid:0b3c1d0e-2f0a-4c59-a0a8-6a0b6e2d7f02", "resource": _patient()},
    )
    assert errors(validator.validate_issues(doc)) == []


def test_document_needs_a_composition_first(validator: Validator) -> None:
    doc = _document({"fullUrl": "urn:uuid:0b3c1d0e-2f0a-4c59-a0a8-6a0b6e2d7f02", "resource": _patient()})
    got = where(validator.validate_issues(doc))
    assert ("invalid", "Bundle.entry[0]") in got
    assert ("invariant", "Bundle") in got  # bdl-11


def test_document_reference_must_resolve(validator: Validator) -> None:
    doc = _document(
        {
            "fullUrl": "urn:uuid:0b3c1d0e-2f0a-4c59-a0a8-6a0b6e2d7f01",
            "resource": _composition("urn:uuid:0b3c1d0e-2f0a-4c59-a0a8-6a0b6e2d7f99"),
        }
    )
    issues = errors(validator.validate_issues(doc))
    assert [(i.rule, i.expression) for i in issues] == [
        ("Reference_REF_CantResolve", "Bundle.entry[0].resource.subject")
    ]


def test_unreachable_document_entry(validator: Validator) -> None:
    doc = _document(
        {
            "fullUrl": "urn:uuid:0b3c1d0e-2f0a-4c59-a0a8-6a0b6e2d7f01",
            "resource": _composition("urn:uuid:0b3c1d0e-2f0a-4c59-a0a8-6a0b6e2d7f02"),
        },
        {"fullUrl": "urn:uuid:0b3c1d0e-2f0a-4c59-a0a8-6a0b6e2d7f02", "resource": _patient()},
        {"fullUrl": "urn:uuid:0b3c1d0e-2f0a-4c59-a0a8-6a0b6e2d7f03", "resource": _patient("p2")},
    )
    issues = errors(validator.validate_issues(doc))
    assert [(i.rule, i.expression) for i in issues] == [("bundle-orphan", "Bundle.entry[2]")]


def test_full_url_rules(validator: Validator) -> None:
    b = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": "Patient/1", "resource": _patient("1")},
            {"fullUrl": "http://x.org/fhir/Patient/2", "resource": _patient("3")},
            {"resource": _patient("4")},
        ],
    }
    got = where(validator.validate_issues(b))
    assert got == [
        ("invalid", "Bundle.entry[0]"),
        ("invalid", "Bundle.entry[1]"),
        ("invalid", "Bundle.entry[2]"),
    ]


def test_duplicate_full_urls(validator: Validator) -> None:
    b = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": "http://x.org/fhir/Patient/1", "resource": _patient("1")},
            {"fullUrl": "http://x.org/fhir/Patient/1", "resource": _patient("1")},
        ],
    }
    assert [i.rule for i in errors(validator.validate_issues(b))] == ["bdl-7"]


def test_reference_target_type_in_bundle(validator: Validator) -> None:
    oid = "0b3c1d0e-2f0a-4c59-a0a8-6a0b6e2d7f02"
    org = {"resourceType": "Organization", "id": oid, "name": "x", "text": NARRATIVE}
    pat = {**_patient(), "generalPractitioner": [{"reference": f"Practitioner/{oid}"}]}
    b = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": "urn:uuid:0b3c1d0e-2f0a-4c59-a0a8-6a0b6e2d7f01", "resource": pat},
            {"fullUrl": f"urn:uuid:{oid}", "resource": org},
        ],
    }
    issues = errors(validator.validate_issues(b))
    assert [(i.rule, i.expression) for i in issues] == [
        ("ref-target-type", "Bundle.entry[0].resource.generalPractitioner[0]")
    ]


def test_entry_resources_are_validated(validator: Validator) -> None:
    b = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": "urn:uuid:0b3c1d0e-2f0a-4c59-a0a8-6a0b6e2d7f01",
                "resource": {**_patient(), "gender": "x"},
            }
        ],
    }
    got = where(validator.validate_issues(b))
    assert ("code-invalid", "Bundle.entry[0].resource.gender") in got


def test_transaction_entries_need_no_full_url(validator: Validator) -> None:
    b = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [{"resource": _patient(), "request": {"method": "PUT", "url": "Patient/p1"}}],
    }
    assert errors(validator.validate_issues(b)) == []
