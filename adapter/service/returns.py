"""The return journey as a pathway event: once ``POST /transfers/{id}/return`` is accepted, the stay the red
bag went with hears that the red bag is coming back, and how many belongings are missing (the items that
went out and were not returned: missing, or with no return status, hazard H7)."""

from __future__ import annotations

import hashlib

import orjson

from adapter.pathway import EventKind, Incoming, PathwayEvent
from adapter.redbag.discharge import reconcile_belongings
from adapter.service.event_desk import Targeted
from adapter.service.logmask import masked_logger
from adapter.service.state import Service
from adapter.store import Transfer

log = masked_logger("adapter.service.returns")


def return_event(service: Service, returned: Transfer) -> Targeted | None:
    """The red-bag-returned event of an accepted return journey (None when no stay has its red bag)."""
    outbox = service.require_outbox()
    if returned.parent_id is None:
        return None
    journey = service.require_pathway().journeys.journey_of_transfer(returned.parent_id)
    outbound, back = outbox.payload(returned.parent_id), outbox.payload(returned.id)
    if journey is None or outbound is None or back is None or returned.nhs_number is None:
        return None
    discharge = orjson.loads(back.input)
    statuses, _ = reconcile_belongings(orjson.loads(outbound.input), discharge)
    event = PathwayEvent(
        kind=EventKind.RED_BAG_RETURNED,
        nhs_number=returned.nhs_number,
        occurred_at=discharge["dischargedAt"],
        source="api",
        belongings_missing=sum(1 for status in statuses.values() if status == "missing"),
    )
    digest = hashlib.sha256(back.input).hexdigest()
    return Targeted(Incoming(f"return|{returned.id}", digest, event), journey.id)


async def record_return(service: Service, location: str | None) -> None:
    """Tell the stay about an accepted return journey (``Location: /transfers/{id}``); a failure here is
    logged, never the caller's (the return itself is accepted and will be delivered)."""
    if not location:
        return
    try:
        returned = service.require_outbox().get(location.rsplit("/", 1)[-1])
        item = return_event(service, returned) if returned else None
        if item is not None:
            await service.require_pathway().record(item)
    except Exception:
        log.exception("the return journey %s could not be recorded on its stay", location)
