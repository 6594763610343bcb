"""Journeys (residents' hospital stays): read them, record the 48-hour visit, register a resident's care
home and GP practice (so an admission without a red bag still reaches the home)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, HTTPException, Path, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from adapter.pathway import EventKind, Incoming, Outcome, PathwayEvent, Visitor, check_event
from adapter.pathway.resources import encounter, visit_task
from adapter.redbag.identifiers import nhs_number_is_valid, ods_code_is_valid
from adapter.service.auth import Caller
from adapter.service.deps import RequestId, ServiceDep
from adapter.service.event_desk import Targeted, journey_of
from adapter.service.models import iso
from adapter.service.negotiation import json_response
from adapter.service.openapi import AUTH_ERRORS, BODY_ERRORS, COMMON_ERRORS, outcome_answer
from adapter.service.pathway_access import (
    Subscriber,
    audit,
    require_organisation,
    serves_journey,
)
from adapter.service.routers.pathway_events import RecordedView, recorded_view
from adapter.service.state import Service
from adapter.store import JourneyRow

router = APIRouter(tags=["pathway"], responses=COMMON_ERRORS | AUTH_ERRORS, default_response_class=Response)
JourneyId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$", description="the journey's id")]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: outcome_answer("no such journey (or not of a resident of this key's organisations)")
}


def view(service: Service, row: JourneyRow, *, events: bool = False) -> dict[str, Any]:
    """A journey as JSON, with its FHIR Encounter and visit Task."""
    journey = journey_of(row)
    found: dict[str, Any] = {
        "id": journey.id,
        "journey": journey.to_json(),
        "encounter": encounter(journey),
        "visitTask": visit_task(journey),
    }
    if events:
        found["events"] = [
            {
                "kind": e.kind,
                "source": e.source,
                "outcome": e.outcome,
                "note": e.note,
                "receivedAt": iso(e.received_at),
                "event": orjson.loads(e.event),
            }
            for e in service.require_pathway().journeys.events(row.id)
        ]
    return found


@router.get(
    "/journeys",
    summary="Stays of one resident, or of one care home's residents, newest first",
    description="Only stays of residents of the care homes and practices the key's `ods=` names: another "
    "care home's is 403; a resident's stays elsewhere are left out.",
    responses={403: outcome_answer("not a care home this key acts for")},
)
async def list_journeys(
    caller: Subscriber,
    service: ServiceDep,
    request_id: RequestId,
    nhs_number: Annotated[str | None, Query(alias="nhsNumber", pattern=r"^[0-9]{10}$")] = None,
    care_home: Annotated[str | None, Query(alias="careHome", pattern=r"^[A-Z0-9]{3,10}$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Response:
    if nhs_number is None and care_home is None:
        raise HTTPException(422, "give nhsNumber or careHome")
    if care_home is not None:
        require_organisation(caller, care_home, "care home")

    def work() -> dict[str, Any]:
        found = service.require_pathway().journeys.journeys(
            nhs_number=nhs_number, care_home=care_home, limit=limit
        )
        rows = [r for r in found if serves_journey(caller, r)]
        audit(service, caller, "journeys", "ok", request_id, nhs_number)
        return {"journeys": [view(service, r) for r in rows], "count": len(rows)}

    return json_response(await run_in_threadpool(work))


def _journey(service: Service, caller: Caller, journey_id: str) -> JourneyRow:
    """The journey when it is of a resident of the caller's organisations; 404 otherwise (another's stay
    is not said to exist)."""
    row = service.require_pathway().journeys.journey(journey_id)
    if row is None or not serves_journey(caller, row):
        raise HTTPException(404, f"no journey {journey_id}")
    return row


@router.get(
    "/journeys/{journey_id}",
    summary="One stay: its state, Encounter, visit Task and events",
    responses=NOT_FOUND,
)
async def get_journey(
    journey_id: JourneyId, caller: Subscriber, service: ServiceDep, request_id: RequestId
) -> Response:
    def work() -> dict[str, Any]:
        row = _journey(service, caller, journey_id)
        audit(service, caller, "journey", "ok", request_id, row.nhs_number)
        return view(service, row, events=True)

    return json_response(await run_in_threadpool(work))


class VisitIn(BaseModel):
    """The 48-hour visit as made."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    visited_by: str = Field(alias="visitedBy", min_length=1, max_length=200, description="who visited")
    role: str | None = Field(None, max_length=100)
    visited_at: str = Field(alias="visitedAt", description="ISO 8601 with its UTC offset")
    notes: str | None = Field(None, max_length=4000)


