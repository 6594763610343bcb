"""The shared sekmet-fhir fixture (tests/fixtures_sekmet.py) gives a real, empty, writable R4 server."""

from __future__ import annotations

import uuid

import pytest

from adapter.client import FhirClient

pytestmark = pytest.mark.sekmet


def test_sekmet_fixture_serves_fhir_r4(sekmet_base_url: str) -> None:
    with FhirClient(sekmet_base_url) as client:
        statement = client.capabilities()
    assert statement["resourceType"] == "CapabilityStatement"
    assert str(statement["fhirVersion"]).startswith("4.0")
    assert statement["software"]["name"].startswith("SEKMET")


def test_sekmet_fixture_stores_and_finds_a_resource(sekmet_base_url: str) -> None:
    value = uuid.uuid4().hex
    patient = {"resourceType": "Patient", "identifier": [{"system": "urn:redbag:test", "value": value}]}
    with FhirClient(sekmet_base_url) as client:
        created = client.create(patient)
        assert created.created
        found = client.search("Patient").where(identifier=f"urn:redbag:test|{value}").fetch_all()
        client.delete("Patient", found[0]["id"])
    assert [p["identifier"][0]["value"] for p in found] == [value]
