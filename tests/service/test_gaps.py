"""Missing input travels, and systems see it: the service answers the red bag with its gaps as warnings
(an OperationOutcome of severity warning, each issue with its JSON path), refuses only what is wrong, and
refuses gaps too when the caller prefers strict handling (issue 13)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from adapter.fhir.xml import from_xml
from tests.service.helpers import example, fresh_bag

pytestmark = pytest.mark.anyio
FHIR_JSON = {"Content-Type": "application/fhir+json"}


def _with_gaps() -> dict[str, Any]:
    summary = example("insulin-parkinsons")
    medicine = next(m for m in summary["medications"] if m["timeCritical"])
    del medicine["lastDoseGiven"]
    summary["resuscitation"] = {"decision": "dnacpr", "recordedAt": "2025-06-01"}  # dated by day
    del summary["baseline"]
    return summary


GAPS = ["$.baseline", "$.medications[0].lastDoseGiven"]


def _locations(outcome: dict[str, Any]) -> list[str]:
    assert {i["severity"] for i in outcome["issue"]} <= {"warning"}
    return sorted(loc for i in outcome["issue"] for loc in i["location"])


async def test_convert_answers_the_bundle_and_counts_the_gaps(api: httpx.AsyncClient) -> None:
    answer = await api.post("/$convert", json=_with_gaps(), headers=FHIR_JSON)
    assert answer.status_code == 200, answer.text
    assert answer.json()["resourceType"] == "Bundle"
    assert answer.headers["x-redbag-warnings"] == "2"
    complete = await api.post("/$convert", json=example("insulin-parkinsons"), headers=FHIR_JSON)
    assert complete.headers["x-redbag-warnings"] == "0"


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_convert_answers_the_gaps_when_asked(api: httpx.AsyncClient, fmt: str) -> None:
    answer = await api.post(
        "/$convert",
        json=_with_gaps(),
        params={"_format": fmt},
        headers={**FHIR_JSON, "Prefer": "return=OperationOutcome"},
    )
    assert answer.status_code == 200
    outcome = answer.json() if fmt == "json" else from_xml(answer.content, "OperationOutcome")
    assert outcome["resourceType"] == "OperationOutcome"
    assert _locations(outcome) == GAPS


async def test_strict_handling_refuses_the_gaps(api: httpx.AsyncClient) -> None:
    answer = await api.post(
        "/$convert", json=_with_gaps(), headers={**FHIR_JSON, "Prefer": "handling=strict"}
    )
    assert answer.status_code == 422
    assert sorted(i["location"][0] for i in answer.json()["issue"]) == GAPS
    sent = await api.post("/transfers", json=_with_gaps(), headers={**FHIR_JSON, "Prefer": "handling=strict"})
    assert sent.status_code == 422
    assert (await api.get("/transfers")).json()["count"] == 0


async def test_a_transfer_with_gaps_is_queued_and_says_so(api: httpx.AsyncClient) -> None:
    answer = await api.post("/transfers", json=_with_gaps(), headers=FHIR_JSON)
    assert answer.status_code == 202, answer.text
    assert _locations(answer.json()["warnings"]) == GAPS
    followed = (await api.get(answer.headers["location"])).json()
    assert followed["warnings"] == answer.json()["warnings"]
    complete = await api.post(
        "/transfers", json=fresh_bag(example("insulin-parkinsons"), 7), headers=FHIR_JSON
    )
    assert complete.json()["warnings"] == {"resourceType": "OperationOutcome", "issue": []}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        (("resident", "birthDate"), "1934-02-30"),
        (("resident", "birthDate"), "1934-02-29"),
        (("transfer", "departedAt"), "2026-02-30T08:10:00+01:00"),
        (("resuscitation", "recordedAt"), "2025-13-01"),
        (("createdAt",), "2025-06-01T24:00:00+01:00"),
        (("createdAt",), "2025-06-01T10:00:00+15:00"),
    ],
)
@pytest.mark.parametrize("route", ["/$convert", "/transfers"])
async def test_impossible_dates_are_refused_naming_the_field(
    api: httpx.AsyncClient, route: str, field: tuple[str, ...], value: str
) -> None:
    summary = example("dementia-dnacpr")
    target = summary
    for key in field[:-1]:
        target = target[key]
    target[field[-1]] = value
    answer = await api.post(route, json=summary, headers=FHIR_JSON)
    assert answer.status_code == 422, answer.text
    issues = answer.json()["issue"]
    assert [i["location"][0] for i in issues] == ["$." + ".".join(field)]
    if "birthDate" in field:
        assert value not in answer.text  # personal data is never echoed (H9)
