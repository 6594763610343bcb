"""Subscriptions Backport notifications from a second, independent FHIR server (sekmet-fhir) drive the same
flow as HAPI's rest-hook: a topic-based Subscription on sekmet (Encounter started / completed, full-resource
payload), its handshake answered, each event-notification Bundle read for the Encounter, the Patient read
back from sekmet for the NHS number, the care home notified."""

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

pytestmark = pytest.mark.sekmet
BACKPORT = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition"
TOPICS = (
    "http://sekmet.dev/fhir/SubscriptionTopic/encounter-start",
    "http://sekmet.dev/fhir/SubscriptionTopic/encounter-complete",
)
EMER = {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "EMER", "display": "emergency"}


@pytest.fixture
def sekmet(sekmet_base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=sekmet_base_url, timeout=60, headers={"Accept": "application/fhir+json"}
    ) as client:
        yield client


def backport_subscription(sekmet: httpx.Client, topic: str, endpoint: str) -> str:
    """A topic-based (Backport) Subscription on sekmet, full-resource, sent with the hospital's key; active
    once sekmet's handshake has been answered."""
    body = {
        "resourceType": "Subscription",
        "meta": {"profile": [f"{BACKPORT}/backport-subscription"]},
        "status": "requested",
        "reason": "redbag pathway test",
        "criteria": topic,
        "channel": {
            "type": "rest-hook",
            "endpoint": endpoint,
            "payload": "application/fhir+json",
            "_payload": {
                "extension": [{"url": f"{BACKPORT}/backport-payload-content", "valueCode": "full-resource"}]
            },
            "header": [f"X-API-Key: {ALL_CALLERS['hospital'][0]}"],
        },
    }
    created = sekmet.post("/Subscription", json=body)
    assert created.status_code in (200, 201), created.text
    subscription_id = str(created.json()["id"])
    deadline = time.monotonic() + 60
    while (state := sekmet.get(f"/Subscription/{subscription_id}").json())["status"] != "active":
        assert state["status"] != "error" and time.monotonic() < deadline, state
        time.sleep(0.3)
    return subscription_id


def test_backport_notifications_from_sekmet_admit_and_discharge(
    sekmet: httpx.Client, sekmet_base_url: str, start: Start
) -> None:
    home = Subscriber()
    care_home, nhs = unique_ods(), unique_nhs_number()
    admitted = (datetime.now(UTC) - timedelta(hours=6)).replace(microsecond=0).isoformat()
    discharged = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0).isoformat()
    made: list[str] = []
    try:
        with start(fhir_sources=(("sekmet", sekmet_base_url),)) as (client, _):
            client.put(f"/registrations/{nhs}", json={"careHome": care_home}, headers=key("care-home"))
            answer = client.post(
                "/Subscription",
                json=subscription(f"Encounter?care-home={care_home}", home.url),
                headers=key("care-home"),
            )
            assert answer.status_code == 201
            made += [
                backport_subscription(sekmet, topic, f"{client.base_url}/fhir-events/sekmet")
                for topic in TOPICS
            ]
            patient = sekmet.post(
                "/Patient",
                json={
                    "resourceType": "Patient",
                    "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs}],
                    "name": [{"family": f"Test{uuid.uuid4().hex[:6]}", "given": ["Ada"]}],
                    "gender": "female",
                    "birthDate": "1938-06-11",
                },
            )
            assert patient.status_code in (200, 201), patient.text
            encounter = {
                "resourceType": "Encounter",
                "status": "in-progress",
                "class": EMER,
                "subject": {"reference": f"Patient/{patient.json()['id']}"},
                "period": {"start": admitted},
            }
            stored = sekmet.post("/Encounter", json=encounter)
            assert stored.status_code in (200, 201), stored.text
            assert [r.code for r in home.wait_for(2, timeout=60)] == ["admitted", "visit-due"]
            finished = stored.json() | {
                "status": "finished",
                "period": {"start": admitted, "end": discharged},
            }
            assert sekmet.put(f"/Encounter/{finished['id']}", json=finished).status_code == 200
            assert home.wait_for(3, timeout=60)[2].code == "discharged"
            stay = client.get("/journeys", params={"nhsNumber": nhs}, headers=key("care-home")).json()[
                "journeys"
            ][0]
            assert stay["journey"]["hospital"] == "sekmet" and stay["journey"]["encounter"] == finished["id"]
            assert stay["encounter"]["period"] == {"start": admitted, "end": discharged}
    finally:
        home.close()
        for subscription_id in made:
            sekmet.delete(f"/Subscription/{subscription_id}")
