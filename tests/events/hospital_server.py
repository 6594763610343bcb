"""One flow for every FHIR server that notifies redbag (HAPI's rest-hook, sekmet's Backport
notifications): the resident's Patient and an Encounter in progress are created on the server, then the
Encounter is finished; the care home subscribed at redbag must hear admitted, visit due, discharged."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.events.conftest import Start
from tests.events.helpers import key, subscription, unique_ods
from tests.events.listener import Subscriber
from tests.service.helpers import unique_nhs_number

EMER = {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "EMER", "display": "emergency"}
ADMIT_SOURCE = "https://fhir.hl7.org.uk/CodeSystem/UKCore-SourceOfAdmissionEngland"
#: Makes the server notify redbag at an endpoint; returns what to delete afterwards (Subscription ids).
Subscribe = Callable[[httpx.Client, str], list[str]]


def created(answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code in (200, 201), answer.text
    resource: dict[str, Any] = answer.json()
    return resource


def admit_and_discharge(start: Start, server: httpx.Client, source: str, subscribe: Subscribe) -> None:
    """The flow, with the server known to redbag as ``source``; checks what the care home hears."""
    home = Subscriber()
    care_home, nhs = unique_ods(), unique_nhs_number()
    admitted = (datetime.now(UTC) - timedelta(hours=6)).replace(microsecond=0).isoformat()
    discharged = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0).isoformat()
    made: list[str] = []
    try:
        with start(fhir_sources=((source, str(server.base_url).rstrip("/")),)) as (client, _):
            client.put(f"/registrations/{nhs}", json={"careHome": care_home}, headers=key("care-home"))
            mine = subscription(f"Encounter?care-home={care_home}", home.url)
            assert client.post("/Subscription", json=mine, headers=key("care-home")).status_code == 201
            made += subscribe(server, f"{client.base_url}/fhir-events/{source}")
            patient = created(
                server.post(
                    "/Patient",
                    json={
                        "resourceType": "Patient",
                        "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs}],
                        "name": [{"family": f"Test{uuid.uuid4().hex[:6]}", "given": ["Ada"]}],
                        "gender": "female",
                        "birthDate": "1938-06-11",
                    },
                )
            )
            encounter = {
                "resourceType": "Encounter",
                "status": "in-progress",
                "class": EMER,
                "subject": {"reference": f"Patient/{patient['id']}"},
                "period": {"start": admitted},
                "hospitalization": {"admitSource": {"coding": [{"system": ADMIT_SOURCE, "code": "85"}]}},
            }
            stored = created(server.post("/Encounter", json=encounter))
            assert [r.code for r in home.wait_for(2, timeout=60)] == ["admitted", "visit-due"]
            finished = stored | {"status": "finished", "period": {"start": admitted, "end": discharged}}
            assert server.put(f"/Encounter/{stored['id']}", json=finished).status_code == 200
            assert home.wait_for(3, timeout=60)[2].code == "discharged"
            found = client.get("/journeys", params={"nhsNumber": nhs}, headers=key("care-home")).json()
            stay = found["journeys"][0]
            assert (stay["journey"]["hospital"], stay["journey"]["encounter"]) == (source, stored["id"])
            assert stay["journey"]["admit_source"] == "85"
            assert stay["encounter"]["period"] == {"start": admitted, "end": discharged}
    finally:
        home.close()
        for subscription_id in made:
            server.delete(f"/Subscription/{subscription_id}")
