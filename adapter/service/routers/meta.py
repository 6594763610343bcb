"""About the service: its CapabilityStatement, liveness, readiness and metrics (no key needed: they show
counts over every client, never an id, a client, a resident or a subscriber)."""

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
from adapter.service.models import Health, QueueState, Readiness
from adapter.service.negotiation import fhir_response, json_response, outcome_response
from adapter.service.openapi import COMMON_ERRORS, fhir_answer, outcome_answer
from adapter.service.outcome import issue, operation_outcome
from adapter.service.queue_state import count, metrics_text, queue_state
from adapter.service.state import Service

router = APIRouter(tags=["service"], responses=COMMON_ERRORS, default_response_class=Response)
FHIR_CHECK_TIMEOUT = 5.0
PROMETHEUS = "text/plain; version=0.0.4"


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


def _check(service: Service) -> tuple[dict[str, str], QueueState | None]:
    failures = {}
    state = None
    try:
        service.require_outbox().ping()
        state = queue_state(count(service), service.clock())
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
    return failures, state


def _attention(state: QueueState) -> list[str]:
    """What an operator should look at, in words."""
    found = []
    if state.failed_transfers:
        found.append(
            f"{state.failed_transfers} transfer(s) failed: requeue them (POST /transfers/{{id}}/requeue, "
            "`redbag outbox requeue --all-failed`) once the cause is fixed"
        )
    if state.failing_subscriptions:
        found.append(f"{state.failing_subscriptions} subscription(s) failing: their endpoints are retried")
    return found


@router.get(
    "/readyz",
    summary="Readiness: the database answers and the FHIR server offers what red bags need; what waits "
    "and what failed in the outboxes",
    description="200 while the database answers and the FHIR server offers what red bags need, with the "
    "outboxes' counts: a transfer that failed for good is shown (`queue.failedTransfers`) but does not make "
    "the service unready, since every process would then be taken out of service for it.",
    responses={
        200: {"description": "ready", "model": Readiness},
        503: outcome_answer("not ready: one issue per failing dependency"),
    },
)
async def readyz(service: ServiceDep, fmt: AnswerFormat) -> Response:
    failures, state = await run_in_threadpool(_check, service)
    if failures:
        issues = [issue("transient", f"{name}: {why}") for name, why in failures.items()]
        notes = _attention(state) if state else []
        issues += [issue("informational", note, severity="information") for note in notes]
        return outcome_response(503, operation_outcome(*issues), fmt, {"Retry-After": "5"})
    assert state is not None
    ready = Readiness(status="ready", checks={"database": "ok", "fhirServer": "ok"}, queue=state)
    return json_response(ready.model_dump(by_alias=True, mode="json"))


@router.get(
    "/metrics",
    summary="Metrics in the Prometheus text format: the outboxes by status, the longest waits",
    responses={
        200: {
            "description": "gauges",
            "content": {"text/plain; version=0.0.4": {"schema": {"type": "string"}}},
        },
        503: outcome_answer("the database does not answer"),
    },
)
async def metrics(service: ServiceDep) -> Response:
    counts = await run_in_threadpool(count, service)
    return Response(metrics_text(counts, service.clock()), media_type=PROMETHEUS)
