"""The live board's content: residents in hospital now, by care home (days in hospital, the 48-hour
visit, the Discharge Ready Date), and the belongings that did not come back with recent return journeys.

Personal data (names, NHS numbers, belongings): the board is served only to callers with a key
(:mod:`adapter.service.routers.board`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from adapter.measures.compute import date_of
from adapter.measures.facts import ENGLAND
from adapter.service.state import Service
from adapter.store.board_queries import open_stays, recent_returns
from adapter.store.measure_queries import group_names

DAY = 86400.0


@dataclass(frozen=True, slots=True)
class Settings:
    """What the board shows: red bags sent in the last ``sent_days`` that no admission event reached,
    returns of the last ``return_days``."""

    care_home: str | None = None
    sent_days: int = 14
    return_days: int = 14


@dataclass(frozen=True, slots=True)
class InHospital:
    """A resident in hospital now."""

    name: str
    nhs_number: str
    hospital: str
    since: str
    days: int
    visit: str  # visited, visited-late, due, overdue, none
    visit_text: str
    ready: str
    red_bag: str


@dataclass(frozen=True, slots=True)
class Returned:
    """A recent return journey with belongings missing or retained."""

    name: str
    nhs_number: str
    returned: str
    items: tuple[tuple[str, str, str], ...]  # (item, kind, status)


@dataclass
class Home:
    """One care home's part of the board."""

    code: str
    name: str
    residents: list[InHospital] = field(default_factory=list)
    returns: list[Returned] = field(default_factory=list)


def when(epoch: float | None) -> str:
    """A time as people in England read it: ``Tue 1 Apr, 11:50``."""
    if epoch is None:
        return "not recorded"
    return datetime.fromtimestamp(epoch, ENGLAND).strftime("%a %-d %b %Y, %H:%M")


def nhs_spaced(nhs_number: str | None) -> str:
    """An NHS number as it is written (3 3 4), or 'no NHS number'."""
    if not nhs_number:
        return "no NHS number"
    return f"{nhs_number[:3]} {nhs_number[3:6]} {nhs_number[6:]}"


def _name(summary: dict[str, Any] | None) -> str:
    if not summary:
        return "name not known here (no red bag)"
    name = (summary.get("resident") or {}).get("name") or {}
    given = name.get("preferred") or " ".join(name.get("given") or [])
    return " ".join(part for part in (given, name.get("family")) if part) or "name not recorded"


def _visit(row: dict[str, Any], now: float) -> tuple[str, str]:
    visit, due, visited = row["visit"], row["visit_due_at"], row["visited_at"]
    if visit is None:
        return "none", "No visit set (no admission event, or no care home known)"
    if visit == "visited":
        late = visited is not None and due is not None and visited > due
        return ("visited-late" if late else "visited"), f"Visited {when(visited)}{' (late)' if late else ''}"
    if visit == "due" and due is not None and due > now:
        return "due", f"Due by {when(due)}"
    return "overdue", f"OVERDUE: was due by {when(due)}"


class _Summaries:
    """The red bags' summaries, read once each."""

    def __init__(self, service: Service) -> None:
        self.outbox = service.require_outbox()
        self.seen: dict[str, dict[str, Any] | None] = {}

    def __call__(self, transfer_id: str | None) -> dict[str, Any] | None:
        if transfer_id is None:
            return None
        if transfer_id not in self.seen:
            payload = self.outbox.payload(transfer_id)
            self.seen[transfer_id] = orjson.loads(payload.input) if payload else None
        return self.seen[transfer_id]


def build_board(service: Service, settings: Settings) -> list[Home]:
    """The board's content now, care home by care home."""
    now = service.clock()
    db = service.require_outbox().db
    names = {r["code"]: r["name"] for r in group_names(db) if r["dimension"] == "care-home" and r["name"]}
    homes: dict[str, Home] = {}
    summary_of = _Summaries(service)

    def home(code: str | None) -> Home:
        key = code or ""
        if key not in homes:
            homes[key] = Home(key, names.get(key, key or "care home not known"))
        return homes[key]

    for row in open_stays(db, sent_since=now - settings.sent_days * DAY, care_home=settings.care_home):
        summary = summary_of(row["transfer_id"])
        visit, visit_text = _visit(row, now)
        started = row["started_at"]
        ready = row["ready_day"]
        bag = (summary or {}).get("bagNumber")
        home(row["care_home"]).residents.append(
            InHospital(
                name=_name(summary),
                nhs_number=nhs_spaced(row["resident"]),
                hospital=(summary or {}).get("transfer", {}).get("destination", {}).get("name")
                or row["hospital"]
                or "hospital not known",
                since=when(started),
                days=int((now - started) // DAY) if started is not None else 0,
                visit=visit,
                visit_text=visit_text,
                ready=date_of(int(ready)).strftime("%a %-d %b %Y") if ready is not None else "not recorded",
                red_bag=f"Red bag {bag}" if bag else "NO RED BAG",
            )
        )
    since = now - settings.return_days * DAY
    returns: dict[str, list[tuple[str, str, str]]] = {}
    returned_at: dict[str, tuple[str | None, str | None, float]] = {}
    for row in recent_returns(db, since=since, care_home=settings.care_home):
        summary = summary_of(row["transfer_id"])
        belongings = (summary or {}).get("belongings") or []
        position = int(row["position"])
        item = belongings[position]["item"] if position < len(belongings) else row["kind"]
        returns.setdefault(row["transfer_id"], []).append((item, row["kind"], row["status"]))
        returned_at[row["transfer_id"]] = (row["care_home"], row["resident"], row["returned_at"])
    for transfer_id, items in returns.items():
        care_home, resident, at = returned_at[transfer_id]
        home(care_home).returns.append(
            Returned(_name(summary_of(transfer_id)), nhs_spaced(resident), when(at), tuple(items))
        )
    return sorted(homes.values(), key=lambda h: (h.name.casefold(), h.code))


def updated_at(service: Service) -> str:
    """When the board was made, as shown on it."""
    return when(service.clock())
