"""Transfers: send a red bag (queued, then delivered to the FHIR server), follow it, send it home again."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from functools import cache
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, HTTPException, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from adapter.errors import InputError
from adapter.redbag.contract import discharge_warnings, summary_warnings
from adapter.service import auditing
from adapter.service.auth import Admin, Caller, Reader, Sender
from adapter.service.deps import FhirServer, OutboxDep, RequestId, ServiceDep
from adapter.service.intake import accept_return, accept_transfer, visible_to
from adapter.service.logmask import protect, resident_words
from adapter.service.models import TransferList, TransferView
from adapter.service.negotiation import json_body, json_response, preferences
from adapter.service.openapi import AUTH_ERRORS, BODY_ERRORS, COMMON_ERRORS, outcome_answer
from adapter.service.openapi import json_body as body_doc
from adapter.service.outcome import warnings_outcome
from adapter.service.returns import record_return
from adapter.service.state import Service
from adapter.store import (
    ConflictingTransferError,
    DuplicateTransferError,
    IdempotencyKeyReusedError,
    Outbox,
    Status,
    Transfer,
)

router = APIRouter(tags=["transfers"], responses=COMMON_ERRORS | AUTH_ERRORS, default_response_class=Response)

UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
TransferId = Annotated[str, Path(description="the transfer's id", pattern=UUID_PATTERN)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="the same key (from the same client) returns the same transfer, never a second one",
        pattern=r"^[\x21-\x7e]{1,255}$",
    ),
]
ACCEPTED: dict[int | str, dict[str, Any]] = {
    202: {
        "description": "accepted and queued (or the transfer this request repeats); Location names it",
        "model": TransferView,
        "headers": {"Location": {"description": "/transfers/{id}", "schema": {"type": "string"}}},
    },
    409: outcome_answer(
        "the same red bag (care home, bag number and createdAt) was accepted with other content: from "
        "this client (its transfer is named), or from another (nothing is named)"
    ),
    503: outcome_answer("no FHIR server configured, or the database is unavailable"),
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: outcome_answer("no such transfer (or not one of this client's)")
}


@cache
def viewable() -> bool:
    """True when the renderer is installed (the printable red bag, GET /transfers/{id}/view)."""
    return importlib.util.find_spec("adapter.render") is not None


def _warnings(outbox: Outbox, transfer: Transfer) -> dict[str, Any] | None:
    """The gaps of the transfer's input, read again from what was stored (deterministic)."""
    payload = outbox.payload(transfer.id)
    if payload is None:
        return None
    data = orjson.loads(payload.input)
    found = summary_warnings(data) if transfer.kind.value == "transfer" else discharge_warnings(data)
    return warnings_outcome(found)


def _view(service: Service, transfer: Transfer) -> dict[str, Any]:
    outbox = service.require_outbox()
    deadline = service.settings.delivery.deadline_hours
    returns = [r.id for r in outbox.returns_of(transfer.id)] if transfer.kind.value == "transfer" else []
    view = TransferView.of(
        transfer, returns, viewable=viewable(), warnings=_warnings(outbox, transfer), deadline_hours=deadline
    )
    return view.model_dump(by_alias=True, mode="json")


def _refusal(error: Exception) -> str:
    """How a refused send is recorded in the audit trail."""
    if isinstance(error, HTTPException) and error.status_code == 404:
        return "not-found"
    repeats = IdempotencyKeyReusedError | DuplicateTransferError | ConflictingTransferError
    return "conflict" if isinstance(error, repeats) else "invalid"


def _accept(
    service: Service,
    caller: Caller,
    action: str,
    data: Any,
    request_id: str,
    accept: Callable[[], tuple[Transfer, bool]],
) -> Response:
    """Run ``accept`` (in a worker thread), audit a refusal, answer 202 with the transfer."""
    try:
        transfer, created = accept()
    except (
        InputError,
        IdempotencyKeyReusedError,
        DuplicateTransferError,
        ConflictingTransferError,
        HTTPException,
    ) as exc:
        nhs, bag = auditing.identity_of(data)
        auditing.record(service, caller, action, _refusal(exc), request_id, nhs_number=nhs, bag_number=bag)
        raise
    headers = {"Location": f"/transfers/{transfer.id}"}
    if not created:
        headers["Idempotent-Replayed"] = "true"
    return json_response(_view(service, transfer), status=202, headers=headers)


