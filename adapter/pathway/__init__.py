"""The Red Bag pathway as events and state: admissions, discharges, the 48-hour visit. No I/O.

>>> step = begin(admission, Resident(care_home="VAB12"))   # doctest: +SKIP
>>> step.notices                                          # doctest: +SKIP
(Notice(kind=<NoticeKind.ADMITTED: 'admitted'>, ...), Notice(kind=<NoticeKind.VISIT_DUE: 'visit-due'>, ...))

Sources (HL7 v2 ADT in :mod:`adapter.hl7v2`, FHIR Encounters and the API in the service) map what they
receive to :class:`PathwayEvent`; the service matches each event to a journey by NHS number, applies
it here, stores the result and hands the notices to :mod:`adapter.notify`.
"""

from __future__ import annotations

from adapter.pathway.events import (
    EventKind,
    Incoming,
    Notice,
    NoticeKind,
    Outcome,
    PathwayEvent,
    Recorded,
    ResidentMismatchError,
    Visitor,
    check_event,
)
from adapter.pathway.journey import (
    Journey,
    RedBag,
    Resident,
    Rules,
    Stage,
    Step,
    apply,
    begin,
    journey_id,
    link_red_bag,
    mark_overdue,
)
from adapter.pathway.visit import Visit, VisitStatus

__all__ = [
    "EventKind",
    "Incoming",
    "Journey",
    "Notice",
    "NoticeKind",
    "Outcome",
    "PathwayEvent",
    "Recorded",
    "RedBag",
    "Resident",
    "ResidentMismatchError",
    "Rules",
    "Stage",
    "Step",
    "Visit",
    "VisitStatus",
    "Visitor",
    "apply",
    "begin",
    "check_event",
    "journey_id",
    "link_red_bag",
    "mark_overdue",
]