@router.post(
    "/journeys/{journey_id}/visit",
    summary="Record the care home's 48-hour visit (who, when, notes)",
    responses={200: {"description": "stored", "model": RecordedView}, **NOT_FOUND, **BODY_ERRORS},
)
async def record_visit(
    journey_id: JourneyId,
    body: Annotated[VisitIn, Body()],
    caller: Subscriber,
    service: ServiceDep,
    request_id: RequestId,
) -> Response:
    row = await run_in_threadpool(_journey, service, caller, journey_id)
    event = PathwayEvent(
        kind=EventKind.VISITED,
        nhs_number=row.nhs_number,
        occurred_at=body.visited_at,
        source="api",
        visitor=Visitor(body.visited_by, body.role, body.notes),
    )
    check_event(event)
    if datetime.fromisoformat(body.visited_at) > datetime.now(UTC):
        raise HTTPException(422, "visitedAt: a visit cannot be recorded before it happens")
    digest = hashlib.sha256(orjson.dumps(body.model_dump(), option=orjson.OPT_SORT_KEYS)).hexdigest()
    key = f"api|{caller.client}|visit|{journey_id}|{digest}"
    recorded = await service.require_pathway().record(Targeted(Incoming(key, digest, event), journey_id))
    await run_in_threadpool(
        audit, service, caller, "visit", recorded.outcome.value, request_id, row.nhs_number
    )
    return json_response(recorded_view(recorded), status=409 if recorded.outcome is Outcome.CONFLICT else 200)


class RegistrationIn(BaseModel):
    """Where a resident lives and who their GP is."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    care_home: str | None = Field(None, alias="careHome", pattern=r"^[A-Z0-9]{3,10}$", description="ODS code")
    gp: str | None = Field(None, pattern=r"^[A-Z0-9]{3,10}$", description="the GP practice's ODS code")


@router.put(
    "/registrations/{nhs_number}",
    summary="Register a resident's care home and GP practice (an admission without a red bag reaches them)",
    description="The key's `ods=` must name the care home given (or, without one, the GP practice). A "
    "resident who moves is registered by the new home; the earlier registration is replaced.",
    status_code=204,
    responses=BODY_ERRORS | {403: outcome_answer("not a care home or practice this key acts for")},
)
async def register(
    nhs_number: Annotated[str, Path(pattern=r"^[0-9]{10}$")],
    body: Annotated[RegistrationIn, Body()],
    caller: Subscriber,
    service: ServiceDep,
    request_id: RequestId,
) -> Response:
    if not nhs_number_is_valid(nhs_number):
        raise HTTPException(422, "nhsNumber: not a valid NHS number (modulus 11)")
    for code in (body.care_home, body.gp):
        if code is not None and not ods_code_is_valid(code):
            raise HTTPException(422, f"{code}: not an ODS code")
    # A care home registers its residents (with their GP practice); a practice, its patients.
    if body.care_home is not None:
        require_organisation(caller, body.care_home, "care home")
    elif body.gp is not None:
        require_organisation(caller, body.gp, "GP practice")
    else:
        raise HTTPException(422, "give careHome or gp")
    await run_in_threadpool(
        service.require_pathway().journeys.register, nhs_number, body.care_home, body.gp, caller.client
    )
    await run_in_threadpool(audit, service, caller, "register", "ok", request_id, nhs_number)
    return Response(status_code=204)
