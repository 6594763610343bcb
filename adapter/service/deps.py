"""Dependencies the routes declare, as ``Annotated`` aliases (``service: ServiceDep``)."""

from __future__ import annotations

from typing import Annotated, Literal, cast

from fastapi import Depends, HTTPException, Query, Request

from adapter.service.negotiation import Format, answer_format
from adapter.service.state import Service
from adapter.store import Outbox

FormatParam = Literal[
    "json", "xml", "application/fhir+json", "application/fhir+xml", "application/json", "application/xml"
]


async def get_service(request: Request) -> Service:
    """This process's service (``app.state.service``)."""
    return cast(Service, request.app.state.service)


ServiceDep = Annotated[Service, Depends(get_service)]


async def get_outbox(service: ServiceDep) -> Outbox:
    """The open outbox (503 while it is not)."""
    return service.require_outbox()


OutboxDep = Annotated[Outbox, Depends(get_outbox)]


async def get_answer_format(
    request: Request,
    _format: Annotated[
        FormatParam | None,
        Query(alias="_format", description="answer format, overriding Accept (FHIR's _format)"),
    ] = None,
) -> Format:
    """``json`` or ``xml``, from ``_format`` or Accept (406 when neither is possible)."""
    return answer_format(request)


AnswerFormat = Annotated[Format, Depends(get_answer_format)]


async def get_fhir_server(service: ServiceDep) -> str:
    """The configured FHIR server's base URL (503 when none is configured)."""
    if not service.settings.fhir_server:
        raise HTTPException(503, "this service has no FHIR server configured (REDBAG_FHIR_SERVER)")
    return service.settings.fhir_server


FhirServer = Annotated[str, Depends(get_fhir_server)]


async def get_request_id(request: Request) -> str:
    """The request's id (``X-Request-ID``), for the audit trail."""
    return str(request.scope.get("state", {}).get("request_id", ""))


RequestId = Annotated[str, Depends(get_request_id)]
