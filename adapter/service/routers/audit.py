"""The audit trail: who sent, read, viewed or pulled which resident's red bag, and when."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from adapter.service import auditing
from adapter.service.auth import Auditor
from adapter.service.deps import OutboxDep, RequestId, ServiceDep
from adapter.service.models import AuditEventView, AuditList
from adapter.service.negotiation import json_response
from adapter.service.openapi import AUTH_ERRORS, COMMON_ERRORS
from adapter.store import AuditQuery

router = APIRouter(tags=["audit"], responses=COMMON_ERRORS | AUTH_ERRORS, default_response_class=Response)


_INSTANT = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})?$"
)
Instant = Annotated[
    str | None, Query(pattern=_INSTANT, description="ISO 8601 date-time (UTC when it has no offset)")
]


def _epoch(name: str, value: str | None) -> float | None:
    """Epoch seconds of an ISO 8601 date-time; one without an offset is taken as UTC; 422 if impossible."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise HTTPException(422, f"query.{name}: {value!r} is not a date-time") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


Action = Literal[
    "send",
    "return",
    "read",
    "list",
    "view",
    "pull",
    "audit",
    "requeue",
    "event",
    "subscribe",
    "unsubscribe",
    "journeys",
    "journey",
    "visit",
    "register",
]


@router.get(
    "/audit",
    summary="Audit events, newest first: filter by resident, client, action, transfer and time",
    description="Needs a key with the `audit` scope. Reading the trail is itself audited.",
    responses={200: {"description": "matching events", "model": AuditList}},
)
async def read_audit(
    caller: Auditor,
    service: ServiceDep,
    outbox: OutboxDep,
    request_id: RequestId,
    nhs_number: Annotated[str | None, Query(alias="nhsNumber", pattern=r"^[0-9]{10}$")] = None,
    client: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[Action | None, Query()] = None,
    transfer_id: Annotated[str | None, Query(alias="transferId", max_length=64)] = None,
    since: Instant = None,
    until: Instant = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    query = AuditQuery(
        nhs_number=nhs_number,
        client=client,
        action=action,
        transfer_id=transfer_id,
        since=_epoch("since", since),
        until=_epoch("until", until),
        limit=limit,
    )

    def work() -> AuditList:
        events = outbox.audit(query)
        auditing.record(service, caller, "audit", "ok", request_id, nhs_number=nhs_number)
        return AuditList(events=[AuditEventView.of(e) for e in events], count=len(events))

    found = await run_in_threadpool(work)
    return json_response(found.model_dump(by_alias=True, mode="json"))
