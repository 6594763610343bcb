"""H33: a bag number given twice by mistake (two residents, one care home, one bag number, one completion
time) never makes their red bags share ids, so on a FHIR server neither overwrites the other and a pull
brings back only the resident asked for."""

from __future__ import annotations

from typing import Any

import pytest

from adapter.client import FhirClient
from adapter.exchange import pull_document, pull_summary, push_transaction
from adapter.redbag import build_bundles, check_summary, normalise_summary
from tests.safety.conftest import example, fresh_nhs_number


def _twins() -> tuple[dict[str, Any], dict[str, Any]]:
    first, second = example("return-journey"), example("return-journey")
    first["resident"]["nhsNumber"] = fresh_nhs_number()
    second["resident"]["nhsNumber"] = fresh_nhs_number()
    second["resident"]["name"]["family"] = "Other"
    return check_summary(first), check_summary(second)


def _own_ids(transaction: dict[str, Any]) -> set[str]:
    """Ids of the resources that belong to this red bag (not the shared records of organisations)."""
    shared = {"Organization", "Location", "HealthcareService", "Practitioner", "PractitionerRole"}
    return {e["fullUrl"] for e in transaction["entry"] if e["resource"]["resourceType"] not in shared}


def test_h33_two_residents_with_one_bag_number_share_no_ids() -> None:
    first, second = _twins()
    assert (first["careHome"], first["bagNumber"], first["createdAt"]) == (
        second["careHome"],
        second["bagNumber"],
        second["createdAt"],
    )
    a, b = build_bundles(first)[1], build_bundles(second)[1]
    assert _own_ids(a) and not _own_ids(a) & _own_ids(b)


@pytest.mark.hapi
def test_h33_on_a_server_neither_red_bag_overwrites_the_other(fhir: FhirClient) -> None:
    first, second = _twins()
    push_transaction(fhir, build_bundles(first)[1], "first")
    push_transaction(fhir, build_bundles(second)[1], "second")
    for summary in (first, second):
        nhs = summary["resident"]["nhsNumber"]
        document = pull_document(fhir, nhs)
        patients = [e["resource"] for e in document["entry"] if e["resource"]["resourceType"] == "Patient"]
        assert [p["identifier"][0]["value"] for p in patients] == [nhs]
        assert pull_summary(fhir, nhs) == normalise_summary(summary)
