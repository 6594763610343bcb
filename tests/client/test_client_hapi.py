"""The client against a real HAPI FHIR JPA server: CRUD, conditional writes, paging, transactions,
$validate with a profile loaded into the server, $everything, history and named operations."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest

from adapter.client import (
    AsyncFhirClient,
    BadRequestError,
    ConflictError,
    FhirClient,
    GoneError,
    NotFoundError,
    Resource,
)
from tests.fixtures_hapi import PROFILES

pytestmark = pytest.mark.hapi
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def patient(system: str, value: str, **extra: object) -> Resource:
    return {"resourceType": "Patient", "identifier": [{"system": system, "value": value}], **extra}


def errors(outcome: Resource) -> list[str]:
    return [i.get("diagnostics", "") for i in outcome["issue"] if i["severity"] in ("error", "fatal")]


def test_capability_statement(fhir: FhirClient) -> None:
    capabilities = fhir.capabilities()
    assert capabilities["resourceType"] == "CapabilityStatement"
    assert capabilities["fhirVersion"] == "4.0.1"
    interactions = {i["code"] for i in capabilities["rest"][0].get("interaction", [])}
    assert "transaction" in interactions


def test_create_read_update_vread_history_delete(fhir: FhirClient, unique: str) -> None:
    created = fhir.create(patient("urn:test:crud", unique, gender="female"))
    assert created.created and created.version_id == "1"
    assert created.id is not None
    assert fhir.read("Patient", created.id)["gender"] == "female"

    current = fhir.read("Patient", created.id)
    current["gender"] = "male"
    updated = fhir.update(current, if_match="1")
    assert (updated.created, updated.version_id) == (False, "2")
    assert fhir.vread("Patient", created.id, "1")["gender"] == "female"
    assert [v["meta"]["versionId"] for v in fhir.history("Patient", created.id)] == ["2", "1"]
    with pytest.raises(ConflictError):  # HAPI answers a stale If-Match with 409
        fhir.update(current, if_match="1")

    assert fhir.read("Patient", created.id, elements=("gender",))["gender"] == "male"
    fhir.delete("Patient", created.id)
    with pytest.raises(GoneError):
        fhir.read("Patient", created.id)
    with pytest.raises(NotFoundError) as caught:
        fhir.read("Patient", f"never-{unique}")
    assert caught.value.outcome is not None


def test_client_assigned_uuid_id(fhir: FhirClient, unique: str) -> None:
    resource_id = "2d7c4a0e-6f2b-4b0f-9a8e-" + unique[:12]
    outcome = fhir.update({"resourceType": "Patient", "id": resource_id, "active": True})
    assert (outcome.status, outcome.id) == (201, resource_id)


def test_conditional_create_creates_once(fhir: FhirClient, unique: str) -> None:
    system = "https://fhir.nhs.uk/Id/nhs-number"
    condition = {"identifier": f"{system}|{unique}"}
    first = fhir.create(patient(system, unique), if_none_exist=condition)
    second = fhir.create(patient(system, unique), if_none_exist=condition)
    assert (first.created, second.created) == (True, False)
    assert first.id == second.id
    assert fhir.search("Patient").where(identifier=f"{system}|{unique}").count() == 1


def test_conditional_update_creates_then_updates_the_same_resource(fhir: FhirClient, unique: str) -> None:
    condition = f"identifier=urn:test:cond-update|{unique}"
    first = fhir.update(patient("urn:test:cond-update", unique, active=True), condition=condition)
    second = fhir.update(patient("urn:test:cond-update", unique, active=False), condition=condition)
    assert (first.status, second.status) == (201, 200)
    assert first.id == second.id
    assert second.resource is not None and second.resource["active"] is False


def test_paging_over_260_results_follows_next_links(fhir: FhirClient, unique: str) -> None:
    system = f"urn:test:paging:{unique}"
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"resource": patient(system, str(n)), "request": {"method": "POST", "url": "Patient"}}
            for n in range(260)
        ],
    }
    fhir.transaction(bundle, prefer="minimal")

    search = fhir.search("Patient").where(identifier=f"{system}|").page_size(40)
    pages = list(search.pages())
    assert len(pages) == 7
    assert all(any(link["relation"] == "next" for link in page["link"]) for page in pages[:-1])
    values = [p["identifier"][0]["value"] for p in search]
    assert sorted(values, key=int) == [str(n) for n in range(260)]
    assert search.count() == 260

    async def async_values() -> list[str]:
        async with AsyncFhirClient(fhir.base_url) as client:
            return [
                p["identifier"][0]["value"]
                async for p in client.search("Patient").where(identifier=f"{system}|").page_size(100)
            ]

    assert sorted(asyncio.run(async_values()), key=int) == [str(n) for n in range(260)]


def test_sort_elements_and_include(fhir: FhirClient, unique: str) -> None:
    subject = fhir.create(patient("urn:test:include", unique))
    for day in ("2026-01-03", "2026-01-01", "2026-01-02"):
        fhir.create(
            {
                "resourceType": "Encounter",
                "status": "finished",
                "identifier": [{"system": "urn:test:include", "value": unique}],
                "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "EMER"},
                "subject": {"reference": f"Patient/{subject.id}"},
                "period": {"start": day},
            }
        )
    search = (
        fhir.search("Encounter")
        .where(identifier=f"urn:test:include|{unique}")
        .sort("-date")
        .include("Encounter:subject")
        .elements("period", "subject")
    )
    assert [e["period"]["start"] for e in search] == ["2026-01-03", "2026-01-02", "2026-01-01"]
    assert [r["resourceType"] for r in search.resources()].count("Patient") == 1
    assert "status" not in search.first()  # type: ignore[operator]


def test_a_transaction_with_one_bad_entry_is_rolled_back_whole(fhir: FhirClient, unique: str) -> None:
    system = f"urn:test:rollback:{unique}"
    entries = [
        {
            "fullUrl": f"urn:uuid:00000000-0000-4000-8000-00000000000{n}",
            "resource": patient(system, str(n)),
            "request": {"method": "POST", "url": "Patient"},
        }
        for n in range(3)
    ]
    entries.append(
        {
            "resource": {
                "resourceType": "Observation",
                "status": "final",
                "code": {"text": "weight"},
                "subject": {"reference": f"Patient/missing-{unique}"},
            },
            "request": {"method": "POST", "url": "Observation"},
        }
    )
    with pytest.raises(BadRequestError) as caught:
        fhir.transaction({"resourceType": "Bundle", "type": "transaction", "entry": entries})
    assert caught.value.outcome is not None
    assert any(f"missing-{unique}" in d for d in errors(caught.value.outcome))
    assert f"missing-{unique}" in str(caught.value)
    assert fhir.search("Patient").where(identifier=f"{system}|").count() == 0


def test_batch_reports_entries_one_by_one(fhir: FhirClient, unique: str) -> None:
    response = fhir.batch(
        {
            "resourceType": "Bundle",
            "type": "batch",
            "entry": [
                {
                    "resource": patient("urn:test:batch", unique),
                    "request": {"method": "POST", "url": "Patient"},
                },
                {"request": {"method": "GET", "url": f"Patient/missing-{unique}"}},
            ],
        }
    )
    statuses = [e["response"]["status"].split()[0] for e in response["entry"]]
    assert statuses == ["201", "404"]


def test_server_side_validate_uses_a_profile_loaded_into_the_server(fhir: FhirClient, unique: str) -> None:
    url = f"https://redbag.dev/fhir/test/StructureDefinition/needs-birthdate-{unique}"
    fhir.update(
        {
            "resourceType": "StructureDefinition",
            "id": f"needs-birthdate-{unique[:20]}",
            "url": url,
            "name": "NeedsBirthDate",
            "status": "active",
            "kind": "resource",
            "abstract": False,
            "type": "Patient",
            "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient",
            "derivation": "constraint",
            "differential": {"element": [{"id": "Patient.birthDate", "path": "Patient.birthDate", "min": 1}]},
        }
    )
    missing = fhir.validate({"resourceType": "Patient"}, profile=url)
    assert any("Patient.birthDate" in d and "minimum required = 1" in d for d in errors(missing))
    assert errors(fhir.validate({"resourceType": "Patient", "birthDate": "1938-02-11"}, profile=url)) == []


@pytest.mark.skipif(
    not any(PROFILES.glob("*.json")), reason="no red-bag profiles built in profiles/*.json yet"
)
def test_red_bag_documents_validate_against_the_profiles_loaded_into_hapi(fhir: FhirClient) -> None:
    """Against the red-bag profiles HAPI holds. UK Core is not loaded into HAPI (its only copy is the XML
    corpus): HAPI says so for each UK Core profile a resource claims, and the HL7 cross-check
    (tests/profiles/test_profiles.py) validates those claims."""
    from adapter.redbag import build_bundles, check_summary

    ukcore_not_loaded = re.compile(
        r"^Profile reference 'https://fhir\.hl7\.org\.uk/StructureDefinition/UKCore-[A-Za-z-]+' has not been "
        r"checked because it could not be found"
    )
    failures = {}
    for path in sorted(EXAMPLES.glob("*.summary.json")):
        document, _ = build_bundles(check_summary(json.loads(path.read_text("utf-8"))))
        found = [e for e in errors(fhir.validate(document)) if not ukcore_not_loaded.match(e)]
        if found:
            failures[path.name] = found[:5]
    assert failures == {}


def test_everything_and_named_operations(fhir: FhirClient, unique: str) -> None:
    subject = fhir.create(patient("urn:test:everything", unique))
    for value in (70, 71):
        fhir.create(
            {
                "resourceType": "Observation",
                "status": "final",
                "code": {"text": "weight"},
                "valueQuantity": {"value": value, "unit": "kg"},
                "subject": {"reference": f"Patient/{subject.id}"},
            }
        )
    assert subject.id is not None
    types = sorted(r["resourceType"] for r in fhir.everything(subject.id))
    assert types == ["Observation", "Observation", "Patient"]
    meta = fhir.operation("meta", resource_type="Patient", resource_id=subject.id, method="GET")
    assert meta is not None and meta["resourceType"] == "Parameters"
