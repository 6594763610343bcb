"""Careless and hostile input (issue 14's findings): refused with the field named, never a 500, and the JSON
and XML answers agree."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from adapter.config import ApiKey
from adapter.fhir.xml import from_xml
from adapter.service.auth import sha256_hash
from tests.events.helpers import ALL_CALLERS, key
from tests.service.conftest import AppClient
from tests.service.helpers import FHIR_JSON, example, make_settings

pytestmark = pytest.mark.anyio
Summary = dict[str, Any]


def _set(path: str, value: Any) -> Callable[[Summary], None]:
    """A change to a summary: the value at a dotted path (``resident.name.family``)."""

    def change(summary: Summary) -> None:
        *parents, last = path.split(".")
        target = summary
        for part in parents:
            target = target[part]
        target[last] = value(target[last]) if callable(value) else value

    return change


def _outcome(answer: httpx.Response) -> dict[str, Any]:
    """The OperationOutcome of an answer, from JSON or FHIR XML."""
    if answer.headers["content-type"].startswith("application/fhir+xml"):
        return from_xml(answer.content, "OperationOutcome")
    found: dict[str, Any] = answer.json()
    assert found["resourceType"] == "OperationOutcome"
    return found


async def _both(api: httpx.AsyncClient, path: str, body: Any) -> list[httpx.Response]:
    """The same request answered in FHIR JSON and in FHIR XML."""
    return [
        await api.post(path, content=orjson.dumps(body), headers={**FHIR_JSON, "Accept": accept})
        for accept in ("application/fhir+json", "application/fhir+xml")
    ]


FINAL_LINE_BREAKS = {
    "nhsNumber": ("resident.nhsNumber", "$.resident.nhsNumber"),
    "bagNumber": ("bagNumber", "$.bagNumber"),
    "birthDate": ("resident.birthDate", "$.resident.birthDate"),
    "odsCode": ("careHome.odsCode", "$.careHome.odsCode"),
    "createdAt": ("createdAt", "$.createdAt"),
}


@pytest.mark.parametrize("field", sorted(FINAL_LINE_BREAKS))
async def test_h20_a_final_line_break_is_refused_naming_the_field(api: httpx.AsyncClient, field: str) -> None:
    """Finding 1: ``"9990473269\\n"`` was accepted (202) and failed for good at the FHIR server."""
    where, location = FINAL_LINE_BREAKS[field]
    summary = example("dementia-dnacpr")
    _set(where, lambda v: v + "\n")(summary)
    for path in ("/$convert", "/transfers"):
        for answer in await _both(api, path, summary):
            assert answer.status_code == 422, answer.text
            issues = _outcome(answer)["issue"]
            assert [i["location"] for i in issues] == [[location]], issues
    assert (await api.get("/transfers")).json()["count"] == 0


CONTROLS = ["\x00", "\x01", "\x0b", "\x1f", "\ufffe"]
TEXT_FIELDS = {
    "resident.name.family": "$.resident.name.family",
    "careHome.name": "$.careHome.name",
    "author.name": "$.author.name",
    "bagNumber": "$.bagNumber",
}


@pytest.mark.parametrize("control", CONTROLS, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize("field", sorted(TEXT_FIELDS))
async def test_h20_a_control_character_is_refused_naming_the_field_in_json_and_in_xml(
    api: httpx.AsyncClient, field: str, control: str
) -> None:
    """Finding 2: a NUL in a text field was a 200 in JSON and a 500 in XML (with a traceback logged)."""
    summary = example("dementia-dnacpr")
    _set(field, lambda v: v[:2] + control + v[2:])(summary)
    for path in ("/$convert", "/transfers"):
        answers = await _both(api, path, summary)
        assert [a.status_code for a in answers] == [422, 422], answers[1].text
        outcomes = [_outcome(a) for a in answers]
        assert outcomes[0] == outcomes[1]  # the JSON and the XML answer say the same
        assert [i["location"] for i in outcomes[0]["issue"]] == [[TEXT_FIELDS[field]]]


async def test_tab_and_line_breaks_inside_text_are_kept(api: httpx.AsyncClient) -> None:
    """What FHIR text may hold (tab, CR, LF inside a note) still travels, in JSON and in XML."""
    summary = example("dementia-dnacpr")
    summary["aboutMe"]["pleaseDoNot"] = "Likes tea.\r\nHates\tloud radio."
    answers = await _both(api, "/$convert", summary)
    assert [a.status_code for a in answers] == [200, 200], answers[1].text
    assert b"Hates\\tloud radio." in answers[0].content


async def test_a_ten_digit_birth_date_is_refused_not_a_500(api: httpx.AsyncClient) -> None:
    """Finding 2: ``"9434765919"`` as a birth date raised OverflowError in the contract."""
    summary = example("dementia-dnacpr")
    summary["resident"]["birthDate"] = "9434765919"
    for path in ("/$convert", "/transfers"):
        for answer in await _both(api, path, summary):
            assert answer.status_code == 422, answer.text
            assert _outcome(answer)["issue"][0]["location"] == ["$.resident.birthDate"]


@pytest.mark.parametrize("resource_type", [None, 7, "", "patient", "Foo\x01", ["Patient"]])
async def test_validate_refuses_a_body_whose_resource_type_is_not_a_type_name(
    api: httpx.AsyncClient, resource_type: Any
) -> None:
    """A null resourceType passed the route's check as the string "None" and was answered 200."""
    for answer in await _both(api, "/$validate", {"resourceType": resource_type}):
        assert answer.status_code == 400, answer.text
        assert "resourceType" in _outcome(answer)["issue"][0]["diagnostics"]


