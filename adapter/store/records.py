"""What the outbox holds: transfers (with their delivery state) and audit events, as plain records."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from adapter.store.stay_facts import ReturnFacts, TransferFacts


class Status(StrEnum):
    """Where a transfer is on its way to the FHIR server."""

    QUEUED = "queued"  # accepted (or requeued), not tried yet
    DELIVERING = "delivering"  # claimed by a delivery thread right now
    RETRYING = "retrying"  # the last attempt failed in a way worth repeating; waits for next_attempt_at
    DELIVERED = "delivered"  # the server accepted the transaction
    FAILED = "failed"  # refused by the server, or still failing at its deadline (it can be requeued)


class Kind(StrEnum):
    """Which journey a transfer carries."""

    TRANSFER = "transfer"  # care home -> hospital (the red bag goes out)
    RETURN = "return"  # hospital -> care home (discharge, belongings back)


@dataclass(frozen=True, slots=True)
class NewTransfer:
    """A transfer to accept: who sent it, its keys, and the bytes to keep and deliver."""

    kind: Kind
    client: str
    bag_number: str
    nhs_number: str | None
    # the journey as the FHIR server knows it: kind, care home, bag number and createdAt (or, for a return,
    # the outbound transfer); unique per client (the outbox scopes it), shared by the same red bag from
    # different clients
    natural_key: str
    idempotency_key: str | None  # the caller's Idempotency-Key, already scoped to the caller
    payload_hash: str  # sha256 of the canonical input: tells a replay from a different request
    input: bytes  # the resident summary (or discharge) as received, JSON
    document: bytes  # the FHIR document Bundle, JSON
    bundle: bytes  # the FHIR transaction Bundle to deliver, JSON
    parent_id: str | None = None  # for a return: the outbound transfer
    facts: TransferFacts | ReturnFacts | None = None  # what the measures need of it (stored with it)


@dataclass(frozen=True, slots=True)
class Transfer:
    """A transfer's identity and delivery state (the payloads are read separately)."""

    id: str
    kind: Kind
    parent_id: str | None
    client: str
    bag_number: str
    nhs_number: str | None
    status: Status
    attempts: int
    created_at: float
    updated_at: float
    next_attempt_at: float | None
    queued_at: float  # when it last entered the queue (accepted or requeued): its deadline runs from here
    delivered_at: float | None
    outcome: dict[str, Any] | None  # the server's OperationOutcome from the last failed attempt
    error: str | None  # what went wrong in the last failed attempt, in words


@dataclass(frozen=True, slots=True)
class Payload:
    """A transfer's stored bytes: the input as received, the document and the transaction."""

    input: bytes
    document: bytes
    bundle: bytes
    response: bytes | None  # what the server answered once delivered (JSON)


@dataclass(frozen=True, slots=True)
class Job:
    """A claimed transfer, ready to deliver; ``attempt`` counts this one (1 for the first)."""

    id: str
    kind: Kind
    bag_number: str
    attempt: int
    queued_at: float  # when it entered the queue: its delivery deadline runs from here
    bundle: bytes
    input: bytes


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """Who did what to which resident's red bag, and when (epoch seconds)."""

    at: float
    client: str
    action: str  # send, return, read, list, pull, view, convert, audit
    outcome: str  # ok, replayed, denied, not-found, invalid, error
    nhs_number: str | None = None
    bag_number: str | None = None
    transfer_id: str | None = None
    request_id: str | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """Filters for reading the audit trail (all optional), newest first."""

    nhs_number: str | None = None
    client: str | None = None
    action: str | None = None
    transfer_id: str | None = None
    since: float | None = None
    until: float | None = None
    limit: int = 100
