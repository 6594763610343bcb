"""A pathway played through the service's API from the examples: red bags sent (examples/*.summary.json),
hospital events, 48-hour visits, return journeys. Its measures were worked out by hand (EXPECTED).

  S1 return-journey: admitted, visited after 20 h (on time), discharged 4 Apr 14:30 (BST) = 5.53 days
     after it left; the example's return journey (a hearing aid missing, medicines retained; one medicine
     started, one stopped, one dose changed)
  S2 dementia-dnacpr: admitted, never visited, STILL IN HOSPITAL, ready to leave since 2 April 2026 (the
     hospital recorded its Discharge Ready Date)
  S3 insulin-parkinsons: red bag alone (no admission event), back 3.0 days later, glasses missing, the
     first medicine's dose changed
  S4 no-known-allergies: admitted, visited after 60 h (late), discharged 4.0 days after it left; back
     with the hearing aid retained
  S5 dnacpr-date-only: red bag alone, back 2.0 days later; S6: the same resident's next red bag 9 days
     after that discharge (a readmission), back 3.0 days later
  S7 an admission WITHOUT A RED BAG (a registered resident of VQ3W9): 5.0 days, no visit (missed)
  S8 local-id-only (no NHS number): red bag alone, back 1.0 day later

With ``events=False`` only the red bags and return journeys are sent (S7 and every event left out): what a
FHIR server holding red bags also knows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from tests.events.helpers import key
from tests.service.helpers import example, unique_nhs_number

HOURS = 3600


@dataclass
class Stay:
    """One stay of the scenario."""

    name: str
    summary: str  # example name
    admitted_after: float | None = None  # hours after departure (None: no admission event)
    visited_after: float | None = None  # hours after admission
    discharged_after: float | None = None  # hours after departure (the hospital's discharge event)
    returned_after: float | None = None  # hours after departure (the return journey's dischargedAt)
    belongings: dict[str, str] = field(default_factory=dict)  # kind -> status (first item of that kind)
    changes: tuple[str, ...] = ()  # changes to the first medicines, in order
    same_resident_as: str | None = None
    departed: str | None = None  # a new departure time (and createdAt 15 minutes before)


STAYS = [
    Stay(
        "S1",
        "return-journey",
        admitted_after=1,
        visited_after=20,
        discharged_after=132 + 40 / 60,
        returned_after=132 + 40 / 60,
    ),
    Stay("S2", "dementia-dnacpr", admitted_after=1),
    Stay(
        "S3",
        "insulin-parkinsons",
        returned_after=72,
        belongings={"glasses": "missing"},
        changes=("dose-changed",),
    ),
    Stay(
        "S4",
        "no-known-allergies",
        admitted_after=1,
        visited_after=60,
        discharged_after=96,
        returned_after=96,
        belongings={"hearing-aid": "retained"},
    ),
    Stay("S5", "dnacpr-date-only", returned_after=48),
    Stay("S6", "dnacpr-date-only", returned_after=72, same_resident_as="S5", departed="2025-11-25T16:20:00Z"),
    Stay("S8", "local-id-only", returned_after=24),
]
WITHOUT_RED_BAG = ("S7", "VQ3W9", "RZZ05", "2025-12-10T08:00:00+00:00", 120.0)

#: (measure, statistic, split) -> the figure overall, by hand, with events (threshold 1)
EXPECTED = {
    ("transfers", "stays", "all"): "8",
    ("transfers", "with-red-bag", "all"): "7",
    ("transfers", "without-red-bag", "all"): "1",
    ("transfers", "in-hospital", "all"): "1",  # S2
    ("length-of-stay", "stays", "with"): "6",
    ("length-of-stay", "mean-days", "with"): "3.1",  # (5.53 + 3 + 4 + 2 + 3 + 1) / 6
    ("length-of-stay", "mean-days", "without"): "5.0",
    ("length-of-stay", "mean-days", "all"): "3.4",  # 23.53 / 7
    ("visits", "due", "all"): "4",  # S1, S2, S4, S7
    ("visits", "on-time", "all"): "1",
    ("visits", "late", "all"): "1",
    ("visits", "missed", "all"): "2",
    ("ready-to-discharge", "stays", "all"): "1",  # S1
    ("ready-to-discharge", "mean-days", "all"): "2.0",
    ("ready-to-discharge", "on-ready-date", "all"): "0",
    ("ready-to-discharge", "waiting", "all"): "1",  # S2
    ("belongings", "returns", "all"): "6",
    ("belongings", "items", "all"): "39",
    ("belongings", "missing", "all"): "2",
    ("belongings", "retained", "all"): "2",
    ("belongings", "missing-per-100", "all"): "33.3",
    ("belongings", "missing-per-100", "hearing-aid"): "16.7",
    ("belongings", "retained-per-100", "hearing-aid"): "16.7",
    ("belongings", "missing-per-100", "dentures"): "0.0",
    ("medicines", "with-change", "all"): "2",
    ("medicines", "with-change-percent", "all"): "33.3",
    ("medicines", "started", "all"): "1",
    ("medicines", "dose-changed", "all"): "2",
    ("readmissions", "stays", "with"): "5",  # S1, S3, S4, S5, S6 (S8 has no NHS number)
    ("readmissions", "readmitted", "with"): "1",  # S5, by S6
    ("readmissions", "readmitted-percent", "all"): "16.7",
    ("readmissions", "stays", "without"): "1",
}


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _iso(moment: datetime) -> str:
    return moment.isoformat()


@dataclass
class Played:
    """What the scenario made: transfer ids and journey ids by stay, the NHS numbers used."""

    transfers: dict[str, str] = field(default_factory=dict)
    journeys: dict[str, str] = field(default_factory=dict)
    residents: dict[str, str | None] = field(default_factory=dict)
    summaries: dict[str, dict[str, Any]] = field(default_factory=dict)


def summary_of(stay: Stay, played: Played, run: str) -> dict[str, Any]:
    """The stay's red bag: the example, with a bag number and care-home code of this run (``run`` is
    appended: an ODS-shaped code no other run uses), the resident as the scenario says."""
    summary = example(stay.summary)
    summary["bagNumber"] = f"{summary['bagNumber']}-{run}{stay.name}"
    summary["careHome"]["odsCode"] += run
    nhs = summary["resident"].get("nhsNumber")
    if nhs is not None:
        nhs = played.residents[stay.same_resident_as] if stay.same_resident_as else unique_nhs_number()
        summary["resident"]["nhsNumber"] = nhs
    if stay.departed:
        departed = _instant(stay.departed)
        summary["transfer"]["departedAt"] = stay.departed
        summary["createdAt"] = _iso(departed - timedelta(minutes=15))
    played.residents[stay.name] = nhs
    return summary


def discharge_of(stay: Stay, summary: dict[str, Any]) -> dict[str, Any]:
    """The stay's return journey: every belonging returned but those the scenario names."""
    if stay.summary == "return-journey":
        back = example("return-journey.discharge.json")
        back["bagNumber"] = summary["bagNumber"]
        back["dischargeDestination"]["odsCode"] = summary["careHome"]["odsCode"]
        return back
    departed = _instant(summary["transfer"]["departedAt"])
    assert stay.returned_after is not None
    statuses = dict(stay.belongings)
    returned = []
    for item in summary.get("belongings") or []:
        status = statuses.pop(item["kind"], "returned")
        returned.append({"item": item["item"], "status": status})
    changes = [
        {"code": med["code"], "change": change, "reason": "scenario"}
        for med, change in zip(summary["medications"], stay.changes, strict=False)
    ]
    return {
        "bagNumber": summary["bagNumber"],
        "dischargedAt": _iso(departed + timedelta(hours=stay.returned_after)),
        "dischargeDestination": {
            "odsCode": summary["careHome"]["odsCode"],
            "name": summary["careHome"]["name"],
        },
        "dischargeSummary": "Back home; see the changes.",
        "medicationChanges": changes,
        "belongingsReturned": returned,
    }