async def test_validation_issues_that_quote_a_control_character_agree_in_json_and_xml(
    api: httpx.AsyncClient,
) -> None:
    """The validator quotes the bad code in its message; the XML answer was a 500 for it."""
    answers = await _both(api, "/$validate", {"resourceType": "Patient", "gender": "ma\x01le"})
    assert [a.status_code for a in answers] == [200, 200], answers[1].text
    outcomes = [_outcome(a) for a in answers]
    diagnostics = [[i["diagnostics"] for i in o["issue"]] for o in outcomes]
    assert diagnostics[0] == diagnostics[1]
    assert any("ma\\u0001le" in d for d in diagnostics[0])


@pytest.fixture
async def pathway_api(app_client: AppClient, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The app in-process with the pathway's callers too (a hospital system, subscribers)."""
    keys = tuple(ApiKey(c, sha256_hash(k), scopes) for c, (k, scopes) in ALL_CALLERS.items())
    async with app_client(make_settings(tmp_path, api_keys=keys)) as client:
        yield client


async def test_h20_pathway_events_refuse_control_characters(pathway_api: httpx.AsyncClient) -> None:
    """Every text of an event (REST, and so FHIR and HL7 v2, which go through the same check)."""
    event = {
        "eventId": "ev-1",
        "type": "admitted",
        "nhsNumber": "9990835624",
        "occurredAt": "2026-03-29T03:40:00+01:00",
        "hospital": "RZZ01",
        "location": "Ward\x00 7",
    }
    answer = await pathway_api.post("/events", json=event, headers=key("hospital"))
    assert answer.status_code == 422, answer.text
    assert answer.json()["issue"][0]["location"] == ["location"]


async def test_h20_a_subscription_refuses_control_characters_and_white_space(
    pathway_api: httpx.AsyncClient,
) -> None:
    base: dict[str, Any] = {
        "resourceType": "Subscription",
        "status": "requested",
        "reason": "our residents",
        "criteria": "Encounter?care-home=VN4R7",
        "channel": {
            "type": "rest-hook",
            "endpoint": "https://home.example/hook",
            "payload": "application/fhir+json",
        },
    }
    changes = {
        "Subscription.reason": ("reason", "our\x07 residents"),
        "Subscription.criteria": ("criteria", "Encounter?care-home=VN4R7\n"),
        "Subscription.channel.endpoint": ("channel", {**base["channel"], "endpoint": "https://h.example/\n"}),
    }
    for location, (field, value) in changes.items():
        subscription = copy.deepcopy(base)
        subscription[field] = value
        answer = await pathway_api.post("/Subscription", json=subscription, headers=key("care-home"))
        assert answer.status_code == 422, answer.text
        assert answer.json()["issue"][0]["location"] == [location]
