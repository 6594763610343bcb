"""H21: tenants kept apart. A client never learns that another's transfer exists, its id or its status;
the same red bag from two clients is two transfers; a subscriber sees only its own organisations."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapter.config import ApiKey
from adapter.service.auth import sha256_hash
from tests.events.helpers import red_bag, subscription, unique_ods
from tests.service.conftest import AppClient
from tests.service.helpers import FHIR_JSON, example, fresh_bag, headers, make_settings, unique_nhs_number

pytestmark = pytest.mark.anyio


async def send(
    api: httpx.AsyncClient, summary: dict[str, Any], client: str = "ehr-a", **extra: str
) -> httpx.Response:
    return await api.post("/transfers", json=summary, headers={**FHIR_JSON, **headers(client), **extra})


async def test_h21_the_same_red_bag_from_another_client_is_a_transfer_of_its_own(
    api: httpx.AsyncClient,
) -> None:
    """Finding 4: a second client got the FIRST client's transfer (id, status, attempts, outcome)."""
    summary = example("dementia-dnacpr")
    first = await send(api, summary)
    second = await send(api, summary, "ehr-b")
    assert (first.status_code, second.status_code) == (202, 202), second.text
    assert second.json()["id"] != first.json()["id"]
    assert "idempotent-replayed" not in second.headers
    assert second.json()["status"] == "queued" and second.json()["attempts"] == 0
    # each sees its own, and nothing of the other's
    assert (await api.get(first.headers["location"], headers=headers("ehr-b"))).status_code == 404
    listed = (await api.get("/transfers", headers=headers("ehr-b"))).json()
    assert [t["id"] for t in listed["transfers"]] == [second.json()["id"]]
    # each client's repeat is its own transfer again
    assert (await send(api, summary, "ehr-b")).headers["location"] == second.headers["location"]


async def test_h21_another_clients_red_bag_with_other_content_is_refused_naming_nothing(
    api: httpx.AsyncClient,
) -> None:
    """Finding 4: with a changed body, the 409 named the first client's transfer id."""
    summary = example("insulin-parkinsons")
    first = (await send(api, summary)).json()
    changed = copy.deepcopy(summary)
    changed["baseline"]["mobility"] = "Walks with a frame since last week"
    conflict = await send(api, changed, "ehr-b")
    assert conflict.status_code == 409, conflict.text
    assert first["id"] not in conflict.text and "transfer " not in conflict.json()["issue"][0]["diagnostics"]
    assert "another sender" in conflict.json()["issue"][0]["diagnostics"]
    assert (await api.get("/transfers", headers=headers("ehr-b"))).json()["count"] == 0
    # the sender's own changed body still names its own transfer
    own = await send(api, changed)
    assert own.status_code == 409 and first["id"] in own.text


async def test_h21_idempotency_keys_belong_to_the_client_that_chose_them(api: httpx.AsyncClient) -> None:
    summary = example("dementia-dnacpr")
    first = await send(api, summary, **{"Idempotency-Key": "shared-key"})
    other = await send(api, fresh_bag(summary, 7), "ehr-b", **{"Idempotency-Key": "shared-key"})
    assert other.status_code == 202 and other.json()["id"] != first.json()["id"]


async def test_h21_only_the_sender_sends_the_return_journey(api: httpx.AsyncClient) -> None:
    out = await send(api, example("return-journey"))
    discharge = example("return-journey.discharge.json")
    for client in ("ehr-b", "auditor"):  # the auditor reads every transfer, but acts on none of them
        answer = await api.post(
            f"{out.headers['location']}/return", json=discharge, headers={**FHIR_JSON, **headers(client)}
        )
        assert answer.status_code == 404, (client, answer.text)
    back = await api.post(f"{out.headers['location']}/return", json=discharge, headers=FHIR_JSON)
    assert back.status_code == 202, back.text


async def test_h21_the_audit_scope_reads_every_clients_transfers_and_does_nothing_else(
    api: httpx.AsyncClient,
) -> None:
    """Finding 6: the docs said the audit scope reads every client's transfers; the service said 403."""
    sent = await send(api, example("dementia-dnacpr"))
    auditor = headers("audit-only")
    assert (await api.get("/transfers", headers=auditor)).json()["count"] == 1
    assert (await api.get(sent.headers["location"], headers=auditor)).status_code == 200
    assert (await api.get(f"{sent.headers['location']}/view", headers=auditor)).status_code == 200
    assert (await send(api, fresh_bag(example("dementia-dnacpr"), 3), "audit-only")).status_code == 403
    requeue = await api.post(f"{sent.headers['location']}/requeue", headers=auditor)
    assert requeue.status_code == 403


# -- subscribers: bound to their organisations ----------------------------------------------------------

HOME, OTHER_HOME = unique_ods(), unique_ods()
SUBSCRIBERS = {
    "oak-lodge": ("rbk_test_key_for_oak_lodge_99999999999999999999", frozenset({"subscribe", "send"}), HOME),
    "elm-house": (
        "rbk_test_key_for_elm_house_aaaaaaaaaaaaaaaaaaaa",
        frozenset({"subscribe", "send"}),
        OTHER_HOME,
    ),
    "hospital": ("rbk_test_key_for_hospital_bbbbbbbbbbbbbbbbbbbbb", frozenset({"events"}), None),
}


def key_of(client: str) -> dict[str, str]:
    return {"X-API-Key": SUBSCRIBERS[client][0]}


