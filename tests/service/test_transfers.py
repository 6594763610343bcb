"""POST /transfers and friends, in-process (no delivery here; see test_delivery.py): 202 at once, the
outbox as the record, idempotency, callers kept apart, the return journey, validation before queueing."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapter.service.state import Service, ValidatorLike
from tests.service.conftest import AppClient
from tests.service.helpers import example, fresh_bag, headers, make_settings

pytestmark = pytest.mark.anyio
FHIR_JSON = {"Content-Type": "application/fhir+json"}


async def send(api: httpx.AsyncClient, summary: dict[str, Any], **extra: str) -> httpx.Response:
    return await api.post("/transfers", json=summary, headers={**FHIR_JSON, **extra})


async def test_a_transfer_is_accepted_at_once_and_can_be_followed(api: httpx.AsyncClient) -> None:
    answer = await send(api, example("dementia-dnacpr"))
    assert answer.status_code == 202, answer.text
    view = answer.json()
    assert answer.headers["location"] == f"/transfers/{view['id']}"
    assert (view["kind"], view["status"], view["attempts"], view["bagNumber"]) == (
        "transfer",
        "queued",
        0,
        "RB-VN4R7-0318",
    )
    assert view["links"] == {
        "self": answer.headers["location"],
        "return": f"{answer.headers['location']}/return",
        "view": f"{answer.headers['location']}/view",
    }
    followed = await api.get(answer.headers["location"])
    assert followed.status_code == 200
    assert followed.json() == view
    assert "nhsNumber" not in followed.text


async def test_the_same_idempotency_key_gives_the_same_transfer(api: httpx.AsyncClient) -> None:
    summary = example("dementia-dnacpr")
    first = await send(api, summary, **{"Idempotency-Key": "key-1"})
    again = await send(api, summary, **{"Idempotency-Key": "key-1"})
    assert again.status_code == 202
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    reused = await send(api, fresh_bag(summary, 1), **{"Idempotency-Key": "key-1"})
    assert reused.status_code == 422
    assert "Idempotency-Key was already used" in reused.json()["issue"][0]["diagnostics"]
    assert (await api.get("/transfers")).json()["count"] == 1


async def test_the_same_bag_and_created_at_is_never_a_second_transfer(api: httpx.AsyncClient) -> None:
    summary = example("insulin-parkinsons")
    first = await send(api, summary)
    again = await send(api, summary, **{"Idempotency-Key": "another-key"})
    assert again.headers["location"] == first.headers["location"]
    corrected = copy.deepcopy(summary)
    corrected["baseline"]["mobility"] = "Walks with a frame since last week"
    conflict = await send(api, corrected)
    assert conflict.status_code == 409
    assert conflict.json()["issue"][0]["code"] == "duplicate"
    assert "new createdAt" in conflict.json()["issue"][0]["diagnostics"]
    assert (await send(api, fresh_bag(corrected, 2))).status_code == 202


async def test_a_summary_breaking_the_contract_queues_nothing(api: httpx.AsyncClient) -> None:
    summary = example("dementia-dnacpr")
    summary["transfer"]["departedAt"] = "2025-02-29T08:10:00+00:00"  # 2025 is not a leap year
    answer = await send(api, summary)
    assert answer.status_code == 422
    assert answer.json()["issue"][0]["location"] == ["$.transfer.departedAt"]
    assert (await api.get("/transfers")).json()["count"] == 0


async def test_transfers_are_listed_by_status_and_kept_per_caller(api: httpx.AsyncClient) -> None:
    mine = [(await send(api, fresh_bag(example("dementia-dnacpr"), n))).json()["id"] for n in range(3)]
    theirs = await send(api, example("no-known-allergies"), **headers("ehr-b"))
    listed = (await api.get("/transfers", params={"status": "queued"})).json()
    assert [t["id"] for t in listed["transfers"]] == mine[::-1]
    assert (await api.get("/transfers", params={"status": "delivered"})).json()["count"] == 0
    assert (await api.get("/transfers", params={"limit": 1, "offset": 1})).json()["transfers"][0][
        "id"
    ] == mine[1]
    # another caller's transfer is invisible (404, not 403: its existence is not revealed) ...
    assert (await api.get(theirs.headers["location"])).status_code == 404
    # ... except to an auditor
    every = (await api.get("/transfers", headers=headers("auditor"))).json()
    assert every["count"] == 4
    assert (await api.get(theirs.headers["location"], headers=headers("auditor"))).status_code == 200


async def test_a_transfer_needs_a_fhir_server(app_client: AppClient, tmp_path: Path) -> None:
    async with app_client(make_settings(tmp_path, fhir_server=None)) as api:
        answer = await send(api, example("dementia-dnacpr"))
    assert answer.status_code == 503
    assert "REDBAG_FHIR_SERVER" in answer.json()["issue"][0]["diagnostics"]


async def test_the_return_journey_is_a_transfer_of_its_own(api: httpx.AsyncClient) -> None:
    out = await send(api, example("return-journey"))
    discharge = example("return-journey.discharge.json")
    back = await api.post(f"{out.headers['location']}/return", json=discharge, headers=FHIR_JSON)
    assert back.status_code == 202, back.text
    view = back.json()
    assert (view["kind"], view["returnOf"], view["bagNumber"]) == (
        "return",
        out.json()["id"],
        "RB-VR8D2-0456",
    )
    assert view["links"]["return"] is None
    assert (await api.get(out.headers["location"])).json()["returns"] == [view["id"]]
    again = await api.post(f"{out.headers['location']}/return", json=discharge, headers=FHIR_JSON)
    assert again.headers["location"] == back.headers["location"]
    # a return journey answers an outbound transfer, not another return
    nested = await api.post(f"{back.headers['location']}/return", json=discharge, headers=FHIR_JSON)
    assert nested.status_code == 409


async def test_a_return_is_checked_against_the_bag_that_went_out(api: httpx.AsyncClient) -> None:
    out = await send(api, example("return-journey"))
    discharge = example("return-journey.discharge.json")
    discharge["belongingsReturned"].append({"item": "Gold watch", "status": "returned"})
    answer = await api.post(f"{out.headers['location']}/return", json=discharge, headers=FHIR_JSON)
    assert answer.status_code == 422
    assert "did not go out in this bag" in answer.text
    other = await api.post(
        f"{out.headers['location']}/return",
        json=example("return-journey.discharge.json"),
        headers={**FHIR_JSON, **headers("ehr-b")},
    )
    assert other.status_code == 404  # not ehr-b's transfer


async def test_the_printable_red_bag_is_served(api: httpx.AsyncClient) -> None:
    out = await send(api, example("return-journey"))
    page = await api.get(out.json()["links"]["view"])
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "RB-VR8D2-0456" in page.text


async def test_the_printable_red_bag_says_its_gaps(api: httpx.AsyncClient) -> None:
    """A summary without its time-critical last dose or its decision date travels, and the web view says
    so beside the item and in the first page's box (hazards H2, H4)."""
    summary = example("insulin-parkinsons")
    del summary["medications"][0]["lastDoseGiven"], summary["resuscitation"]["recordedAt"]
    out = await send(api, summary)
    assert out.status_code == 202, out.text
    page = (await api.get(out.json()["links"]["view"])).text
    ask = "ask Beechcroft Court Care Home on 0113 496 0481"
    assert f"NOT RECORDED in this red bag: {ask}" in page
    assert f"Last dose given: NOT RECORDED, {ask}" in page
    assert f"Date of decision: NOT RECORDED, {ask}" in page


