"""Events matched to residents by NHS number only (hazard H15): the right red bag, the right stay, never
another resident's; events from the REST API stored once by their id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.events.conftest import MovableClock, Start
from tests.events.helpers import key, red_bag
from tests.service.helpers import unique_nhs_number

NOW = datetime.now(UTC).replace(microsecond=0)


def event(kind: str, nhs: str, event_id: str, *, stay: str | None = None, **more: Any) -> dict[str, Any]:
    return {
        "eventId": event_id,
        "type": kind,
        "nhsNumber": nhs,
        "occurredAt": NOW.isoformat(),
        "hospital": "RZZ01",
        "encounter": stay or f"S{nhs}",
        **more,
    }


def post(client: httpx.Client, body: dict[str, Any]) -> httpx.Response:
    return client.post("/events", json=body, headers=key("hospital"))


def stays(client: httpx.Client, nhs: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.get(
        "/journeys", params={"nhsNumber": nhs}, headers=key("care-home")
    ).json()["journeys"]
    return found


def test_h15_an_admission_takes_the_red_bag_of_that_nhs_number_only(start: Start) -> None:
    mine, theirs = red_bag(), red_bag()
    with start() as (client, _):
        for summary in (mine, theirs):
            assert client.post("/transfers", json=summary, headers=key("care-home")).status_code == 202
        nhs = mine["resident"]["nhsNumber"]
        assert post(client, event("admitted", nhs, "a")).json()["outcome"] == "applied"
        bag = stays(client, nhs)[0]["journey"]["red_bag"]
        assert bag["bag_number"] == mine["bagNumber"]


def test_h15_an_old_red_bag_is_not_taken_for_a_new_admission(start: Start, clock: MovableClock) -> None:
    summary = red_bag()
    nhs = summary["resident"]["nhsNumber"]
    with start() as (client, _):
        assert client.post("/transfers", json=summary, headers=key("care-home")).status_code == 202
        clock.advance(73 * 3600)  # past REDBAG_MATCH_HOURS (72)
        post(client, event("admitted", nhs, "late"))
        journey = stays(client, nhs)[0]["journey"]
    assert "red_bag" not in journey, "no red bag went with this admission"
    assert journey["care_home"] == summary["careHome"]["odsCode"], (
        "the home is still known from its last red bag"
    )


def test_h15_a_red_bag_is_taken_by_one_stay_only(start: Start) -> None:
    summary = red_bag()
    nhs = summary["resident"]["nhsNumber"]
    with start() as (client, _):
        client.post("/transfers", json=summary, headers=key("care-home"))
        post(client, event("admitted", nhs, "first", stay="S1"))
        post(client, event("discharged", nhs, "out", stay="S1"))
        post(client, event("admitted", nhs, "second", stay="S2"))
        found = {j["journey"]["encounter"]: j["journey"].get("red_bag") for j in stays(client, nhs)}
    assert found["S1"] is not None and found["S2"] is None


def test_h15_a_stay_of_another_resident_is_refused(start: Start) -> None:
    first, second = unique_nhs_number(), unique_nhs_number()
    with start() as (client, _):
        post(client, event("admitted", first, "one", stay="SHARED"))
        refused = post(client, event("discharged", second, "two", stay="SHARED"))
        assert refused.status_code == 400 and "another resident" in refused.text
        assert stays(client, first)[0]["journey"]["stage"] == "admitted"
        assert stays(client, second) == []


def test_h15_an_event_naming_no_stay_goes_to_the_residents_stay_at_that_hospital(start: Start) -> None:
    nhs = unique_nhs_number()
    with start() as (client, _):
        post(client, event("admitted", nhs, "in"))
        body = event("discharged", nhs, "out")
        del body["encounter"]
        assert post(client, body).json()["outcome"] == "applied"
        assert stays(client, nhs)[0]["journey"]["stage"] == "discharged"


def test_events_are_stored_once_by_their_id(start: Start) -> None:
    nhs = unique_nhs_number()
    with start() as (client, _):
        body = event("admitted", nhs, "same")
        assert post(client, body).json()["outcome"] == "applied"
        assert post(client, body).json()["outcome"] == "repeated"
        changed = post(client, body | {"occurredAt": (NOW - timedelta(hours=1)).isoformat()})
        assert changed.status_code == 409 and changed.json()["outcome"] == "conflict"
        unmatched = post(client, event("discharged", unique_nhs_number(), "nobody"))
        assert unmatched.json()["outcome"] == "unmatched"


def test_events_that_break_the_rules_are_refused_naming_the_field(start: Start) -> None:
    with start() as (client, _):
        bad_number = post(client, event("admitted", "9990341819", "x"))
        assert bad_number.status_code == 422 and "nhsNumber" in bad_number.text
        no_offset = post(
            client, event("admitted", unique_nhs_number(), "y") | {"occurredAt": "2026-03-01T10:00:00"}
        )
        assert no_offset.status_code == 422 and "occurred_at" in no_offset.text
        unknown = post(client, event("teleported", unique_nhs_number(), "z"))
        assert unknown.status_code == 422 and "type" in unknown.text
