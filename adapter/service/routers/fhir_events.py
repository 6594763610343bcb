"""FHIR Subscription notifications from a hospital's FHIR server (configured in REDBAG_FHIR_EVENT_SOURCES):
classic R4 rest-hooks (HAPI PUTs the changed Encounter to ``<endpoint>/Encounter/<id>``) and Subscriptions
Backport notification Bundles (POSTed to the endpoint). Answered 200 once every event is stored."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from adapter.client import FhirClient
from adapter.service.deps import RequestId, ServiceDep
from adapter.service.fhir_events import EncounterReader
from adapter.service.negotiation import json_body, json_response
from adapter.service.openapi import AUTH_ERRORS, BODY_ERRORS, COMMON_ERRORS
from adapter.service.pathway_access import EventSource, audit
from adapter.service.routers.pathway_events import recorded_view
from adapter.service.state import Service

router = APIRouter(tags=["pathway"], responses=COMMON_ERRORS | AUTH_ERRORS | BODY_ERRORS)


def _reader(service: Service, source: str) -> EncounterReader:
    base = service.settings.pathway.fhir_source(source)
    if base is None:
        raise HTTPException(404, f"no FHIR event source {source!r} is configured (REDBAG_FHIR_EVENT_SOURCES)")

    def fetch(url: str) -> dict[str, Any]:
        with FhirClient(base, timeout=service.settings.fhir_timeout) as client:
            kind, _, rid = url.removeprefix(base + "/").partition("/")
            return client.read(kind, rid.split("/_history")[0])

    return EncounterReader(source, base, fetch, service.clock)


async def _receive(source: str, request: Request, caller: Any, service: Service, request_id: str) -> Response:
    reader = _reader(service, source)
    body = await request.body()
    if not body.strip():  # a payload-less ping: nothing to apply
        return json_response({"events": []})
    data = await json_body(request, "a notification")
    incoming = await run_in_threadpool(reader.events, data)
    pathway = service.require_pathway()
    recorded = [await pathway.record(item) for item in incoming]
    for item, result in zip(incoming, recorded, strict=True):
        await run_in_threadpool(
            audit, service, caller, "fhir-event", result.outcome.value, request_id, item.event.nhs_number
        )
    return json_response({"events": [recorded_view(r) for r in recorded]})


@router.post(
    "/fhir-events/{source}",
    summary="A FHIR Subscription notification (Backport Bundle, or a resource) from a configured server",
)
async def notification(
    source: str, request: Request, caller: EventSource, service: ServiceDep, request_id: RequestId
) -> Response:
    return await _receive(source, request, caller, service, request_id)


@router.put(
    "/fhir-events/{source}/{resource_type}/{resource_id}",
    summary="A classic R4 rest-hook with a payload: the changed resource itself (HAPI sends PUT)",
)
@router.post(
    "/fhir-events/{source}/{resource_type}/{resource_id}",
    summary="A classic R4 rest-hook with a payload: the created resource itself",
    operation_id="rest_hook_created",
)
async def rest_hook(
    source: str,
    resource_type: str,
    resource_id: str,
    request: Request,
    caller: EventSource,
    service: ServiceDep,
    request_id: RequestId,
) -> Response:
    return await _receive(source, request, caller, service, request_id)