@pytest.fixture
async def homes(app_client: AppClient, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """Two care homes' keys, each bound to its own ODS code, and a hospital system."""
    settings = make_settings(tmp_path)
    keys = tuple(
        ApiKey(c, sha256_hash(k), scopes, frozenset({ods}) if ods else None)
        for c, (k, scopes, ods) in SUBSCRIBERS.items()
    )
    async with app_client(replace(settings, api_keys=settings.api_keys + keys)) as client:
        yield client


def _subscribe(criteria: str) -> dict[str, Any]:
    return subscription(criteria, "https://home.example/hook")


async def test_h21_a_care_home_subscribes_only_to_its_own_organisations(homes: httpx.AsyncClient) -> None:
    mine = await homes.post(
        "/Subscription", json=_subscribe(f"Encounter?care-home={HOME}"), headers=key_of("oak-lodge")
    )
    assert mine.status_code == 201, mine.text
    theirs = await homes.post(
        "/Subscription", json=_subscribe(f"Encounter?care-home={OTHER_HOME}"), headers=key_of("oak-lodge")
    )
    assert theirs.status_code == 403, theirs.text
    practice = await homes.post(
        "/Subscription", json=_subscribe("Encounter?general-practitioner=B99017"), headers=key_of("oak-lodge")
    )
    assert practice.status_code == 403


async def test_h21_a_resident_is_subscribed_to_only_by_their_own_home(homes: httpx.AsyncClient) -> None:
    nhs = unique_nhs_number()
    criteria = f"Encounter?patient.identifier=https://fhir.nhs.uk/Id/nhs-number|{nhs}"
    assert (
        await homes.post("/Subscription", json=_subscribe(criteria), headers=key_of("oak-lodge"))
    ).status_code == 403
    # registering another home's resident is refused; registering one's own is not
    elsewhere = await homes.put(
        f"/registrations/{nhs}", json={"careHome": OTHER_HOME}, headers=key_of("oak-lodge")
    )
    assert elsewhere.status_code == 403
    assert (
        await homes.put(f"/registrations/{nhs}", json={"careHome": HOME}, headers=key_of("oak-lodge"))
    ).status_code == 204
    assert (
        await homes.post("/Subscription", json=_subscribe(criteria), headers=key_of("oak-lodge"))
    ).status_code == 201
    assert (
        await homes.post("/Subscription", json=_subscribe(criteria), headers=key_of("elm-house"))
    ).status_code == 403


async def test_h21_a_resident_whose_red_bag_a_home_sent_is_its_own(homes: httpx.AsyncClient) -> None:
    summary = red_bag(care_home=HOME)
    assert (
        await homes.post("/transfers", json=summary, headers={**FHIR_JSON, **key_of("oak-lodge")})
    ).status_code == 202
    nhs = summary["resident"]["nhsNumber"]
    criteria = f"Encounter?patient.identifier=https://fhir.nhs.uk/Id/nhs-number|{nhs}"
    assert (
        await homes.post("/Subscription", json=_subscribe(criteria), headers=key_of("oak-lodge"))
    ).status_code == 201
    assert (
        await homes.post("/Subscription", json=_subscribe(criteria), headers=key_of("elm-house"))
    ).status_code == 403


async def test_h21_another_homes_stays_are_not_shown(homes: httpx.AsyncClient) -> None:
    nhs = unique_nhs_number()
    await homes.put(f"/registrations/{nhs}", json={"careHome": HOME}, headers=key_of("oak-lodge"))
    event = {
        "eventId": f"adm-{nhs}",
        "type": "admitted",
        "nhsNumber": nhs,
        "occurredAt": "2026-03-29T03:40:00+01:00",
        "hospital": "RZZ01",
        "encounter": f"E-{nhs}",
    }
    admitted = await homes.post("/events", json=event, headers=key_of("hospital"))
    assert admitted.status_code == 200, admitted.text
    journey = admitted.json()["journeyId"]
    own = await homes.get("/journeys", params={"nhsNumber": nhs}, headers=key_of("oak-lodge"))
    assert [j["id"] for j in own.json()["journeys"]] == [journey]
    # the other home: the resident's stays are left out, the stay itself is not said to exist
    assert (await homes.get("/journeys", params={"nhsNumber": nhs}, headers=key_of("elm-house"))).json()[
        "count"
    ] == 0
    assert (await homes.get(f"/journeys/{journey}", headers=key_of("elm-house"))).status_code == 404
    visit = {"visitedBy": "A. Nurse", "visitedAt": "2026-03-29T10:00:00+01:00"}
    assert (
        await homes.post(f"/journeys/{journey}/visit", json=visit, headers=key_of("elm-house"))
    ).status_code == 404
    assert (
        await homes.get("/journeys", params={"careHome": HOME}, headers=key_of("elm-house"))
    ).status_code == 403
    assert (await homes.get(f"/journeys/{journey}", headers=key_of("oak-lodge"))).status_code == 200


async def test_h21_a_care_homes_capabilities_are_changed_only_by_the_client_that_published_them(
    api: httpx.AsyncClient,
) -> None:
    """What a home can manage decides what a discharge checklist ticks (H23): another sender may not
    replace it."""
    ods = unique_ods()
    block = example("care-home-capabilities.json")
    first = await api.put(f"/care-homes/{ods}/capabilities", json=block, headers=headers("ehr-a"))
    assert first.status_code == 200, first.text
    other = copy.deepcopy(block)
    other["care"] = []
    refused = await api.put(f"/care-homes/{ods}/capabilities", json=other, headers=headers("ehr-b"))
    assert refused.status_code == 403, refused.text
    assert "ehr-a" not in refused.text
    read = await api.get(f"/care-homes/{ods}/capabilities", headers=headers("ehr-b"))
    assert read.status_code == 200 and read.json()["capabilities"] == block
    again = await api.put(f"/care-homes/{ods}/capabilities", json=other, headers=headers("ehr-a"))
    assert again.status_code == 200 and again.json()["capabilities"] == other
