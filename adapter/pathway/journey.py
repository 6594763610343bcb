"""One resident's hospital stay as state, and how each event moves it: pure functions, no I/O.

``begin`` starts a journey from an admission; ``apply`` applies any later event and says what subscribers
must be told (:class:`Step`). Applying the same event twice changes nothing the second time, so a
repeated message or notification is harmless. The 48-hour visit lives in :mod:`adapter.pathway.visit`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from adapter.fhir.ids import stable_id
from adapter.pathway.events import EventKind, Notice, NoticeKind, PathwayEvent, Visitor
from adapter.pathway.visit import (
    Visit,
    VisitStatus,
    cancel_visit,
    new_visit,
    overdue_visit,
    record_visit,
    reopen_visit,
)


class Stage(StrEnum):
    """Where the resident is."""

    ADMITTED = "admitted"  # in hospital
    DISCHARGED = "discharged"  # left hospital
    CANCELLED = "cancelled"  # the admission was cancelled (entered in error)


@dataclass(frozen=True, slots=True)
class RedBag:
    """The red bag that went with the resident: the outbox transfer, its bag number, its FHIR Encounter."""

    transfer_id: str
    bag_number: str
    encounter_id: str


@dataclass(frozen=True, slots=True)
class Journey:
    """One hospital stay of one resident (matched by NHS number only, hazard H3)."""

    id: str
    nhs_number: str
    stage: Stage
    admitted_at: str
    hospital: str | None = None
    encounter: str | None = None
    red_bag: RedBag | None = None
    care_home: str | None = None  # ODS code
    gp: str | None = None  # ODS code
    admit_source: str | None = None
    discharge_destination: str | None = None
    location: str | None = None
    patient_class: str | None = None
    planned_discharge: str | None = None
    discharged_at: str | None = None
    red_bag_received_at: str | None = None
    returned_at: str | None = None
    belongings_missing: int | None = None
    visit: Visit | None = None
    version: int = 1

    @property
    def open(self) -> bool:
        """True while the resident is in hospital."""
        return self.stage is Stage.ADMITTED

    def to_json(self) -> dict[str, Any]:
        """JSON-ready data (empty fields left out)."""
        data: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, RedBag | Visit):
                value = value.to_json() if isinstance(value, Visit) else _fields(value)
            data[name] = value
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Journey:
        """Read a journey written by :meth:`to_json`."""
        red_bag, visit = data.get("red_bag"), data.get("visit")
        return cls(
            **{
                **data,
                "stage": Stage(data["stage"]),
                "red_bag": RedBag(**red_bag) if red_bag else None,
                "visit": Visit.from_json(visit) if visit else None,
            }
        )


def _fields(record: Any) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__dataclass_fields__}


@dataclass(frozen=True, slots=True)
class Step:
    """What an event did: the journey after it, what to tell subscribers, and why nothing changed."""

    journey: Journey
    notices: tuple[Notice, ...] = ()
    changed: bool = True
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Resident:
    """What is known of a resident besides the event: their red bag, care home and GP."""

    red_bag: RedBag | None = None
    care_home: str | None = None
    gp: str | None = None


@dataclass(frozen=True, slots=True)
class Rules:
    """The pathway's configurable rules."""

    visit_hours: float = 48.0


def journey_id(event: PathwayEvent) -> str:
    """A deterministic id for the stay an admission starts (the hospital's own id for it when known)."""
    if event.hospital and event.encounter:
        return stable_id("Journey", event.hospital, event.encounter)
    return stable_id("Journey", event.nhs_number, event.hospital or "", event.occurred_at)


