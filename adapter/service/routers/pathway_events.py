"""Pathway events from hospital systems that prefer a REST call to HL7 v2 or FHIR Subscriptions."""

from __future__ import annotations

import hashlib
from typing import Annotated, Literal

import orjson
from fastapi import APIRouter, Body
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from adapter.pathway import EventKind, Incoming, Outcome, PathwayEvent, Recorded, check_event
from adapter.service.deps import RequestId, ServiceDep
from adapter.service.negotiation import json_response
from adapter.service.openapi import AUTH_ERRORS, BODY_ERRORS, COMMON_ERRORS, outcome_answer
from adapter.service.pathway_access import EventSource, audit

router = APIRouter(tags=["pathway"], responses=COMMON_ERRORS | AUTH_ERRORS, default_response_class=Response)

EventType = Literal[
    "admitted",
    "transferred",
    "updated",
    "admission-cancelled",
    "discharge-planned",
    "discharged",
    "discharge-cancelled",
    "red-bag-received",
    "red-bag-returned",
]


class EventIn(BaseModel):
    """An event about one resident's hospital stay."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    event_id: str = Field(
        alias="eventId", min_length=1, max_length=128, description="unique per calling system"
    )
    type: EventType
    nhs_number: str = Field(alias="nhsNumber", pattern=r"^[0-9]{10}$")
    occurred_at: str = Field(alias="occurredAt", description="ISO 8601 with its UTC offset")
    hospital: str | None = Field(None, description="the hospital's ODS code", max_length=16)
    encounter: str | None = Field(None, description="the hospital's own id for the stay", max_length=128)
    admit_source: str | None = Field(
        None, alias="admitSource", description="UK Core SourceOfAdmissionEngland"
    )
    discharge_destination: str | None = Field(
        None, alias="dischargeDestination", description="UK Core DischargeDestinationEngland"
    )
    location: str | None = Field(None, max_length=200)
    planned_discharge: str | None = Field(None, alias="plannedDischarge")
    gp: str | None = Field(None, description="the GP practice's ODS code", max_length=16)
    belongings_missing: int | None = Field(None, alias="belongingsMissing", ge=0)


class RecordedView(BaseModel):
    """What became of an event."""

    outcome: Outcome
    journey_id: str | None = Field(alias="journeyId")
    note: str | None


def recorded_view(recorded: Recorded) -> dict[str, str | None]:
    """The answer's JSON."""
    return {"outcome": recorded.outcome.value, "journeyId": recorded.journey_id, "note": recorded.note}


@router.post(
    "/events",
    summary="Tell redbag that a resident was admitted, moved, discharged, ... (stored before the answer)",
    description="Matched to the resident's stay by NHS number only; the same eventId sent again is "
    "answered with the first outcome (`repeated`) and applied once. Subscribers are notified.",
    responses={
        200: {
            "description": "stored (outcome applied, unchanged, unmatched or repeated)",
            "model": RecordedView,
        },
        409: outcome_answer("this eventId was used before for a different event"),
        **BODY_ERRORS,
    },
)
async def post_event(
    body: Annotated[EventIn, Body()], caller: EventSource, service: ServiceDep, request_id: RequestId
) -> Response:
    event = PathwayEvent(
        kind=EventKind(body.type),
        nhs_number=body.nhs_number,
        occurred_at=body.occurred_at,
        source="api",
        hospital=body.hospital,
        encounter=body.encounter,
        admit_source=body.admit_source,
        discharge_destination=body.discharge_destination,
        location=body.location,
        planned_discharge=body.planned_discharge,
        gp=body.gp,
        belongings_missing=body.belongings_missing,
    )
    check_event(event)
    digest = hashlib.sha256(orjson.dumps(body.model_dump(), option=orjson.OPT_SORT_KEYS)).hexdigest()
    pathway = service.require_pathway()
    recorded = await pathway.record(Incoming(f"api|{caller.client}|{body.event_id}", digest, event))
    await run_in_threadpool(
        audit, service, caller, "event", recorded.outcome.value, request_id, body.nhs_number
    )
    status = 409 if recorded.outcome is Outcome.CONFLICT else 200
    return json_response(recorded_view(recorded), status=status)
