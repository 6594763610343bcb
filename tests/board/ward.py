"""A ward's morning for the board: residents admitted recently, a visit due, one overdue, an admission
without a red bag, and a return journey yesterday with a hearing aid missing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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


def _red_bag(name: str, care_home: str, departed: datetime) -> dict[str, Any]:
    summary = example(name)
    summary["resident"]["nhsNumber"] = unique_nhs_number()
    summary["bagNumber"] = f"RB-{care_home}-{name[:4].upper()}"
    summary["careHome"]["odsCode"] = care_home
    summary["createdAt"] = (departed - timedelta(minutes=15)).isoformat()
    summary["transfer"]["departedAt"] = departed.isoformat()
    return summary


def _admit(client: httpx.Client, nhs: str, at: datetime, tag: str) -> str:
    answer = client.post(
        "/events",
        json={
            "eventId": f"board-{tag}-{nhs}",
            "type": "admitted",
            "nhsNumber": nhs,
            "occurredAt": at.isoformat(),
            "hospital": "RZZ01",
            "encounter": f"B-{tag}-{nhs}",
        },
        headers=key("hospital"),
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["journeyId"])


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
    discharge = example("return-journey.discharge.json")
    discharge["bagNumber"] = back["bagNumber"]
    discharge["dischargeDestination"]["odsCode"] = home
    discharge["dischargedAt"] = (now - timedelta(days=1)).isoformat()
    answer = client.post(f"/transfers/{sent['id']}/return", json=discharge, headers=key("care-home"))
    assert answer.status_code == 202, answer.text
    return Ward(home, overdue, due, nhs, back)
