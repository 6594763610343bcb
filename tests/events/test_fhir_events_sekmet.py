"""Subscriptions Backport notifications from a second, independent FHIR server (sekmet-fhir) drive the same
flow as HAPI's rest-hook: topic-based Subscriptions on sekmet (Encounter started / completed,
full-resource payload), its handshake answered, each event-notification Bundle read for the Encounter, the
Patient read back from sekmet for the NHS number, the care home notified."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.events.conftest import Start
from tests.events.helpers import ALL_CALLERS
from tests.events.hospital_server import admit_and_discharge, created

pytestmark = pytest.mark.sekmet
BACKPORT = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition"
TOPICS = (
    "http://sekmet.dev/fhir/SubscriptionTopic/encounter-start",
    "http://sekmet.dev/fhir/SubscriptionTopic/encounter-complete",
)


@pytest.fixture
def sekmet(sekmet_base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=sekmet_base_url, timeout=60, headers={"Accept": "application/fhir+json"}
    ) as client:
        yield client


def backport(sekmet: httpx.Client, endpoint: str) -> list[str]:
    """Topic-based (Backport) Subscriptions on sekmet, full-resource, sent with the hospital's key; active
    once sekmet's handshake has been answered."""
    made = []
    for topic in TOPICS:
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
                    "extension": [
                        {"url": f"{BACKPORT}/backport-payload-content", "valueCode": "full-resource"}
                    ]
                },
                "header": [f"X-API-Key: {ALL_CALLERS['hospital'][0]}"],
            },
        }
        subscription_id = str(created(sekmet.post("/Subscription", json=body))["id"])
        deadline = time.monotonic() + 60
        while (state := sekmet.get(f"/Subscription/{subscription_id}").json())["status"] != "active":
            assert state["status"] != "error" and time.monotonic() < deadline, state
            time.sleep(0.3)
        made.append(subscription_id)
    return made


def test_backport_notifications_from_sekmet_admit_and_discharge(sekmet: httpx.Client, start: Start) -> None:
    admit_and_discharge(start, sekmet, "sekmet", backport)
