"""H3: a resident is matched only on NHS number, or on the care home's own id within that care home."""

from __future__ import annotations

from adapter.redbag import build_bundles
from tests.safety.conftest import example


def _patient_request(summary: dict) -> tuple[dict, dict]:
    _, transaction = build_bundles(summary)
    entry = next(e for e in transaction["entry"] if e["resource"]["resourceType"] == "Patient")
    return entry["resource"], entry["request"]


def test_h3_patient_is_matched_on_nhs_number_only() -> None:
    _, request = _patient_request(example("dementia-dnacpr"))
    nhs = example("dementia-dnacpr")["resident"]["nhsNumber"]
    assert request == {
        "method": "POST",
        "url": "Patient",
        "ifNoneExist": f"identifier=https://fhir.nhs.uk/Id/nhs-number|{nhs}",
    }
    assert "name" not in request["ifNoneExist"] and "birthdate" not in request["ifNoneExist"]


def test_h3_same_local_id_in_two_care_homes_is_two_residents() -> None:
    first = example("local-id-only")
    second = example("local-id-only")
    second["careHome"]["odsCode"] = "VZ9Z9"
    (p1, r1), (p2, r2) = _patient_request(first), _patient_request(second)
    assert r1["ifNoneExist"] != r2["ifNoneExist"]
    assert r1["ifNoneExist"].endswith(f"/{first['careHome']['odsCode']}|{first['resident']['localId']}")
    assert p1["identifier"][0]["system"] != p2["identifier"][0]["system"]


def test_h3_same_name_and_birth_date_is_not_the_same_resident() -> None:
    first = example("dementia-dnacpr")
    second = example("dementia-dnacpr")
    second["resident"]["nhsNumber"] = "9000000009"
    document_1, _ = build_bundles(first)
    document_2, _ = build_bundles(second)
    patient = [
        next(e for e in d["entry"] if e["resource"]["resourceType"] == "Patient")
        for d in (document_1, document_2)
    ]
    assert patient[0]["resource"]["name"] == patient[1]["resource"]["name"]
    assert patient[0]["fullUrl"] != patient[1]["fullUrl"]
