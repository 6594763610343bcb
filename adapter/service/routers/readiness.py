"""Discharge readiness: the hospital records the Discharge Ready Date and what the resident needs to go home;
redbag matches the needs against what the care home can manage, answers the checklist (one FHIR Task per
need, owned by the organisation that must act) and tells the home at once. Retrievable per transfer, with
the delay from the ready date to the discharge once the red bag is back."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from adapter.redbag.readiness_contract import assess_readiness
from adapter.service.auth import Caller
from adapter.service.deps import RequestId, ServiceDep
from adapter.service.intake import visible_to
from adapter.service.negotiation import json_body, json_response
from adapter.service.openapi import AUTH_ERRORS, BODY_ERRORS, COMMON_ERRORS, outcome_answer
from adapter.service.openapi import json_body as body_doc
from adapter.service.pathway_access import EventSource, audit
from adapter.service.readiness import tasks_of
from adapter.service.readiness_access import Reader
from adapter.service.routers.transfers import TransferId
from adapter.service.state import Service
from adapter.store import Kind, ReadinessRow, Transfer

router = APIRouter(tags=["pathway"], responses=COMMON_ERRORS | AUTH_ERRORS, default_response_class=Response)
JourneyId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$", description="the journey's id")]
Json = dict[str, Any]
NOT_FOUND: dict[int | str, Json] = {404: outcome_answer("no such transfer or journey, or no readiness yet")}
RECORDED: dict[int | str, Json] = {
    200: {"description": "recorded and announced: the readiness, its checklist and its Tasks"},
    409: outcome_answer("not an outbound red bag, or a stay without one"),
    **NOT_FOUND,
    **BODY_ERRORS,
}
_PATHWAY_SCOPES = frozenset({"events", "subscribe", "audit"})


def readiness_view(row: ReadinessRow, summary: Json) -> Json:
    """A red bag's readiness as the service answers it (``readiness`` null until the hospital records it;
    ``discharge`` null until the red bag is back)."""
    discharge = (
        {
            "dischargedAt": row.discharged_at,
            "dischargeDate": row.discharge_date,
            "delayDays": row.delay_days,
            "timing": row.discharge_timing,
        }
        if row.discharged_at
        else None
    )
    return {
        "transferId": row.transfer_id,
        "journeyId": row.journey_id,
        "bagNumber": summary["bagNumber"],
        "careHome": row.care_home,
        "hospital": row.hospital,
        "dischargeReadyDate": row.ready_date,
        "readySource": row.ready_source,
        "recordedAt": row.recorded_at,
        "needsRecorded": row.needs_recorded,
        "notPossible": row.not_possible,
        "readiness": orjson.loads(row.readiness) if row.readiness else None,
        "tasks": tasks_of(row, summary),
        "discharge": discharge,
    }


def _outbound(service: Service, transfer_id: str) -> tuple[Transfer, Json]:
    outbox = service.require_outbox()
    transfer = outbox.get(transfer_id)
    payload = outbox.payload(transfer_id) if transfer else None
    if transfer is None or payload is None:
        raise HTTPException(404, f"no transfer {transfer_id}")
    if transfer.kind is not Kind.TRANSFER:
        raise HTTPException(409, f"transfer {transfer_id} is a return journey: use its outbound red bag")
    summary: Json = orjson.loads(payload.input)
    return transfer, summary


def _record(service: Service, caller: Caller, transfer_id: str, data: Any, request_id: str) -> Json:
    transfer, summary = _outbound(service, transfer_id)
    checked = assess_readiness(data, summary, source="request body").data
    row = service.require_pathway().readiness_desk.record(transfer.id, summary, checked)
    audit(service, caller, "readiness", "ok", request_id, transfer.nhs_number)
    return readiness_view(row, summary)


@router.put(
    "/transfers/{transfer_id}/readiness",
    summary="Record a resident's Discharge Ready Date and what they need to go home; get the checklist",
    description="Each need is matched against what the care home can manage (what it published, else what "
    "its red bag says): met by the home, needs action by the hospital, needs action by the home, or not "
    "possible at this home, each a FHIR Task owned by the organisation that must act, due on the ready "
    "date (or the need's `dueBy`); the return on the ready date (or `plannedReturnAt`) is checked against "
    "when the home takes residents back. A need is never shown as met unless the home has stated it can "
    "meet it. The home, its GP practice and the resident's subscribers are told at once (`discharge-ready`). "
    "Recording again replaces the readiness.",
    responses=RECORDED,
    openapi_extra=body_doc("DischargeReadiness", "the Discharge Ready Date and the resident's needs"),
)
async def record_for_transfer(
    transfer_id: TransferId, request: Request, caller: EventSource, service: ServiceDep, request_id: RequestId
) -> Response:
    data = await json_body(request, "a discharge readiness")
    return json_response(await run_in_threadpool(_record, service, caller, transfer_id, data, request_id))


@router.put(
    "/journeys/{journey_id}/readiness",
    summary="The same, for the stay a hospital knows (its journey): recorded on the stay's red bag",
    responses=RECORDED,
    openapi_extra=body_doc("DischargeReadiness", "the Discharge Ready Date and the resident's needs"),
)
async def record_for_journey(
    journey_id: JourneyId, request: Request, caller: EventSource, service: ServiceDep, request_id: RequestId
) -> Response:
    data = await json_body(request, "a discharge readiness")

    def work() -> Json:
        row = service.require_pathway().journeys.journey(journey_id)
        if row is None:
            raise HTTPException(404, f"no journey {journey_id}")
        if row.transfer_id is None:
            raise HTTPException(409, f"journey {journey_id} has no red bag to record readiness on")
        return _record(service, caller, row.transfer_id, data, request_id)

    return json_response(await run_in_threadpool(work))


@router.get(
    "/transfers/{transfer_id}/readiness",
    summary="A red bag's discharge readiness: the date, the checklist and its Tasks, and the delay once back",
    responses={200: {"description": "the readiness"}, **NOT_FOUND},
)
async def read_for_transfer(
    transfer_id: TransferId, caller: Reader, service: ServiceDep, request_id: RequestId
) -> Response:
    def work() -> Json:
        transfer, summary = _outbound(service, transfer_id)
        if not caller.scopes & _PATHWAY_SCOPES and not visible_to(caller, transfer):
            raise HTTPException(404, f"no transfer {transfer_id}")
        row = service.require_pathway().readiness.get(transfer.id)
        audit(
            service, caller, "read-readiness", "ok" if row else "not-found", request_id, transfer.nhs_number
        )
        if row is None:
            raise HTTPException(404, f"no discharge readiness recorded for transfer {transfer_id}")
        return readiness_view(row, summary)

    return json_response(await run_in_threadpool(work))