@router.post(
    "/transfers",
    summary="Send a red bag: check, convert, validate and queue it for delivery to the FHIR server",
    description="Answers 202 at once with Location: /transfers/{id}; delivery follows in the background, "
    "retried through an outage of the FHIR server until REDBAG_DELIVERY_DEADLINE_HOURS (24 h) have passed. "
    "Transfers belong to the client that sent them: the same Idempotency-Key, or the same red bag (care "
    "home, bag number and createdAt), from the same client returns the same transfer (a failed one is "
    "requeued); the same red bag from another client is a transfer of its own (delivering it again "
    "changes nothing on the FHIR server), and one with other content is refused (409) without naming "
    "anything of the other's. A summary that breaks the contract, or FHIR that fails validation, is "
    "refused (422) and nothing is queued. Missing or imprecise input travels, marked 'not recorded' in "
    "the FHIR, and the answer's `warnings` lists those gaps (each with its JSON path); "
    "`Prefer: handling=strict` refuses such input instead (422).",
    status_code=202,
    responses=ACCEPTED | BODY_ERRORS,
    openapi_extra=body_doc("ResidentSummary", "the resident summary"),
)
async def send_transfer(
    request: Request,
    caller: Sender,
    service: ServiceDep,
    outbox: OutboxDep,
    server: FhirServer,
    request_id: RequestId,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    data = await json_body(request, "a resident summary")
    protect(resident_words(data))
    answer = await run_in_threadpool(
        _accept,
        service,
        caller,
        "send",
        data,
        request_id,
        lambda: accept_transfer(
            service,
            outbox,
            caller,
            data,
            idempotency_key,
            request_id,
            strict=preferences(request.headers).strict,
        ),
    )
    service.wake_delivery()
    return answer


@router.get(
    "/transfers",
    summary="This client's transfers (with the audit scope: every client's), newest first",
    responses={200: {"description": "a page of transfers", "model": TransferList}},
)
async def list_transfers(
    caller: Reader,
    service: ServiceDep,
    outbox: OutboxDep,
    request_id: RequestId,
    status: Annotated[Status | None, Query(description="only transfers in this status")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    def work() -> dict[str, Any]:
        client = None if "audit" in caller.scopes else caller.client
        found = outbox.list_transfers(status=status, client=client, limit=limit, offset=offset)
        auditing.record(service, caller, "list", "ok", request_id)
        deadline = service.settings.delivery.deadline_hours
        views = [
            TransferView.of(t, viewable=viewable(), deadline_hours=deadline).model_dump(
                by_alias=True, mode="json"
            )
            for t in found
        ]
        return {"transfers": views, "count": len(views), "limit": limit, "offset": offset}

    return json_response(await run_in_threadpool(work))


def _visible_transfer(
    service: Service, caller: Caller, transfer_id: str, action: str, request_id: str
) -> Transfer:
    """The transfer if this caller may see it (audited either way); 404 otherwise."""
    transfer = service.require_outbox().get(transfer_id)
    if transfer is None:
        auditing.record(service, caller, action, "not-found", request_id)
        raise HTTPException(404, f"no transfer {transfer_id}")
    if not visible_to(caller, transfer):
        auditing.record(service, caller, action, "denied", request_id, transfer=transfer)
        raise HTTPException(404, f"no transfer {transfer_id}")
    auditing.record(service, caller, action, "ok", request_id, transfer=transfer)
    return transfer


@router.get(
    "/transfers/{transfer_id}",
    summary="A transfer's delivery state: attempts, and the FHIR server's OperationOutcome if it failed",
    responses={200: {"description": "the transfer", "model": TransferView}, **NOT_FOUND},
)
async def get_transfer(
    transfer_id: TransferId, caller: Reader, service: ServiceDep, outbox: OutboxDep, request_id: RequestId
) -> Response:
    def work() -> dict[str, Any]:
        return _view(service, _visible_transfer(service, caller, transfer_id, "read", request_id))

    return json_response(await run_in_threadpool(work))


@router.post(
    "/transfers/{transfer_id}/return",
    summary="Send the red bag home: the discharge and the belongings as returned, delivered likewise",
    description="Checked against the outbound transfer (the same bag; every belonging that went out). "
    "Answers 202 with Location: /transfers/{returnId}; it is delivered after the outbound transfer.",
    status_code=202,
    responses=ACCEPTED | BODY_ERRORS | NOT_FOUND,
    openapi_extra=body_doc("Discharge", "the discharge: summary, medication changes, belongings returned"),
)
async def send_return(
    transfer_id: TransferId,
    request: Request,
    caller: Sender,
    service: ServiceDep,
    outbox: OutboxDep,
    server: FhirServer,
    request_id: RequestId,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    data = await json_body(request, "a discharge")
    answer = await run_in_threadpool(
        _accept,
        service,
        caller,
        "return",
        data,
        request_id,
        lambda: accept_return(
            service,
            outbox,
            caller,
            transfer_id,
            data,
            idempotency_key,
            request_id,
            strict=preferences(request.headers).strict,
        ),
    )
    service.wake_delivery()
    await record_return(service, answer.headers.get("location"))  # the stay hears the red bag is coming back
    return answer


@router.post(
    "/transfers/{transfer_id}/requeue",
    summary="Requeue a failed transfer (any client's): delivered again, its deadline running from now",
    description="Needs a key with the `admin` scope. Only a `failed` transfer can be requeued (409 "
    "otherwise); its sender can also requeue it by sending the same red bag again.",
    responses={
        200: {"description": "the transfer, queued again", "model": TransferView},
        409: outcome_answer("the transfer has not failed"),
        **NOT_FOUND,
    },
)
async def requeue_transfer(
    transfer_id: TransferId, caller: Admin, service: ServiceDep, outbox: OutboxDep, request_id: RequestId
) -> Response:
    def work() -> dict[str, Any]:
        transfer = outbox.get(transfer_id)
        if transfer is None:
            auditing.record(service, caller, "requeue", "not-found", request_id)
            raise HTTPException(404, f"no transfer {transfer_id}")
        requeued = outbox.requeue(transfer_id)
        if requeued is None:
            auditing.record(service, caller, "requeue", "conflict", request_id, transfer=transfer)
            raise HTTPException(
                409, f"transfer {transfer_id} is {transfer.status.value}: only a failed transfer is requeued"
            )
        auditing.record(service, caller, "requeue", "ok", request_id, transfer=requeued)
        return _view(service, requeued)

    answer = json_response(await run_in_threadpool(work))
    service.wake_delivery()
    return answer


def render_view(service: Service, caller: Caller, transfer_id: str, request_id: str) -> str:
    """The printable red bag of a transfer (with its return journey, once there is one)."""
    from adapter.render import render_transfer_html

    outbox = service.require_outbox()
    transfer = _visible_transfer(service, caller, transfer_id, "view", request_id)
    outbound = transfer if transfer.parent_id is None else outbox.get(transfer.parent_id)
    if outbound is None:
        raise HTTPException(404, f"no transfer {transfer.parent_id}")
    returns = outbox.returns_of(outbound.id)
    outbound_payload = outbox.payload(outbound.id)
    back = outbox.payload(returns[0].id) if returns else None
    if outbound_payload is None:
        raise HTTPException(404, f"no transfer {outbound.id}")
    return render_transfer_html(
        orjson.loads(outbound_payload.document),
        return_document=orjson.loads(back.document) if back else None,
    )


#: Included by the app only when the renderer is installed (see :func:`viewable`).
view_router = APIRouter(tags=["transfers"], responses=COMMON_ERRORS | AUTH_ERRORS)


@view_router.get(
    "/transfers/{transfer_id}/view",
    summary="The printable red bag (HTML), with the return journey once there is one",
    response_class=HTMLResponse,
    responses={200: {"description": "the transfer form", "content": {"text/html": {}}}, **NOT_FOUND},
)
async def view_transfer(
    transfer_id: TransferId, caller: Reader, service: ServiceDep, request_id: RequestId
) -> HTMLResponse:
    return HTMLResponse(await run_in_threadpool(render_view, service, caller, transfer_id, request_id))
