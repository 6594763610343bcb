"""About the service: its CapabilityStatement, liveness and readiness (no key needed)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from adapter.errors import RedbagError
from adapter.exchange.compatibility import check_server
from adapter.exchange.needs import red_bag_needs
from adapter.service.capability import capability_statement
from adapter.service.deps import AnswerFormat, ServiceDep
from adapter.service.models import Health, Readiness
from adapter.service.negotiation import fhir_response, json_response, outcome_response
from adapter.service.openapi import COMMON_ERRORS, fhir_answer, outcome_answer
from adapter.service.outcome import issue, operation_outcome
from adapter.service.state import Service

router = APIRouter(tags=["service"], responses=COMMON_ERRORS, default_response_class=Response)
FHIR_CHECK_TIMEOUT = 5.0


@router.get(
    "/metadata",
    summary="The service's CapabilityStatement",
    responses=fhir_answer("CapabilityStatement", "what this service can do, in FHIR terms"),
)
async def metadata(request: Request, fmt: AnswerFormat) -> Response:
    started = getattr(request.app.state, "started_at", None) or datetime.now(UTC).date().isoformat()
    return fhir_response(capability_statement(started), fmt)


@router.get(
    "/healthz",
    summary="Liveness: the process answers",
    responses={200: {"description": "alive", "model": Health}},
)
async def healthz() -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


def _check(service: Service) -> dict[str, str]:
    failures = {}
    try:
        service.require_outbox().ping()
    except RedbagError as exc:
        failures["database"] = str(exc)
    if service.settings.fhir_server:
        try:
            with service.fhir_client(timeout=FHIR_CHECK_TIMEOUT) as client:
                report = check_server(client, red_bag_needs())  # what pushing and pulling red bags needs
            if report.refuses():
                failures["fhirServer"] = report.summary()
        except RedbagError as exc:
            failures["fhirServer"] = f"{service.settings.fhir_server}: {exc}".splitlines()[0]
    else:
        failures["fhirServer"] = "no FHIR server configured (REDBAG_FHIR_SERVER)"
    return failures


@router.get(
    "/readyz",
    summary="Readiness: the database answers, and the FHIR server offers what red bags need",
    responses={
        200: {"description": "ready", "model": Readiness},
        503: outcome_answer("not ready: one issue per failing dependency"),
    },
)
async def readyz(service: ServiceDep, fmt: AnswerFormat) -> Response:
    failures = await run_in_threadpool(_check, service)
    if failures:
        outcome = operation_outcome(*(issue("transient", f"{name}: {why}") for name, why in failures.items()))
        return outcome_response(503, outcome, fmt, {"Retry-After": "5"})
    return json_response({"status": "ready", "checks": {"database": "ok", "fhirServer": "ok"}})
