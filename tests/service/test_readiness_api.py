"""Getting residents home through the service: a care home publishes what it can manage (and its red bags
carry it), a hospital records the Discharge Ready Date and what the resident needs and gets the checklist
back, bad input is refused naming the field, and the delay is recorded when the red bag comes back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapter.config import ApiKey
from adapter.service.auth import sha256_hash
from tests.events.helpers import ALL_CALLERS, key, unique_ods
from tests.service.conftest import AppClient
from tests.service.helpers import example, make_settings, unique_resident

pytestmark = pytest.mark.anyio
Json = dict[str, Any]


@pytest.fixture
async def api(app_client: AppClient, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The app in-process with every caller: senders, a hospital system (events) and subscribers."""
    keys = tuple(ApiKey(c, sha256_hash(k), scopes) for c, (k, scopes) in ALL_CALLERS.items())
    async with app_client(replace(make_settings(tmp_path), api_keys=keys)) as client:
        yield client


def _named(answer: httpx.Response) -> list[str]:
    """The JSON paths a 422 OperationOutcome names."""
    assert answer.status_code == 422, answer.text
    return [i["diagnostics"].split(":")[0] for i in answer.json()["issue"]]


def _home(ods: str) -> Json:
    summary = unique_resident(example("return-journey"))
    summary["careHome"]["odsCode"] = ods
    return summary


async def _send(api: httpx.AsyncClient, summary: Json) -> str:
    sent = await api.post("/transfers", json=summary, headers=key("care-home"))
    assert sent.status_code == 202, sent.text
    return str(sent.json()["id"])


async def test_a_care_home_publishes_what_it_can_manage(api: httpx.AsyncClient) -> None:
    ods = unique_ods()
    block = example("care-home-capabilities.json")
    put = await api.put(f"/care-homes/{ods}/capabilities", json=block, headers=key("care-home"))
    assert put.status_code == 200, put.text
    assert put.json()["capabilities"] == block
    service = put.json()["healthcareService"]
    assert service["resourceType"] == "HealthcareService" and service["identifier"][0]["value"] == ods
    read = await api.get(f"/care-homes/{ods}/capabilities", headers=key("hospital"))
    assert read.status_code == 200 and read.json()["capabilities"] == block
    assert (await api.get(f"/care-homes/{unique_ods()}/capabilities", headers=key("gp"))).status_code == 404
    assert (
        await api.put(f"/care-homes/{ods}/capabilities", json=block, headers=key("gp"))
    ).status_code == 403
    bad = {
        "care": ["bowel-care", "flying"],
        "returns": [{"days": ["mon"], "from": "18:00", "until": "08:00"}],
    }
    answer = await api.put(f"/care-homes/{ods}/capabilities", json=bad, headers=key("care-home"))
    assert _named(answer) == ["$.care[1]"]
    bad = {"returns": [{"days": ["mon"], "from": "18:00", "until": "08:00"}]}
    answer = await api.put(f"/care-homes/{ods}/capabilities", json=bad, headers=key("care-home"))
    assert _named(answer) == ["$.returns[0].until"]


async def test_a_red_bag_carries_what_its_home_published(api: httpx.AsyncClient) -> None:
    ods = unique_ods()
    block = {"care": ["dementia-care"], "equipment": [], "confirmedOn": "2025-03-01"}
    await api.put(f"/care-homes/{ods}/capabilities", json=block, headers=key("care-home"))
    summary = _home(ods)
    del summary["careHome"]["capabilities"]
    transfer = await _send(api, summary)
    page = (await api.get(f"/transfers/{transfer}/view", headers=key("care-home"))).text
    manage = page[page.index('id="h-can-manage"') :]
    assert "<dt>Care we give</dt><dd>Dementia care</dd>" in manage
    assert "<dt>Equipment we have</dt><dd>None of these</dd>" in manage
    # The same summary sent again is the same transfer, whatever the home has published since.
    await api.put(f"/care-homes/{ods}/capabilities", json={"care": []}, headers=key("care-home"))
    again = await api.post("/transfers", json=summary, headers=key("care-home"))
    assert again.status_code == 202 and again.json()["id"] == transfer
    assert again.headers.get("Idempotent-Replayed") == "true"


async def test_readiness_is_recorded_matched_and_retrievable_per_transfer(api: httpx.AsyncClient) -> None:
    transfer = await _send(api, _home(unique_ods()))
    answer = await api.put(
        f"/transfers/{transfer}/readiness",
        json=example("return-journey.readiness.json"),
        headers=key("hospital"),
    )
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert (found["dischargeReadyDate"], found["readySource"], found["notPossible"]) == (
        "2025-04-02",
        "api",
        1,
    )
    outcomes = [
        (i["need"].get("code") or i["need"]["kind"], i["outcome"], i["owner"])
        for i in found["readiness"]["checklist"]
    ]
    assert outcomes == [
        ("bowel-care", "met-by-home", "home"),
        ("profiling-bed", "met-by-home", "home"),
        ("oxygen-therapy", "not-possible", "hospital"),
        ("medicines", "home-action", "home"),
        ("transport", "home-action", "home"),
        ("follow-up", "hospital-action", "hospital"),
        ("return", "met-by-home", "home"),
    ]
    assert [t["status"] for t in found["tasks"]].count("completed") == 3
    assert found["readiness"]["capabilitiesFrom"] == "red bag" and found["discharge"] is None
    for caller in ("care-home", "hospital", "gp", "auditor"):
        read = await api.get(f"/transfers/{transfer}/readiness", headers=key(caller))
        assert read.status_code == 200 and read.json()["tasks"] == found["tasks"], caller
    assert (await api.get(f"/transfers/{transfer}/readiness", headers=key("ehr-b"))).status_code == 404


