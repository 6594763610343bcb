"""Accepting a red bag (or its return journey) into the outbox: check, convert, validate, store.

Runs in a worker thread (it validates and writes to the database); the routes call it and answer 202.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from fastapi import HTTPException

from adapter.measures.facts import red_bag_facts, return_journey_facts
from adapter.redbag import assess_discharge, assess_summary, build_bundles, build_return_bundles
from adapter.service.auth import Caller
from adapter.service.logmask import protect, resident_words
from adapter.service.outcome import issue, operation_outcome
from adapter.service.state import Service
from adapter.store import Kind, NewTransfer, Outbox, Transfer

Json = dict[str, Any]
_BLOCKING = frozenset({"fatal", "error"})


def content_hash(data: Any) -> str:
    """SHA-256 of the canonical JSON (keys sorted): the same content, the same hash."""
    return hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()


def scoped_key(caller: Caller, idempotency_key: str | None) -> str | None:
    """An Idempotency-Key as stored: keys belong to the caller that chose them."""
    return f"{caller.client}|{idempotency_key}" if idempotency_key else None


def require_valid(service: Service, document: Json) -> None:
    """422 with the validator's issues when the red bag's FHIR breaks its profiles (nothing is queued)."""
    if not service.settings.validate_transfers:
        return
    outcome = service.validate(document)
    errors = [i for i in outcome.get("issue") or [] if i.get("severity") in _BLOCKING]
    if errors:
        raise HTTPException(
            422,
            operation_outcome(
                issue(
                    "processing",
                    "the red bag's FHIR does not pass validation, so it was not queued; the issues follow",
                ),
                *errors,
            ),
        )


def server_identity(summary: Json) -> str:
    """A red bag as the FHIR server knows it (its resources' ids come from these): the care home's ODS
    code, the bag number and createdAt."""
    return f"transfer|{summary['careHome']['odsCode']}|{summary['bagNumber']}|{summary['createdAt']}"


def visible_to(caller: Caller, transfer: Transfer) -> bool:
    """Callers see their own transfers; auditors see every transfer (hazard H21)."""
    return transfer.client == caller.client or "audit" in caller.scopes


def owned_by(caller: Caller, transfer: Transfer) -> bool:
    """Only the client that sent a transfer acts on it (sends its return journey)."""
    return transfer.client == caller.client


def accept_transfer(
    service: Service,
    outbox: Outbox,
    caller: Caller,
    data: Any,
    idempotency_key: str | None,
    request_id: str,
    *,
    strict: bool = False,
) -> tuple[Transfer, bool]:
    """Check, convert, validate and queue an outbound red bag; the transfer and whether it is new.

    ``strict``: refuse a summary with gaps (Prefer: handling=strict) instead of sending them marked."""
    checked = assess_summary(data, source="request body", strict=strict)
    summary = with_published_capabilities(service, checked.data)
    document, transaction = build_bundles(summary, gaps=checked.warnings)
    require_valid(service, document)
    new = NewTransfer(
        kind=Kind.TRANSFER,
        client=caller.client,
        bag_number=summary["bagNumber"],
        nhs_number=summary["resident"].get("nhsNumber"),
        natural_key=server_identity(summary),
        idempotency_key=scoped_key(caller, idempotency_key),
        payload_hash=content_hash(checked.data),  # the caller's: a re-send matches, whatever was published
        input=orjson.dumps(summary),
        document=orjson.dumps(document),
        bundle=orjson.dumps(transaction),
        facts=red_bag_facts(transaction),
    )
    return outbox.enqueue(new, request_id=request_id)


def with_published_capabilities(service: Service, summary: Json) -> Json:
    """The summary with what its care home published it can manage, when the summary does not say it."""
    home = summary["careHome"]
    if "capabilities" in home:
        return summary
    published = service.require_pathway().readiness.published(home["odsCode"])
    if published is None:
        return summary
    return {**summary, "careHome": {**home, "capabilities": orjson.loads(published.capabilities)}}


def outbound_for_return(outbox: Outbox, caller: Caller, transfer_id: str) -> tuple[Transfer, Json]:
    """The outbound transfer a return journey answers, with its summary; 404 or 409 when it cannot be."""
    parent = outbox.get(transfer_id)
    if parent is None or not owned_by(caller, parent):
        raise HTTPException(404, f"no transfer {transfer_id}")
    if parent.kind is not Kind.TRANSFER:
        raise HTTPException(
            409,
            f"transfer {transfer_id} is itself a return journey: send the return "
            f"to the outbound transfer ({parent.parent_id})",
        )
    payload = outbox.payload(transfer_id)
    if payload is None:  # deleted between the two reads
        raise HTTPException(404, f"no transfer {transfer_id}")
    summary: Json = orjson.loads(payload.input)
    return parent, summary


def accept_return(
    service: Service,
    outbox: Outbox,
    caller: Caller,
    transfer_id: str,
    data: Any,
    idempotency_key: str | None,
    request_id: str,
    *,
    strict: bool = False,
) -> tuple[Transfer, bool]:
    """Check, convert, validate and queue the return journey of an outbound transfer."""
    parent, summary = outbound_for_return(outbox, caller, transfer_id)
    protect(resident_words(summary))  # the discharge names no one; the red bag it answers does (H9)
    stated = assess_discharge(data, summary, source="request body", strict=strict).data
    discharge = with_ready_date(service, parent.id, stated)
    document, transaction = build_return_bundles(summary, discharge)
    require_valid(service, document)
    new = NewTransfer(
        kind=Kind.RETURN,
        client=caller.client,
        bag_number=parent.bag_number,
        nhs_number=parent.nhs_number,
        natural_key=f"return|{parent.id}",
        idempotency_key=scoped_key(caller, idempotency_key),
        payload_hash=content_hash(stated),
        input=orjson.dumps(discharge),
        document=orjson.dumps(document),
        bundle=orjson.dumps(transaction),
        parent_id=parent.id,
        facts=return_journey_facts(transaction),
    )
    accepted = outbox.enqueue(new, request_id=request_id)
    desk = service.require_pathway().readiness_desk
    desk.record_discharge(parent.id, summary, discharge, stated="dischargeReadyDate" in stated)
    return accepted


def with_ready_date(service: Service, transfer_id: str, discharge: Json) -> Json:
    """The discharge with the red bag's recorded Discharge Ready Date, when it does not say its own."""
    if "dischargeReadyDate" in discharge:
        return discharge
    recorded = service.require_pathway().readiness.get(transfer_id)
    if recorded is None or recorded.ready_date is None:
        return discharge
    return {**discharge, "dischargeReadyDate": recorded.ready_date}
