"""A ward's morning for the board: residents admitted recently, a visit due, one overdue, an admission
without a red bag, and a return journey yesterday with a hearing aid missing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from tests.events.helpers import key, unique_ods
from tests.service.helpers import example, unique_nhs_number


@dataclass
class Ward:
    """What the board must show."""

    care_home: str
    overdue: dict[str, Any]  # admitted 3 days ago, never visited
    due: dict[str, Any]  # admitted 10 hours ago
    without_red_bag: str  # NHS number
    returned: dict[str, Any]  # back yesterday, hearing aid missing
    ready: date  # the overdue one's Discharge Ready Date (yesterday)


def _red_bag(name: str, care_home: str, departed: datetime) -> dict[str, Any]:
    summary = example(name)
    summary["resident"]["nhsNumber"] = unique_nhs_number()
    summary["bagNumber"] = f"RB-{care_home}-{name[:4].upper()}"
    summary["careHome"]["odsCode"] = care_home
    summary["createdAt"] = (departed - timedelta(minutes=15)).isoformat()
    summary["transfer"]["departedAt"] = departed.isoformat()
    return summary


def hospital_event(client: httpx.Client, kind: str, nhs: str, at: datetime, stay: str) -> str:
    """An event of the hospital (RZZ01) about the stay ``stay`` of the resident; the journey's id."""
    answer = client.post(
        "/events",
        json={
            "eventId": f"board-{kind}-{stay}-{nhs}",
            "type": kind,
            "nhsNumber": nhs,
            "occurredAt": at.isoformat(),
            "hospital": "RZZ01",
            "encounter": f"B-{stay}-{nhs}",
        },
        headers=key("hospital"),
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["journeyId"])


def _admit(client: httpx.Client, nhs: str, at: datetime, stay: str) -> str:
    return hospital_event(client, "admitted", nhs, at, stay)


def morning(client: httpx.Client) -> Ward:
    """Send the ward's morning through the API."""
    now = datetime.now(UTC).replace(microsecond=0)
    home = unique_ods()
    overdue = _red_bag("dementia-dnacpr", home, now - timedelta(days=3, hours=2))
    due = _red_bag("insulin-parkinsons", home, now - timedelta(hours=10))
    back = _red_bag("return-journey", home, now - timedelta(days=6))
    for summary in (overdue, due, back):
        assert client.post("/transfers", json=summary, headers=key("care-home")).status_code == 202
    _admit(client, overdue["resident"]["nhsNumber"], now - timedelta(days=3, hours=1), "overdue")
    _admit(client, due["resident"]["nhsNumber"], now - timedelta(hours=9), "due")
    nhs = unique_nhs_number()
    client.put(f"/registrations/{nhs}", json={"careHome": home}, headers=key("care-home"))
    _admit(client, nhs, now - timedelta(days=1), "nobag")
    transfers = client.get("/transfers", headers=key("care-home")).json()["transfers"]
    sent = next(t for t in transfers if t["bagNumber"] == back["bagNumber"])
    ready = example("return-journey.readiness.json")  # the hospital: the overdue one is ready since yesterday
    ready_date = (now - timedelta(days=1)).date()
    ready["dischargeReadyDate"] = ready_date.isoformat()
    ready["recordedAt"] = (now - timedelta(days=1)).isoformat()
    ready["plannedReturnAt"] = (now + timedelta(hours=4)).isoformat()
    overdue_id = next(t["id"] for t in transfers if t["bagNumber"] == overdue["bagNumber"])
    recorded = client.put(f"/transfers/{overdue_id}/readiness", json=ready, headers=key("hospital"))
    assert recorded.status_code == 200, recorded.text
    discharge = example("return-journey.discharge.json")
    discharge["bagNumber"] = back["bagNumber"]
    discharge["dischargeDestination"]["odsCode"] = home
    discharge["dischargedAt"] = (now - timedelta(days=1)).isoformat()
    discharge["dischargeReadyDate"] = (now - timedelta(days=2)).date().isoformat()
    answer = client.post(f"/transfers/{sent['id']}/return", json=discharge, headers=key("care-home"))
    assert answer.status_code == 202, answer.text
    return Ward(home, overdue, due, nhs, back, ready_date)
