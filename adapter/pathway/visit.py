"""The 48-hour visit: a member of the care home's staff visits the resident in hospital within 48 hours
of admission (some areas allow 72: :class:`adapter.pathway.journey.Rules`). Due at admission, then
visited, or overdue once the time has passed; cancelled when the stay ends before it is made."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, timedelta
from enum import StrEnum
from typing import Any

from adapter.pathway.events import Visitor, parse_instant


class VisitStatus(StrEnum):
    """The visit Task's business status."""

    DUE = "due"
    VISITED = "visited"
    OVERDUE = "overdue"
    CANCELLED = "cancelled"  # the stay ended (discharge, admission cancelled) before the visit


@dataclass(frozen=True, slots=True)
class Visit:
    """The visit's state: due by ``due_at`` (UTC), made at ``visited_at`` by ``visitor``."""

    status: VisitStatus
    due_at: str
    due_epoch: float
    visited_at: str | None = None
    visitor: Visitor | None = None
    cancelled_because: str | None = None
    status_before_cancel: VisitStatus | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready data (empty fields left out)."""
        data: dict[str, Any] = {
            "status": self.status.value,
            "due_at": self.due_at,
            "due_epoch": self.due_epoch,
            "visited_at": self.visited_at,
            "visitor": {k: v for k, v in vars_of(self.visitor).items() if v is not None}
            if self.visitor
            else None,
            "cancelled_because": self.cancelled_because,
            "status_before_cancel": self.status_before_cancel,
        }
        return {k: v for k, v in data.items() if v is not None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Visit:
        """Read a visit written by :meth:`to_json`."""
        before = data.get("status_before_cancel")
        visitor = data.get("visitor")
        return cls(
            status=VisitStatus(data["status"]),
            due_at=data["due_at"],
            due_epoch=data["due_epoch"],
            visited_at=data.get("visited_at"),
            visitor=Visitor(**visitor) if visitor else None,
            cancelled_because=data.get("cancelled_because"),
            status_before_cancel=VisitStatus(before) if before else None,
        )


def vars_of(visitor: Visitor) -> dict[str, str | None]:
    """A visitor's fields."""
    return {"name": visitor.name, "role": visitor.role, "notes": visitor.notes}


def new_visit(admitted_at: str, hours: float) -> Visit:
    """A visit due ``hours`` after the admission."""
    due = parse_instant(admitted_at, "admitted_at").astimezone(UTC) + timedelta(hours=hours)
    return Visit(VisitStatus.DUE, due.isoformat(timespec="seconds"), due.timestamp())


def overdue_visit(visit: Visit, now: float) -> Visit:
    """The visit marked overdue when it is still due and ``now`` (epoch seconds) is past its time; the same
    object otherwise."""
    if visit.status is VisitStatus.DUE and now >= visit.due_epoch:
        return replace(visit, status=VisitStatus.OVERDUE)
    return visit


def record_visit(visit: Visit, at: str, visitor: Visitor) -> Visit:
    """The visit as made (late or not); a cancelled or already recorded visit stays as it is."""
    if visit.status not in (VisitStatus.DUE, VisitStatus.OVERDUE):
        return visit
    return replace(visit, status=VisitStatus.VISITED, visited_at=at, visitor=visitor)


def cancel_visit(visit: Visit, because: str) -> Visit:
    """A visit no longer needed (the stay ended first); one already made stays made."""
    if visit.status not in (VisitStatus.DUE, VisitStatus.OVERDUE):
        return visit
    return replace(
        visit, status=VisitStatus.CANCELLED, cancelled_because=because, status_before_cancel=visit.status
    )


def reopen_visit(visit: Visit) -> Visit:
    """A cancelled visit back as it was (the discharge or cancellation was itself taken back)."""
    if visit.status is not VisitStatus.CANCELLED or visit.status_before_cancel is None:
        return visit
    return replace(
        visit, status=visit.status_before_cancel, cancelled_because=None, status_before_cancel=None
    )