def _event(
    client: httpx.Client, event_id: str, kind: str, nhs: str, at: datetime, hospital: str
) -> dict[str, Any]:
    answer = client.post(
        "/events",
        json={
            "eventId": event_id,
            "type": kind,
            "nhsNumber": nhs,
            "occurredAt": _iso(at),
            "hospital": hospital,
            "encounter": f"ENC-{event_id.split(':')[0]}",
        },
        headers=key("hospital"),
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _visit(client: httpx.Client, journey_id: str, at: datetime) -> None:
    answer = client.post(
        f"/journeys/{journey_id}/visit",
        json={"visitedBy": "Sam Carer", "role": "senior carer", "visitedAt": _iso(at)},
        headers=key("care-home"),
    )
    assert answer.status_code == 200, answer.text


def play(client: httpx.Client, *, events: bool = True, run: str = "") -> Played:
    """Send the scenario through the API (as the care home and the hospital)."""
    played = Played()
    for stay in STAYS:
        summary = summary_of(stay, played, run)
        played.summaries[stay.name] = summary
        sent = client.post("/transfers", json=summary, headers=key("care-home"))
        assert sent.status_code == 202, sent.text
        transfer_id = sent.json()["id"]
        played.transfers[stay.name] = transfer_id
        departed = _instant(summary["transfer"]["departedAt"])
        hospital = summary["transfer"]["destination"]["odsCode"]
        nhs = played.residents[stay.name]
        tag = f"{run}{stay.name}"
        if events and stay.admitted_after is not None and nhs is not None:
            admitted = departed + timedelta(hours=stay.admitted_after)
            journey = _event(client, f"{tag}:admit", "admitted", nhs, admitted, hospital)["journeyId"]
            played.journeys[stay.name] = journey
            if stay.visited_after is not None:
                _visit(client, journey, admitted + timedelta(hours=stay.visited_after))
            if stay.name == "S2":
                ready = example("return-journey.readiness.json")
                ready["dischargeReadyDate"] = "2026-04-02"
                ready["recordedAt"] = "2026-04-01T16:20:00+01:00"
                ready["plannedReturnAt"] = "2026-04-02T14:00:00+01:00"
                recorded = client.put(
                    f"/transfers/{transfer_id}/readiness", json=ready, headers=key("hospital")
                )
                assert recorded.status_code == 200, recorded.text
            if stay.discharged_after is not None:
                discharged = departed + timedelta(hours=stay.discharged_after)
                _event(client, f"{tag}:discharge", "discharged", nhs, discharged, hospital)
        if stay.returned_after is not None:
            back = client.post(
                f"/transfers/{transfer_id}/return", json=discharge_of(stay, summary), headers=key("care-home")
            )
            assert back.status_code == 202, back.text
    if events:
        name, home, hospital, admitted_at, hours = WITHOUT_RED_BAG
        nhs = unique_nhs_number()
        played.residents[name] = nhs
        registered = client.put(
            f"/registrations/{nhs}", json={"careHome": home + run}, headers=key("care-home")
        )
        assert registered.status_code == 204, registered.text
        admitted = _instant(admitted_at)
        journey = _event(client, f"{run}{name}:admit", "admitted", nhs, admitted, hospital)["journeyId"]
        played.journeys[name] = journey
        _event(
            client, f"{run}{name}:discharge", "discharged", nhs, admitted + timedelta(hours=hours), hospital
        )
    return played
