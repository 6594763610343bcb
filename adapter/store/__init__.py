"""The durable transfer outbox and audit trail: SQLite by default, PostgreSQL when the URL says so.

>>> outbox = open_outbox("sqlite:///redbag.db")          # doctest: +SKIP
>>> transfer, created = outbox.enqueue(new_transfer)     # doctest: +SKIP

This package does not deliver anything itself (it imports no FHIR client): the service's delivery
worker claims jobs here, sends them, and records the outcome here.
"""

from __future__ import annotations

from adapter.store.database import Database
from adapter.store.errors import DatabaseError, DuplicateTransferError, IdempotencyKeyReusedError
from adapter.store.journeys import JourneyStore, JourneyTx, Unit
from adapter.store.outbox import Outbox
from adapter.store.pathway_records import (
    CriteriaKind,
    EventRow,
    JourneyRow,
    NotificationJob,
    NotificationRow,
    SentRedBag,
    SubscriptionRow,
)
from adapter.store.readiness import Published, ReadinessRow, ReadinessStore, ReadinessTx, ReadinessUnit
from adapter.store.records import AuditEvent, AuditQuery, Job, Kind, NewTransfer, Payload, Status, Transfer
from adapter.store.subscriptions import NotificationTx, SubscriptionStore


def open_database(url: str, *, max_connections: int = 8) -> Database:
    """The database a URL names: ``sqlite:///FILE`` or ``postgresql://...``."""
    if url.startswith("sqlite:///"):
        from adapter.store.sqlite import SqliteDatabase

        return SqliteDatabase.from_url(url)
    if url.startswith(("postgresql://", "postgres://")):
        from adapter.store.postgres import PostgresDatabase  # psycopg is only needed for PostgreSQL

        return PostgresDatabase(url, max_connections=max_connections)
    raise DatabaseError(f"unsupported database URL (want sqlite:///FILE or postgresql://...): {url[:20]}...")


def open_outbox(url: str, *, max_connections: int = 8) -> Outbox:
    """An outbox on the database ``url`` names, with its tables created when missing."""
    outbox = Outbox(open_database(url, max_connections=max_connections))
    try:
        outbox.migrate()
    except BaseException:
        outbox.close()
        raise
    return outbox


__all__ = [
    "AuditEvent",
    "AuditQuery",
    "CriteriaKind",
    "Database",
    "DatabaseError",
    "DuplicateTransferError",
    "EventRow",
    "IdempotencyKeyReusedError",
    "Job",
    "JourneyRow",
    "JourneyStore",
    "JourneyTx",
    "Kind",
    "NewTransfer",
    "NotificationJob",
    "NotificationRow",
    "NotificationTx",
    "Outbox",
    "Payload",
    "Published",
    "ReadinessRow",
    "ReadinessStore",
    "ReadinessTx",
    "ReadinessUnit",
    "SentRedBag",
    "Status",
    "SubscriptionRow",
    "SubscriptionStore",
    "Transfer",
    "Unit",
    "open_database",
    "open_outbox",
]
