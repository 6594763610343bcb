"""Pathway events applied durably: each event is matched to a journey by NHS number only (hazard H3),
applied (:mod:`adapter.pathway`), and stored with the journey it moves and the notifications it queues,
in one transaction. A source acknowledges an event only once :meth:`EventDesk.record` has returned.

Matching, in order: the journey of the same hospital stay (the hospital's own id for it); for an
admission with no such journey, a new journey, which takes the resident's red bag when one was sent in
the last ``REDBAG_MATCH_HOURS`` and no other journey has it; for a journey without a red bag, a red bag
sent since is linked when the next event comes. The care home and GP come from the red bag, else from a
registration (``PUT /registrations/{nhsNumber}``), else from the resident's last red bag.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from adapter.config import Settings
from adapter.errors import RedbagError
from adapter.measures.facts import journey_facts
from adapter.pathway import (
    EventKind,
    Incoming,
    Journey,
    Notice,
    Outcome,
    Recorded,
    RedBag,
    Resident,
    ResidentMismatchError,
    Rules,
    Step,
    apply,
    begin,
    link_red_bag,
    mark_overdue,
)
from adapter.redbag.context import TransferContext
from adapter.service.fanout import queue_notices
from adapter.service.logmask import masked_logger
from adapter.store import JourneyRow, JourneyStore, JourneyTx, SentRedBag, Unit

log = masked_logger("adapter.service.event_desk")


@dataclass(frozen=True, slots=True)
class Targeted:
    """An event for one known journey (a visit, a return recorded through the API)."""

    incoming: Incoming
    journey_id: str


def journey_row(journey: Journey) -> JourneyRow:
    """The store's record of a journey."""
    visit = journey.visit
    return JourneyRow(
        id=journey.id,
        nhs_number=journey.nhs_number,
        hospital=journey.hospital,
        encounter=journey.encounter,
        transfer_id=journey.red_bag.transfer_id if journey.red_bag else None,
        stage=journey.stage.value,
        care_home=journey.care_home,
        gp=journey.gp,
        visit_status=visit.status.value if visit else None,
        visit_due_at=visit.due_epoch if visit else None,
        version=journey.version,
        state=orjson.dumps(journey.to_json()),
        facts=journey_facts(journey),
    )


def journey_of(row: JourneyRow) -> Journey:
    """A stored journey."""
    return Journey.from_json(orjson.loads(row.state))


def _red_bag(sent: SentRedBag) -> Resident:
    summary: dict[str, Any] = orjson.loads(sent.input)
    gp = (summary.get("resident") or {}).get("gp") or {}
    return Resident(
        red_bag=RedBag(sent.id, sent.bag_number, TransferContext(summary).encounter_id),
        care_home=summary["careHome"]["odsCode"],
        gp=gp.get("odsCode"),
    )


