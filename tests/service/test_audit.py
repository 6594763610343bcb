"""The audit trail: who sent, read, viewed or pulled which resident's red bag, and when; queryable."""

from __future__ import annotations

import httpx
import pytest

from tests.service.helpers import example, headers

pytestmark = pytest.mark.anyio
FHIR_JSON = {"Content-Type": "application/fhir+json"}


async def audit(api: httpx.AsyncClient, **params: str) -> list[dict[str, object]]:
    answer = await api.get("/audit", params=params, headers=headers("auditor"))
    assert answer.status_code == 200, answer.text
    events: list[dict[str, object]] = answer.json()["events"]
    return events


async def test_sending_and_reading_a_red_bag_are_recorded(api: httpx.AsyncClient) -> None:
    summary = example("dementia-dnacpr")
    nhs = summary["resident"]["nhsNumber"]
    sent = await api.post("/transfers", json=summary, headers={**FHIR_JSON, "X-Request-ID": "req-send"})
    await api.post("/transfers", json=summary, headers=FHIR_JSON)  # a replay
    await api.get(sent.headers["location"], headers=headers("ehr-b"))  # not theirs: denied
    await api.get(sent.headers["location"])
    await api.get(sent.json()["links"]["view"])
    events = await audit(api, nhsNumber=nhs)
    assert [(e["action"], e["outcome"], e["client"]) for e in events] == [
        ("view", "ok", "ehr-a"),
        ("read", "ok", "ehr-a"),
        ("read", "denied", "ehr-b"),
        ("send", "replayed", "ehr-a"),
        ("send", "ok", "ehr-a"),
    ]
    first = events[-1]
    assert (first["transferId"], first["bagNumber"], first["requestId"]) == (
        sent.json()["id"],
        summary["bagNumber"],
        "req-send",
    )
    assert str(first["at"]).endswith("Z")


async def test_refused_sends_are_recorded_too(api: httpx.AsyncClient) -> None:
    summary = example("insulin-parkinsons")
    del summary["author"]
    assert (await api.post("/transfers", json=summary, headers=FHIR_JSON)).status_code == 422
    [event] = await audit(api, nhsNumber=summary["resident"]["nhsNumber"])
    assert (event["action"], event["outcome"], event["transferId"]) == ("send", "invalid", None)


async def test_the_trail_is_filtered_and_reading_it_is_recorded(api: httpx.AsyncClient) -> None:
    await api.post("/transfers", json=example("dementia-dnacpr"), headers=FHIR_JSON)
    await api.post(
        "/transfers", json=example("no-known-allergies"), headers={**FHIR_JSON, **headers("ehr-b")}
    )
    assert {e["client"] for e in await audit(api, action="send")} == {"ehr-a", "ehr-b"}
    assert [e["client"] for e in await audit(api, client="ehr-b")] == ["ehr-b"]
    assert len(await audit(api, limit="1")) == 1
    assert await audit(api, since="2999-01-01T00:00:00Z", action="send") == []
    assert len(await audit(api, until="2999-01-01T00:00:00", action="send")) == 2
    assert [e["client"] for e in await audit(api, action="audit")][-1] == "auditor"


async def test_only_auditors_read_the_trail(api: httpx.AsyncClient) -> None:
    assert (await api.get("/audit")).status_code == 403
    bad = await api.get("/audit", params={"nhsNumber": "12"}, headers=headers("auditor"))
    assert bad.status_code == 422
