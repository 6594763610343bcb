"""What happens on the journey, as plain records: the events that move it and the notices it sends.

An event comes from a hospital (HL7 v2 ADT, a FHIR Encounter change, a call to the events API) or from
the care home (the 48-hour visit); every source maps what it receives to a :class:`PathwayEvent`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from adapter.errors import ContractError, InputError, Violation
from adapter.redbag.identifiers import nhs_number_is_valid


class EventKind(StrEnum):
    """What an event says happened."""

    ADMITTED = "admitted"  # A01; an Encounter in progress
    TRANSFERRED = "transferred"  # A02: moved to another ward or bed
    UPDATED = "updated"  # A08: details changed (location, expected discharge, GP)
    ADMISSION_CANCELLED = "admission-cancelled"  # A11
    DISCHARGE_PLANNED = "discharge-planned"  # an expected discharge date (PV2-9), or said through the API
    DISCHARGED = "discharged"  # A03; an Encounter finished
    DISCHARGE_CANCELLED = "discharge-cancelled"  # A13
    RED_BAG_RECEIVED = "red-bag-received"  # the hospital has the bag
    VISITED = "visited"  # the care home's 48-hour visit took place
    RED_BAG_RETURNED = "red-bag-returned"  # the return journey (discharge summary, belongings) was sent


class NoticeKind(StrEnum):
    """What subscribers are told (the code of a notification, ``pathway-event``)."""

    ADMITTED = "admitted"
    ADMISSION_CANCELLED = "admission-cancelled"
    RED_BAG_RECEIVED = "red-bag-received"
    VISIT_DUE = "visit-due"
    VISITED = "visited"
    VISIT_OVERDUE = "visit-overdue"
    DISCHARGE_PLANNED = "discharge-planned"
    DISCHARGE_READY = "discharge-ready"  # the Discharge Ready Date and the readiness checklist
    DISCHARGED = "discharged"
    DISCHARGE_CANCELLED = "discharge-cancelled"
    RED_BAG_RETURNED = "red-bag-returned"


@dataclass(frozen=True, slots=True)
class Visitor:
    """Who made the 48-hour visit, and what they noted."""

    name: str
    role: str | None = None
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class PathwayEvent:
    """One event about one resident, identified by NHS number only (hazard H3).

    ``hospital`` is the ODS code (or configured name) of the organisation that reported it and
    ``encounter`` its own id for the hospital stay (PV1-19, the FHIR Encounter's id): together they tell
    one stay from another. Times are ISO 8601 with their UTC offset.
    """

    kind: EventKind
    nhs_number: str
    occurred_at: str
    source: str  # hl7v2, fhir, api
    hospital: str | None = None
    encounter: str | None = None
    admit_source: str | None = None  # UK Core SourceOfAdmissionEngland code
    discharge_destination: str | None = None  # UK Core DischargeDestinationEngland code
    location: str | None = None  # ward / bed, as the hospital names it
    patient_class: str | None = None  # HL7 PV1-2 (E emergency, I inpatient), when known
    planned_discharge: str | None = None
    gp: str | None = None  # the registered GP practice's ODS code (PD1-3), when the source says
    visitor: Visitor | None = None
    belongings_missing: int | None = None
    warnings: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """The event as JSON-ready data (empty fields left out)."""
        data: dict[str, Any] = {}
        for name in _EVENT_FIELDS:
            value = getattr(self, name)
            if value is None or value == ():
                continue
            if isinstance(value, Visitor):
                value = {k: v for k, v in asdict(value).items() if v is not None}
            data[name] = list(value) if isinstance(value, tuple) else value
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PathwayEvent:
        """Read an event written by :meth:`to_json`."""
        visitor = data.get("visitor")
        return cls(
            **{
                **data,
                "kind": EventKind(data["kind"]),
                "visitor": Visitor(**visitor) if visitor else None,
                "warnings": tuple(data.get("warnings", ())),
            }
        )


class Outcome(StrEnum):
    """What became of an event once stored."""

    APPLIED = "applied"  # it moved a journey (or started one)
    UNCHANGED = "unchanged"  # matched a journey, which it did not change (a repeat in other words)
    UNMATCHED = "unmatched"  # stored; no journey of this resident to apply it to
    REPEATED = "repeated"  # the same message again (same key, same content): not applied twice
    CONFLICT = "conflict"  # the key was used before for different content: refused


@dataclass(frozen=True, slots=True)
class Incoming:
    """An event as a source hands it over: ``key`` identifies the message at its source (HL7 MSH-3/4/10,
    a notification's event number, an API event id) and ``digest`` its content, to tell a repeat from a
    reuse of the key."""

    key: str
    digest: str
    event: PathwayEvent


@dataclass(frozen=True, slots=True)
class Recorded:
    """What storing an :class:`Incoming` did (it is durable once this exists)."""

    outcome: Outcome
    journey_id: str | None = None
    note: str | None = None


_EVENT_FIELDS = tuple(PathwayEvent.__dataclass_fields__)


@dataclass(frozen=True, slots=True)
class Notice:
    """Something subscribers must hear about one journey (delivered as one notification each)."""

    kind: NoticeKind
    at: str  # when it happened (ISO 8601)


class ResidentMismatchError(InputError):
    """An event names a stay (or journey) that belongs to another resident: never applied (hazard H3)."""

    code = "resident-mismatch"


def parse_instant(value: str, where: str) -> datetime:
    """An ISO 8601 date-time with its UTC offset; InputError naming ``where`` otherwise."""
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise InputError(f"{where}: {value!r} is not an ISO 8601 date-time") from None
    if parsed.tzinfo is None:
        raise InputError(f"{where}: {value!r} has no UTC offset")
    return parsed


def check_event(event: PathwayEvent) -> None:
    """Refuse (ContractError) an event no journey can take: a bad NHS number, a time without offset."""
    problems = []
    if not nhs_number_is_valid(event.nhs_number):
        problems.append(Violation("nhsNumber", "is not a valid NHS number (modulus 11)", "nhs-number"))
    for name in ("occurred_at", "planned_discharge"):
        value = getattr(event, name)
        if value is not None:
            try:
                parse_instant(value, name)
            except InputError as exc:
                problems.append(Violation(name, str(exc).split(": ", 1)[1], "date-time"))
    if event.kind is EventKind.VISITED and event.visitor is None:
        problems.append(Violation("visitor", "a visit needs who made it", "visit"))
    if problems:
        raise ContractError(problems, "event")