def begin(event: PathwayEvent, resident: Resident, rules: Rules = Rules()) -> Step:
    """A new journey from an admission; admitted (with or without a red bag) and, when the care home is
    known, its 48-hour visit due."""
    if event.kind is not EventKind.ADMITTED:
        raise ValueError(f"a journey begins with an admission, not {event.kind}")
    care_home = resident.care_home
    journey = Journey(
        id=journey_id(event),
        nhs_number=event.nhs_number,
        stage=Stage.ADMITTED,
        admitted_at=event.occurred_at,
        hospital=event.hospital,
        encounter=event.encounter,
        red_bag=resident.red_bag,
        care_home=care_home,
        gp=event.gp or resident.gp,
        admit_source=event.admit_source,
        location=event.location,
        patient_class=event.patient_class,
        planned_discharge=event.planned_discharge,
        visit=new_visit(event.occurred_at, rules.visit_hours) if care_home else None,
    )
    notices = [Notice(NoticeKind.ADMITTED, event.occurred_at)]
    if journey.visit is not None:
        notices.append(Notice(NoticeKind.VISIT_DUE, event.occurred_at))
    return Step(journey, tuple(notices))


def apply(journey: Journey, event: PathwayEvent, rules: Rules = Rules()) -> Step:
    """The journey after ``event`` (which has been matched to it), and what subscribers must hear."""
    if event.nhs_number != journey.nhs_number:  # matching is the caller's; this is the last line (H3)
        raise ValueError("an event for another resident cannot be applied to this journey")
    handler = _HANDLERS[event.kind]
    step = handler(journey, event, rules)
    if step.changed:
        step = replace(step, journey=replace(step.journey, version=journey.version + 1))
    return step


def link_red_bag(journey: Journey, resident: Resident) -> Journey:
    """The journey with a red bag sent after the admission was announced (and the home and GP it names)."""
    return replace(
        journey,
        red_bag=resident.red_bag,
        care_home=journey.care_home or resident.care_home,
        gp=journey.gp or resident.gp,
        version=journey.version + 1,
    )


def mark_overdue(journey: Journey, now: float) -> Step:
    """The journey with its 48-hour visit overdue once ``now`` (epoch seconds) is past the due time."""
    if journey.visit is None or not journey.open:
        return _same(journey, "no visit due")
    visit = overdue_visit(journey.visit, now)
    if visit is journey.visit:
        return _same(journey, "the visit is not overdue")
    updated = replace(journey, visit=visit, version=journey.version + 1)
    return Step(updated, (Notice(NoticeKind.VISIT_OVERDUE, visit.due_at),))


def _same(journey: Journey, note: str) -> Step:
    return Step(journey, changed=False, note=note)


def _changed(journey: Journey, updated: Journey, *notices: Notice) -> Step:
    if updated == journey:
        return _same(journey, "nothing new")
    return Step(updated, tuple(notices))


def _details(journey: Journey, event: PathwayEvent) -> Journey:
    """The journey with whatever details the event carries."""
    return replace(
        journey,
        admit_source=event.admit_source or journey.admit_source,
        location=event.location or journey.location,
        patient_class=event.patient_class or journey.patient_class,
        gp=event.gp or journey.gp,
    )


def _admitted(journey: Journey, event: PathwayEvent, rules: Rules) -> Step:
    if journey.stage is Stage.DISCHARGED:
        # The hospital says the stay is in progress again: a discharge taken back (as A13 says).
        return _discharge_cancelled(journey, event, rules)
    if journey.stage is Stage.CANCELLED:
        visit = new_visit(event.occurred_at, rules.visit_hours) if journey.care_home else None
        readmitted = replace(
            _details(journey, event), stage=Stage.ADMITTED, admitted_at=event.occurred_at, visit=visit
        )
        notices = [Notice(NoticeKind.ADMITTED, event.occurred_at)]
        if visit is not None:
            notices.append(Notice(NoticeKind.VISIT_DUE, event.occurred_at))
        return Step(readmitted, tuple(notices))
    return _changed(journey, _details(journey, event))


def _updated(journey: Journey, event: PathwayEvent, rules: Rules) -> Step:
    updated = _details(journey, event)
    if event.planned_discharge and event.planned_discharge != journey.planned_discharge and journey.open:
        updated = replace(updated, planned_discharge=event.planned_discharge)
        return _changed(journey, updated, Notice(NoticeKind.DISCHARGE_PLANNED, event.occurred_at))
    return _changed(journey, updated)