async def test_bad_readiness_is_refused_naming_the_field(api: httpx.AsyncClient) -> None:
    transfer = await _send(api, _home(unique_ods()))
    good = example("return-journey.readiness.json")

    async def put(body: Json, who: str = "hospital", where: str = transfer) -> httpx.Response:
        return await api.put(f"/transfers/{where}/readiness", json=body, headers=key(who))

    assert _named(await put({k: v for k, v in good.items() if k != "dischargeReadyDate"})) == [
        "$.dischargeReadyDate"
    ]
    assert _named(await put({**good, "dischargeReadyDate": "2025-02-30"})) == ["$.dischargeReadyDate"]
    assert _named(await put({**good, "dischargeReadyDate": "2025-03-01"})) == ["$.dischargeReadyDate"]
    needs = [
        {"kind": "care"},
        {"kind": "transport", "code": "hoist"},
        {"kind": "equipment", "code": "bowel-care"},
    ]
    assert _named(await put({**good, "needs": needs})) == [
        "$.needs[0].code",
        "$.needs[1].code",
        "$.needs[2].code",
    ]
    assert _named(await put({**good, "needs": [{"kind": "medicines", "dueBy": "2025-04"}]})) == [
        "$.needs[0].dueBy"
    ]
    late = {**good, "plannedReturnAt": "2025-04-01T10:00:00+01:00"}
    assert _named(await put(late)) == ["$.plannedReturnAt"]
    assert (await put(good, who="care-home")).status_code == 403
    assert (await put(good, where="00000000-0000-4000-8000-000000000000")).status_code == 404
    assert (await api.get(f"/transfers/{transfer}/readiness", headers=key("hospital"))).status_code == 404
    journey = "00000000-0000-4000-8000-000000000000"
    missing = await api.put(f"/journeys/{journey}/readiness", json=good, headers=key("hospital"))
    assert missing.status_code == 404


async def test_the_delay_is_recorded_when_the_red_bag_comes_back(api: httpx.AsyncClient) -> None:
    summary = _home(unique_ods())
    transfer = await _send(api, summary)
    await api.put(
        f"/transfers/{transfer}/readiness",
        json=example("return-journey.readiness.json"),
        headers=key("hospital"),
    )
    discharge = example("return-journey.discharge.json")
    del discharge["dischargeReadyDate"]  # the hospital's return does not say it: the recorded one is used
    discharge["bagNumber"] = summary["bagNumber"]
    discharge["dischargeDestination"]["odsCode"] = summary["careHome"]["odsCode"]
    back = await api.post(f"/transfers/{transfer}/return", json=discharge, headers=key("care-home"))
    assert back.status_code == 202, back.text
    found = (await api.get(f"/transfers/{transfer}/readiness", headers=key("hospital"))).json()
    assert found["discharge"] == {
        "dischargedAt": "2025-04-04T14:30:00+01:00",
        "dischargeDate": "2025-04-04",
        "delayDays": 2,
        "timing": "delayed",
    }
    assert found["readySource"] == "api"
    assert (
        await api.post(f"/transfers/{back.json()['id']}/readiness", json={}, headers=key("hospital"))
    ).status_code == 405
    refused = await api.put(
        f"/transfers/{back.json()['id']}/readiness",
        json=example("return-journey.readiness.json"),
        headers=key("hospital"),
    )
    assert refused.status_code == 409
    page = (await api.get(f"/transfers/{transfer}/view", headers=key("care-home"))).text
    assert "Discharge ready date: <strong>2 Apr 2025: discharged 2 days after it</strong>" in page


async def test_h25_the_published_list_comes_before_the_red_bags_copy(api: httpx.AsyncClient) -> None:
    ods = unique_ods()
    transfer = await _send(api, _home(ods))  # its red bag says the home gives bowel care
    await api.put(f"/care-homes/{ods}/capabilities", json={"care": []}, headers=key("care-home"))  # not now
    readiness = {"dischargeReadyDate": "2025-04-02", "needs": [{"kind": "care", "code": "bowel-care"}]}
    found = (
        await api.put(f"/transfers/{transfer}/readiness", json=readiness, headers=key("hospital"))
    ).json()
    assert found["readiness"]["capabilitiesFrom"] == "published"
    assert found["readiness"]["checklist"][0]["outcome"] == "not-possible"
