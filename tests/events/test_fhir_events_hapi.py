"""HAPI's R4 rest-hook Subscription drives the pathway: HAPI (testserver/hapi, subscriptions on) PUTs each
changed Encounter to redbag, which reads the Patient from HAPI for the NHS number, applies the admission
or discharge, and notifies the care home."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.events.conftest import Start
from tests.events.helpers import ALL_CALLERS
from tests.events.hospital_server import admit_and_discharge, created

pytestmark = pytest.mark.hapi


@pytest.fixture
def hapi(hapi_base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=hapi_base_url, timeout=60) as client:
        yield client


def rest_hook(hapi: httpx.Client, endpoint: str) -> list[str]:
    """An active R4 rest-hook Subscription on HAPI for every Encounter change, with the hospital's key."""
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
    subscription_id = str(created(hapi.post("/Subscription", json=body))["id"])
    deadline = time.monotonic() + 60
    while hapi.get(f"/Subscription/{subscription_id}").json()["status"] != "active":
        assert time.monotonic() < deadline, "HAPI never activated the Subscription"
        time.sleep(0.5)
    return [subscription_id]


def test_hapi_rest_hook_admits_and_discharges(hapi: httpx.Client, start: Start) -> None:
    admit_and_discharge(start, hapi, "hapi", rest_hook)