def _discharge_planned(journey: Journey, event: PathwayEvent, rules: Rules) -> Step:
    if not journey.open:
        return _same(journey, f"the resident is not in hospital ({journey.stage})")
    if event.planned_discharge is None:
        return _same(journey, "no planned discharge date")
    return _updated(journey, event, rules)


def _discharged(journey: Journey, event: PathwayEvent, rules: Rules) -> Step:
    if journey.stage is Stage.CANCELLED:
        return _same(journey, "the admission was cancelled")
    if journey.stage is Stage.DISCHARGED:
        return _changed(
            journey,
            replace(
                journey, discharge_destination=event.discharge_destination or journey.discharge_destination
            ),
        )
    discharged = replace(
        _details(journey, event),
        stage=Stage.DISCHARGED,
        discharged_at=event.occurred_at,
        discharge_destination=event.discharge_destination,
        visit=cancel_visit(journey.visit, "discharged") if journey.visit else None,
    )
    return Step(discharged, (Notice(NoticeKind.DISCHARGED, event.occurred_at),))


def _discharge_cancelled(journey: Journey, event: PathwayEvent, rules: Rules) -> Step:
    if journey.stage is not Stage.DISCHARGED:
        return _same(journey, f"no discharge to cancel ({journey.stage})")
    back = replace(
        journey,
        stage=Stage.ADMITTED,
        discharged_at=None,
        discharge_destination=None,
        visit=reopen_visit(journey.visit) if journey.visit else None,
    )
    return Step(back, (Notice(NoticeKind.DISCHARGE_CANCELLED, event.occurred_at),))


def _admission_cancelled(journey: Journey, event: PathwayEvent, rules: Rules) -> Step:
    if journey.stage is Stage.CANCELLED:
        return _same(journey, "already cancelled")
    cancelled = replace(
        journey,
        stage=Stage.CANCELLED,
        discharged_at=None,
        visit=cancel_visit(journey.visit, "admission cancelled") if journey.visit else None,
    )
    return Step(cancelled, (Notice(NoticeKind.ADMISSION_CANCELLED, event.occurred_at),))


def _received(journey: Journey, event: PathwayEvent, rules: Rules) -> Step:
    if journey.red_bag_received_at is not None:
        return _same(journey, "the red bag was already received")
    if journey.red_bag is None:
        return _same(journey, "no red bag was sent for this stay")
    received = replace(journey, red_bag_received_at=event.occurred_at)
    return Step(received, (Notice(NoticeKind.RED_BAG_RECEIVED, event.occurred_at),))


def _visited(journey: Journey, event: PathwayEvent, rules: Rules) -> Step:
    if journey.visit is None:
        return _same(journey, "no 48-hour visit is set for this stay (no care home known)")
    visitor = event.visitor or Visitor("not recorded")
    visit = record_visit(journey.visit, event.occurred_at, visitor)
    if visit == journey.visit:
        return _same(journey, "the visit was already recorded")
    if visit.status is not VisitStatus.VISITED:
        return _same(journey, f"the visit is {visit.status}")
    return Step(replace(journey, visit=visit), (Notice(NoticeKind.VISITED, event.occurred_at),))


def _returned(journey: Journey, event: PathwayEvent, rules: Rules) -> Step:
    returned = replace(journey, returned_at=event.occurred_at, belongings_missing=event.belongings_missing)
    if returned == journey:
        return _same(journey, "the return was already recorded")
    return Step(returned, (Notice(NoticeKind.RED_BAG_RETURNED, event.occurred_at),))


_HANDLERS = {
    EventKind.ADMITTED: _admitted,
    EventKind.TRANSFERRED: _updated,
    EventKind.UPDATED: _updated,
    EventKind.DISCHARGE_PLANNED: _discharge_planned,
    EventKind.DISCHARGED: _discharged,
    EventKind.DISCHARGE_CANCELLED: _discharge_cancelled,
    EventKind.ADMISSION_CANCELLED: _admission_cancelled,
    EventKind.RED_BAG_RECEIVED: _received,
    EventKind.VISITED: _visited,
    EventKind.RED_BAG_RETURNED: _returned,
}