class FlaggingValidator:
    """Fault injection: the real validator, plus one error on every red bag."""

    def __init__(self, real: ValidatorLike) -> None:
        self.real = real

    def validate(self, source: Any, profile: Any = None) -> dict[str, Any]:
        outcome = self.real.validate(source, profile)
        injected = {
            "severity": "error",
            "code": "invariant",
            "diagnostics": "injected: cmp-1 failed",
            "expression": ["Bundle.entry[0].resource"],
        }
        return {**outcome, "issue": [*outcome["issue"], injected]}


async def test_red_bag_fhir_that_fails_validation_is_not_queued(
    app_client: AppClient, tmp_path: Path, validator: ValidatorLike
) -> None:
    settings = make_settings(tmp_path, validate_transfers=True)
    service = Service(settings, validator_factory=lambda: FlaggingValidator(validator))
    async with app_client(settings, service) as api:
        answer = await send(api, example("dementia-dnacpr"))
        assert answer.status_code == 422
        issues = answer.json()["issue"]
        assert "not pass validation, so it was not queued" in issues[0]["diagnostics"]
        assert any(i["diagnostics"] == "injected: cmp-1 failed" for i in issues)
        assert (await api.get("/transfers")).json()["count"] == 0


async def test_an_example_red_bag_passes_the_real_validator_and_is_queued(
    app_client: AppClient, tmp_path: Path
) -> None:
    async with app_client(make_settings(tmp_path, validate_transfers=True)) as api:
        answer = await send(api, example("dementia-dnacpr"))
    assert answer.status_code == 202, [i["diagnostics"] for i in answer.json()["issue"]][:5]
