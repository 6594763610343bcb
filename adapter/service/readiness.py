"""Discharge readiness in the service: recorded by the hospital (``PUT /transfers/{id}/readiness``, or an
A08 whose expected discharge date moves a stay's planned discharge), matched against what the care home can
manage, stored, and announced to the home, its GP practice and the resident's subscribers; and, when the
red bag comes back, the delay from the ready date to the discharge.

What the home can manage comes from what it published (``PUT /care-homes/{odsCode}/capabilities``, kept
current), else from its red bag; a checklist is never matched against nothing silently: without either,
every need is put to the home to confirm. The readiness row and its notifications are written in one
transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson

from adapter.config import Settings
from adapter.pathway import Journey, NoticeKind, Step
from adapter.pathway.events import Notice
from adapter.pathway.readiness import Readiness, readiness
from adapter.pathway.readiness_tasks import parties_of, readiness_tasks, stay_of
from adapter.redbag.discharge_delay import day_in_england, discharge_delay, readiness_extension
from adapter.service.fanout import queue_notices
from adapter.service.logmask import masked_logger
from adapter.store import JourneyStore, Unit
from adapter.store.readiness import ReadinessRow, ReadinessStore, ReadinessTx
from adapter.store.subscriptions import NotificationTx

Json = dict[str, Any]
log = masked_logger("adapter.service.readiness")


def tasks_of(row: ReadinessRow, summary: Json) -> list[Json]:
    """The checklist Tasks of a stored readiness."""
    if row.readiness is None:
        return []
    found = Readiness.from_json(orjson.loads(row.readiness))
    return readiness_tasks(parties_of(summary), found.items, found.recorded_at)


class ReadinessDesk:
    """Records readiness and delays, and announces readiness (one transaction each)."""

    def __init__(
        self,
        store: ReadinessStore,
        journeys: JourneyStore,
        settings: Settings,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.journeys = journeys
        self.base = settings.pathway.public_url
        self._clock = clock

    def _capabilities(self, tx: ReadinessTx, summary: Json) -> tuple[Json | None, str]:
        home = summary["careHome"]
        published = tx.published(home["odsCode"])
        if published is not None:
            block: Json = orjson.loads(published.capabilities)
            return block, "published"
        if home.get("capabilities") is not None:
            return home["capabilities"], "red bag"
        return None, "not stated"

    def _store(
        self,
        tx: ReadinessTx,
        notifications: NotificationTx,
        transfer_id: str,
        summary: Json,
        journey: Journey | None,
        found: Readiness,
    ) -> ReadinessRow:
        parties = parties_of(summary)
        row = ReadinessRow(
            transfer_id=transfer_id,
            journey_id=journey.id if journey else None,
            nhs_number=summary["resident"].get("nhsNumber"),
            care_home=parties.home[0],
            hospital=parties.hospital[0],
            ready_date=found.ready_date,
            ready_source=found.source,
            recorded_at=found.recorded_at,
            needs_recorded=found.needs is not None,
            not_possible=found.not_possible,
            readiness=orjson.dumps(found.to_json()),
        )
        tx.save_readiness(row)
        stay = journey or stay_of(transfer_id, summary)
        if stay is not None:
            queue_notices(
                notifications,
                self.base,
                stay,
                [Notice(NoticeKind.DISCHARGE_READY, found.recorded_at)],
                extra=readiness_tasks(parties, found.items, found.recorded_at),
                details=[
                    {"url": "dischargeReadyDate", "valueDate": found.ready_date},
                    {"url": "notPossible", "valueInteger": found.not_possible},
                ],
                encounter_extensions=[readiness_extension(found.ready_date)],
            )
        stored = tx.get(transfer_id)
        assert stored is not None
        return stored

    def record(self, transfer_id: str, summary: Json, data: Json) -> ReadinessRow:
        """Record a hospital's checked readiness (the contract's JSON) for a red bag, and announce it."""
        journey_row = self.journeys.journey_of_transfer(transfer_id)
        journey = Journey.from_json(orjson.loads(journey_row.state)) if journey_row else None
        recorded = data.get("recordedAt") or datetime.fromtimestamp(self._clock(), UTC).isoformat(
            timespec="seconds"
        )
        with self.store.unit() as unit:
            block, source = self._capabilities(unit.readiness, summary)
            found = readiness(
                ready_date=data["dischargeReadyDate"],
                recorded_at=recorded,
                source="api",
                needs=data["needs"],
                planned_return=data.get("plannedReturnAt"),
                capabilities_block=block,
                capabilities_from=source,
            )
            return self._store(unit.readiness, unit.notifications, transfer_id, summary, journey, found)

    def after_event(self, unit: Unit, step: Step) -> None:
        """Inside an event's transaction: a stay whose planned discharge (an A08's PV2-9) was just set or
        moved records that day as its red bag's Discharge Ready Date, keeps the needs already recorded,
        and announces the checklist."""
        journey = step.journey
        planned = journey.planned_discharge
        if planned is None or journey.red_bag is None:
            return
        if not any(n.kind is NoticeKind.DISCHARGE_PLANNED for n in step.notices):
            return
        tx = ReadinessTx(unit.journeys.tx, unit.journeys.now)
        transfer_id = journey.red_bag.transfer_id
        sent = tx.transfer_input(transfer_id)
        if sent is None:
            return
        summary: Json = orjson.loads(sent)
        ready_date = day_in_england(planned).isoformat()
        before = tx.get(transfer_id)
        earlier = Readiness.from_json(orjson.loads(before.readiness)) if before and before.readiness else None
        if earlier is not None and earlier.ready_date == ready_date:
            return
        block, source = self._capabilities(tx, summary)
        found = readiness(
            ready_date=ready_date,
            recorded_at=journey_event_time(step),
            source="hl7v2",
            needs=[n.to_json() for n in earlier.needs] if earlier and earlier.needs is not None else None,
            planned_return=None,
            capabilities_block=block,
            capabilities_from=source,
        )
        self._store(tx, unit.notifications, transfer_id, summary, journey, found)

    def record_discharge(
        self, transfer_id: str, summary: Json, discharge: Json, *, stated: bool
    ) -> ReadinessRow:
        """Record a red bag's discharge against its ready date (the discharge's own, when ``stated``, else
        the one recorded before): the day, the delay and the timing."""
        with self.store.unit() as unit:
            before = unit.readiness.get(transfer_id)
            ready = discharge.get("dischargeReadyDate") or (before.ready_date if before else None)
            delay = discharge_delay(ready, discharge["dischargedAt"])
            parties = parties_of(summary)
            unit.readiness.save_discharge(
                ReadinessRow(
                    transfer_id=transfer_id,
                    journey_id=None,
                    nhs_number=summary["resident"].get("nhsNumber"),
                    care_home=parties.home[0],
                    hospital=parties.hospital[0],
                    ready_date=ready if stated else None,
                    ready_source="discharge" if stated else None,
                    discharged_at=discharge["dischargedAt"],
                    discharge_date=delay.discharge_date,
                    delay_days=delay.days,
                    discharge_timing=delay.timing.value,
                )
            )
            stored = unit.readiness.get(transfer_id)
        assert stored is not None
        return stored


def journey_event_time(step: Step) -> str:
    """When the notice that moved the stay happened."""
    return next(n.at for n in step.notices if n.kind is NoticeKind.DISCHARGE_PLANNED)
