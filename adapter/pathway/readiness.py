"""Discharge readiness: what the resident needs to go home, matched against what the care home can manage,
as a checklist. Pure functions, no I/O.

Each need becomes one item with an outcome, an owner (the care home or the hospital) and a due day:

==========  =====================================  ==========================================================
need        the home can (stated, listed)          the home cannot (stated, not listed) / not stated
==========  =====================================  ==========================================================
care        met by the home                        **not possible at this home** (hospital) / home confirms
equipment   met by the home                        hospital provides it / home confirms
medicines   home collects them (home action)       hospital sends them with the resident (either)
transport   home arranges it (home action)         hospital books it (either)
follow-up   hospital makes the referral            (always)
return      the ready day (and planned time) is    **not possible at this home** then (hospital) / home
            inside a window of ``returns``         confirms
==========  =====================================  ==========================================================

Only a capability the home has *stated and listed* makes an item "met by the home" (hazard H23): a list the
home has not stated never does, and :func:`shown_as_met_without_capability` checks every checklist again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Final

from adapter.errors import RedbagError
from adapter.redbag import capabilities
from adapter.redbag.discharge_delay import ENGLAND

Json = dict[str, Any]


class ItemOutcome(StrEnum):
    """Where a need stands (the checklist Task's business status)."""

    MET_BY_HOME = "met-by-home"
    HOME_ACTION = "home-action"
    HOSPITAL_ACTION = "hospital-action"
    NOT_POSSIBLE = "not-possible"


class Owner(StrEnum):
    """Who must act on an item (the Task's owner)."""

    HOME = "home"
    HOSPITAL = "hospital"


#: outcome -> (display, definition). The FSH CodeSystem says the same (a test compares them).
OUTCOMES: Final = {
    ItemOutcome.MET_BY_HOME: (
        "Met by the care home",
        "The care home has stated that it can meet this need: nothing stands in the way of the discharge.",
    ),
    ItemOutcome.HOME_ACTION: (
        "Needs action by the care home",
        "The care home must act (collect, arrange, or confirm what it has not stated) before the discharge.",
    ),
    ItemOutcome.HOSPITAL_ACTION: (
        "Needs action by the hospital",
        "The hospital must act (provide, send, book, refer) before the discharge.",
    ),
    ItemOutcome.NOT_POSSIBLE: (
        "Not possible at this care home",
        "The care home has stated that it cannot meet this need: the hospital must find another way, or "
        "another day, before the resident can go back there.",
    ),
}
#: need kind -> (display, definition); ``return`` is the checklist's own item, from the ready date.
NEED_KINDS: Final = {
    "care": ("Care", "Care the resident needs at the care home."),
    "equipment": ("Equipment", "Equipment the resident needs at the care home."),
    "medicines": ("Medicines to take home", "The medicines the resident takes home from hospital."),
    "transport": ("Transport home", "The journey from the hospital back to the care home."),
    "follow-up": (
        "Follow-up",
        "A referral or review after the discharge (community nurses, therapy, clinic).",
    ),
    "return": (
        "Return to the care home",
        "Whether the care home takes the resident back on the day (and at the time) of the discharge.",
    ),
}


@dataclass(frozen=True, slots=True)
class Need:
    """What the resident needs to go home (a need of the readiness contract)."""

    kind: str
    code: str | None = None
    detail: str | None = None
    due: str | None = None  # YYYY-MM-DD; the ready date otherwise

    @classmethod
    def from_json(cls, need: Json) -> Need:
        """A need of the readiness contract."""
        return cls(need["kind"], need.get("code"), need.get("detail"), need.get("dueBy"))

    def to_json(self) -> Json:
        """The need as the readiness contract writes it."""
        pairs = (("kind", self.kind), ("code", self.code), ("detail", self.detail), ("dueBy", self.due))
        return {k: v for k, v in pairs if v is not None}

    @property
    def name(self) -> str:
        """What is needed, as people read it."""
        if self.code is not None:
            return capabilities.display(self.code)
        return self.detail or NEED_KINDS[self.kind][0]


@dataclass(frozen=True, slots=True)
class Item:
    """One line of the checklist."""

    need: Need
    outcome: ItemOutcome
    owner: Owner
    due: str
    says: str  # what it means, or what to do, in words

    @classmethod
    def from_json(cls, data: Json) -> Item:
        """Read an item written by :meth:`to_json`."""
        return cls(
            Need.from_json(data["need"]),
            ItemOutcome(data["outcome"]),
            Owner(data["owner"]),
            data["due"],
            data["says"],
        )

    def to_json(self) -> Json:
        return {
            "need": self.need.to_json(),
            "outcome": self.outcome.value,
            "owner": self.owner.value,
            "due": self.due,
            "says": self.says,
        }


def _stated(block: Json | None, group: str) -> list[str] | None:
    """A list the home has stated (None when it has not)."""
    if block is None:
        return None
    listed = block.get(group)
    return list(listed) if isinstance(listed, list) else None


@dataclass(frozen=True)
class _Listed:
    """How a need the home states in one of its lists is judged: its words for each answer, and what
    becomes of it when the home has said it cannot (care elsewhere: not possible; equipment: the hospital
    provides it)."""

    group: str
    unstated: str
    met: str
    lacking: str
    lacking_outcome: ItemOutcome


_CARE = _Listed(
    "care",
    "the care home has not stated whether it gives this care; confirm by {due}",
    "the care home gives this care",
    "the care home has stated that it does not give this care; arrange it another way or agree another "
    "placement",
    ItemOutcome.NOT_POSSIBLE,
)
_EQUIPMENT = _Listed(
    "equipment",
    "the care home has not stated whether it has one; confirm by {due}",
    "the care home has one",
    "the care home has none; provide one (community equipment service) by {due}",
    ItemOutcome.HOSPITAL_ACTION,
)


def _listed(kind: _Listed, need: Need, block: Json | None, due: str) -> Item:
    """A need met by the home only when its list names it; never met when the list is not stated (H23)."""
    listed = _stated(block, kind.group)
    if listed is None:
        outcome, owner, words = ItemOutcome.HOME_ACTION, Owner.HOME, kind.unstated
    elif need.code in listed:
        outcome, owner, words = ItemOutcome.MET_BY_HOME, Owner.HOME, kind.met
    else:
        outcome, owner, words = kind.lacking_outcome, Owner.HOSPITAL, kind.lacking
    return Item(need, outcome, owner, due, f"{need.name}: {words.format(due=due)}")


def _care(need: Need, block: Json | None, due: str) -> Item:
    return _listed(_CARE, need, block, due)


def _equipment(need: Need, block: Json | None, due: str) -> Item:
    return _listed(_EQUIPMENT, need, block, due)


def _medicines(need: Need, block: Json | None, due: str) -> Item:
    if "collect-medicines" in (_stated(block, "discharge") or []):
        return Item(
            need,
            ItemOutcome.HOME_ACTION,
            Owner.HOME,
            due,
            f"Medicines to take home: the care home collects them from the hospital pharmacy on {due}",
        )
    return Item(
        need,
        ItemOutcome.HOSPITAL_ACTION,
        Owner.HOSPITAL,
        due,
        f"Medicines to take home: send them with the resident on {due}",
    )


def _transport(need: Need, block: Json | None, due: str) -> Item:
    if "arrange-transport" in (_stated(block, "discharge") or []):
        return Item(
            need,
            ItemOutcome.HOME_ACTION,
            Owner.HOME,
            due,
            f"Transport home: the care home arranges it for {due}",
        )
    return Item(need, ItemOutcome.HOSPITAL_ACTION, Owner.HOSPITAL, due, f"Transport home: book it for {due}")


def _follow_up(need: Need, block: Json | None, due: str) -> Item:
    return Item(
        need,
        ItemOutcome.HOSPITAL_ACTION,
        Owner.HOSPITAL,
        due,
        f"Follow-up: make the referral ({need.name}) by {due}",
    )


_MATCH = {
    "care": _care,
    "equipment": _equipment,
    "medicines": _medicines,
    "transport": _transport,
    "follow-up": _follow_up,
}


def _arrival(ready_date: str, planned: str | None) -> tuple[str, str | None]:
    """The day of the return (England) and its time of arrival, when planned."""
    if planned is None:
        return ready_date, None
    moment = datetime.fromisoformat(planned).astimezone(ENGLAND)
    return moment.date().isoformat(), moment.strftime("%H:%M")


def _day_words(day: str) -> str:
    return date.fromisoformat(day).strftime("%a %d %b %Y").replace(" 0", " ")


def _return(block: Json | None, ready_date: str, planned: str | None) -> Item:
    day, at = _arrival(ready_date, planned)
    when = _day_words(day) + (f" at {at}" if at else "")
    need = Need("return", detail=f"Back at the care home on {when}")
    windows = (block or {}).get("returns")
    if not windows:
        return Item(
            need,
            ItemOutcome.HOME_ACTION,
            Owner.HOME,
            day,
            f"Return on {when}: the care home has not stated when it takes residents back; confirm",
        )
    weekday = capabilities.DAYS[date.fromisoformat(day).weekday()]
    fits = [w for w in windows if weekday in w["days"] and (at is None or w["from"] <= at <= w["until"])]
    if fits:
        return Item(
            need,
            ItemOutcome.MET_BY_HOME,
            Owner.HOME,
            day,
            f"Return on {when}: the care home takes residents back then "
            f"({capabilities.window_text(fits[0])})",
        )
    accepted = "; ".join(capabilities.window_text(w) for w in windows)
    return Item(
        need,
        ItemOutcome.NOT_POSSIBLE,
        Owner.HOSPITAL,
        day,
        f"Return on {when}: the care home does not take residents back then (it does {accepted}); "
        "agree another day or time",
    )


def checklist(
    needs: Sequence[Need] | None,
    block: Json | None,
    ready_date: str,
    planned_return: str | None = None,
) -> list[Item]:
    """The checklist for ``needs`` (None: not recorded yet) against the home's capabilities ``block``
    (None: not stated), for a resident ready on ``ready_date`` (``YYYY-MM-DD``): one item per need, then
    the return."""
    items = [_MATCH[n.kind](n, block, n.due or ready_date) for n in needs or ()]
    items.append(_return(block, ready_date, planned_return))
    return items


def shown_as_met_without_capability(items: Sequence[Item], block: Json | None) -> list[str]:
    """Items shown as met by the home that the home's stated capabilities do not support (hazard H23):
    read again from the capabilities, not from how the items were made. Empty when none."""
    wrong = []
    for item in items:
        if item.outcome is not ItemOutcome.MET_BY_HOME:
            continue
        need = item.need
        if need.kind in ("care", "equipment"):
            supported = need.code is not None and need.code in (_stated(block, need.kind) or [])
        elif need.kind == "return":
            supported = bool((block or {}).get("returns")) and _return_fits(block or {}, item.due)
        else:
            supported = False  # medicines, transport and follow-up always need someone to act
        if not supported or item.owner is not Owner.HOME:
            wrong.append(f"{need.kind} {need.code or need.detail or ''}".strip())
    return wrong


def _return_fits(block: Json, day: str) -> bool:
    weekday = capabilities.DAYS[date.fromisoformat(day).weekday()]
    return any(weekday in w["days"] for w in block.get("returns") or [])


class ShownAsMetError(RedbagError):
    """A checklist shows a need as met that the home's stated capabilities do not support (hazard H23)."""

    code = "shown-as-met"


@dataclass(frozen=True, slots=True)
class Readiness:
    """A stay's discharge readiness: the Discharge Ready Date, what the resident needs (None: not recorded
    yet, as when only an A08's date has come), the capabilities matched (and where they came from: the
    home's ``published`` list, the ``red bag``, or ``not stated``) and the checklist."""

    ready_date: str
    recorded_at: str
    source: str  # api, hl7v2
    needs: tuple[Need, ...] | None
    planned_return: str | None
    capabilities: Json | None
    capabilities_from: str
    items: tuple[Item, ...]

    @property
    def not_possible(self) -> int:
        """How many needs cannot be met at this home."""
        return sum(1 for i in self.items if i.outcome is ItemOutcome.NOT_POSSIBLE)

    def to_json(self) -> Json:
        out: Json = {
            "dischargeReadyDate": self.ready_date,
            "recordedAt": self.recorded_at,
            "source": self.source,
            "needsRecorded": self.needs is not None,
            "plannedReturnAt": self.planned_return,
            "capabilitiesFrom": self.capabilities_from,
            "capabilities": self.capabilities,
            "checklist": [i.to_json() for i in self.items],
        }
        if self.needs is not None:
            out["needs"] = [n.to_json() for n in self.needs]
        return {k: v for k, v in out.items() if v is not None}

    @classmethod
    def from_json(cls, data: Json) -> Readiness:
        """Read a readiness written by :meth:`to_json`."""
        needs = data.get("needs") if data.get("needsRecorded") else None
        return cls(
            ready_date=data["dischargeReadyDate"],
            recorded_at=data["recordedAt"],
            source=data["source"],
            needs=tuple(Need.from_json(n) for n in needs) if needs is not None else None,
            planned_return=data.get("plannedReturnAt"),
            capabilities=data.get("capabilities"),
            capabilities_from=data["capabilitiesFrom"],
            items=tuple(Item.from_json(i) for i in data["checklist"]),
        )


def readiness(
    *,
    ready_date: str,
    recorded_at: str,
    source: str,
    needs: Sequence[Json] | None,
    planned_return: str | None,
    capabilities_block: Json | None,
    capabilities_from: str,
) -> Readiness:
    """The readiness and its checklist, checked against the capabilities once more (ShownAsMetError)."""
    wanted = tuple(Need.from_json(n) for n in needs) if needs is not None else None
    items = tuple(checklist(wanted, capabilities_block, ready_date, planned_return))
    wrong = shown_as_met_without_capability(items, capabilities_block)
    if wrong:
        raise ShownAsMetError(
            "the checklist shows as met what the care home has not stated it can do: " + "; ".join(wrong)
        )
    return Readiness(
        ready_date, recorded_at, source, wanted, planned_return, capabilities_block, capabilities_from, items
    )
