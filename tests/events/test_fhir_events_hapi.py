"""HAPI's R4 rest-hook Subscription drives the pathway: HAPI (testserver/hapi, subscriptions on) PUTs each
changed Encounter to redbag, which reads the Patient from HAPI for the NHS number, applies the admission
or discharge, and notifies the care home."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.events.conftest import Start
from tests.events.helpers import ALL_CALLERS, key, subscription, unique_ods
from tests.events.listener import Subscriber
from tests.service.helpers import unique_nhs_number

pytestmark = pytest.mark.hapi
EMER = {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "EMER"}


@pytest.fixture
def hapi(hapi_base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=hapi_base_url, timeout=60) as client:
        yield client


def hapi_subscription(hapi: httpx.Client, endpoint: str) -> str:
    """An active rest-hook Subscription on HAPI for every Encounter change, sent with the hospital's key."""
    body = {
        "resourceType": "Subscription",
        "status": "requested",
        "reason": "redbag pathway test",
        "criteria": "Encounter?",
        "channel": {
            "type": "rest-hook",
            "endpoint": endpoint,
            "payload": "application/fhir+json",
            "header": [f"X-API-Key: {ALL_CALLERS['hospital'][0]}"],
        },
    }
    created = hapi.post("/Subscription", json=body)
    assert created.status_code == 201, created.text
    subscription_id = str(created.json()["id"])
    deadline = time.monotonic() + 60
    while hapi.get(f"/Subscription/{subscription_id}").json()["status"] != "active":
        assert time.monotonic() < deadline, "HAPI never activated the Subscription"
        time.sleep(0.5)
    return subscription_id


def test_hapi_rest_hook_admits_and_discharges(hapi: httpx.Client, hapi_base_url: str, start: Start) -> None:
    home = Subscriber()
    care_home, nhs = unique_ods(), unique_nhs_number()
    admitted = (datetime.now(UTC) - timedelta(hours=6)).replace(microsecond=0).isoformat()
    discharged = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0).isoformat()
    hapi_subscription_id = None
    try:
        with start(fhir_sources=(("hapi", hapi_base_url),)) as (client, _):
            client.put(f"/registrations/{nhs}", json={"careHome": care_home}, headers=key("care-home"))
            created = client.post(
                "/Subscription",
                json=subscription(f"Encounter?care-home={care_home}", home.url),
                headers=key("care-home"),
            )
            assert created.status_code == 201
            hapi_subscription_id = hapi_subscription(hapi, f"{client.base_url}/fhir-events/hapi")
            patient = hapi.post(
                "/Patient",
                json={
                    "resourceType": "Patient",
                    "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs}],
                    "name": [{"family": f"Test{uuid.uuid4().hex[:6]}"}],
                },
            ).json()
            encounter = {
                "resourceType": "Encounter",
                "status": "in-progress",
                "class": EMER,
                "subject": {"reference": f"Patient/{patient['id']}"},
                "period": {"start": admitted},
                "hospitalization": {
                    "admitSource": {
                        "coding": [
                            {
                                "system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-SourceOfAdmissionEngland",
                                "code": "85",
                            }
                        ]
                    }
                },
            }
            stored = hapi.post("/Encounter", json=encounter).json()
            assert [r.code for r in home.wait_for(2, timeout=60)] == ["admitted", "visit-due"]
            finished = stored | {
                "status": "finished",
                "period": {"start": admitted, "end": discharged},
            }
            assert hapi.put(f"/Encounter/{stored['id']}", json=finished).status_code == 200
            assert home.wait_for(3, timeout=60)[2].code == "discharged"
            stay = client.get("/journeys", params={"nhsNumber": nhs}, headers=key("care-home")).json()[
                "journeys"
            ][0]
            assert stay["journey"]["encounter"] == stored["id"] and stay["journey"]["hospital"] == "hapi"
            assert stay["journey"]["admit_source"] == "85"
            assert stay["encounter"]["period"] == {"start": admitted, "end": discharged}
    finally:
        home.close()
        if hapi_subscription_id:
            hapi.delete(f"/Subscription/{hapi_subscription_id}")