class EventDesk:
    """Applies events to journeys and queues their notifications, a batch per transaction."""

    def __init__(
        self, store: JourneyStore, settings: Settings, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.store = store
        self.rules = Rules(visit_hours=settings.pathway.visit_hours)
        self.match_seconds = settings.pathway.match_hours * 3600
        self.base = settings.pathway.public_url
        self._clock = clock
        #: Called inside the transaction after a journey that changed is saved (discharge readiness).
        self.after_save: Callable[[Unit, Step], None] | None = None

    def record(self, items: Sequence[Incoming | Targeted]) -> list[Recorded | Exception]:
        """Store and apply each item, in order, in one transaction; an item that fails is undone alone
        and its exception returned in its place (the others are committed)."""
        results: list[Recorded | Exception] = []
        with self.store.unit() as unit:
            for item in items:
                try:
                    with unit.savepoint():
                        results.append(self._record(unit, item))
                except (RedbagError, ValueError, KeyError) as exc:
                    results.append(exc)
        return results

    def record_one(self, item: Incoming | Targeted) -> Recorded:
        """Store and apply one item (its exception raised)."""
        result = self.record([item])[0]
        if isinstance(result, Exception):
            raise result
        return result

    # -- one event ------------------------------------------------------------------------------

    def _record(self, unit: Unit, item: Incoming | Targeted) -> Recorded:
        incoming = item.incoming if isinstance(item, Targeted) else item
        event = incoming.event
        seen = unit.journeys.seen(incoming.key)
        if seen is not None:
            digest, journey_id = seen
            if digest != incoming.digest:
                return Recorded(
                    Outcome.CONFLICT, journey_id, "this key was used before for different content"
                )
            return Recorded(Outcome.REPEATED, journey_id)
        row = self._match(unit.journeys, item)
        if row is None and event.kind is EventKind.ADMITTED:
            step = begin(event, self._resident(unit.journeys, event.nhs_number), self.rules)
        elif row is None:
            step = None
        else:
            journey = self._with_red_bag(unit.journeys, journey_of(row))
            step = apply(journey, event, self.rules)
            if journey.version != journey_of(row).version and not step.changed:
                step = Step(journey, step.notices, True, step.note)
        outcome = (
            Outcome.UNMATCHED if step is None else Outcome.APPLIED if step.changed else Outcome.UNCHANGED
        )
        journey_id = step.journey.id if step else None
        note = step.note if step else "no journey of this resident to apply it to"
        unit.journeys.record_event(
            source_key=incoming.key,
            digest=incoming.digest,
            source=event.source,
            kind=event.kind.value,
            nhs_number=event.nhs_number,
            journey_id=journey_id,
            outcome=outcome.value,
            note=note,
            event=orjson.dumps(event.to_json()),
        )
        if step is not None and step.changed:
            self._save(unit, step)
        return Recorded(outcome, journey_id, note)

    def _match(self, tx: JourneyTx, item: Incoming | Targeted) -> JourneyRow | None:
        event = item.incoming.event if isinstance(item, Targeted) else item.event
        if isinstance(item, Targeted):
            row = tx.journey(item.journey_id)
        elif event.hospital and event.encounter:
            row = tx.journey_of_stay(event.hospital, event.encounter)
        else:
            row = tx.latest_journey(event.nhs_number, event.hospital)
            if row is not None and event.kind is EventKind.ADMITTED and row.stage != "admitted":
                row = (
                    None  # a stay without the hospital's id: an admission after a finished stay is a new one
                )
        if row is not None and row.nhs_number != event.nhs_number:  # never another resident's stay (H3)
            raise ResidentMismatchError(
                "the hospital stay this event names belongs to another resident (another NHS number): "
                "not applied"
            )
        return row

    def _resident(self, tx: JourneyTx, nhs_number: str) -> Resident:
        """The red bag sent for this admission (if any), and the resident's care home and GP."""
        sent = tx.red_bags_sent(nhs_number, self._clock() - self.match_seconds)
        if sent:
            return _red_bag(sent[0])
        registered = tx.registration(nhs_number)
        if registered is not None:
            return Resident(care_home=registered[0], gp=registered[1])
        last = tx.last_red_bag(nhs_number)
        return Resident(care_home=_red_bag(last).care_home, gp=_red_bag(last).gp) if last else Resident()

    def _with_red_bag(self, tx: JourneyTx, journey: Journey) -> Journey:
        """The journey with a red bag sent after its admission was announced, when there is one."""
        if journey.red_bag is not None or not journey.open:
            return journey
        sent = tx.red_bags_sent(journey.nhs_number, self._clock() - self.match_seconds)
        return link_red_bag(journey, _red_bag(sent[0])) if sent else journey

    def _save(self, unit: Unit, step: Step) -> None:
        journey = step.journey
        unit.journeys.save_journey(journey_row(journey))
        if step.notices:
            self._notify(unit, journey, step.notices)
        if self.after_save is not None:
            self.after_save(unit, step)

    def _notify(self, unit: Unit, journey: Journey, notices: Sequence[Notice]) -> None:
        """Queue a notification per notice for every live subscription about this resident."""
        queue_notices(unit.notifications, self.base, journey, notices)

    # -- the 48-hour visit ------------------------------------------------------------------------

    def sweep_overdue(self, limit: int = 100) -> int:
        """Mark overdue every visit still due past its time (notifying); how many were marked."""
        now = self._clock()
        due = self.store.visits_due_by(now, limit)
        if not due:
            return 0
        marked = 0
        with self.store.unit() as unit:
            for candidate in due:
                row = unit.journeys.journey(candidate.id)  # read again under the write lock
                if row is None:
                    continue
                step = mark_overdue(journey_of(row), now)
                if step.changed:
                    self._save(unit, step)
                    marked += 1
        if marked:
            log.info("%d 48-hour visit(s) marked overdue", marked)
        return marked
