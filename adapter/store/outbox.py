"""The durable outbox and transfer log: accept, claim, settle, read; plus the audit trail.

A transfer is written (with its audit event, in one transaction) before the caller hears 202. Delivery
threads claim due transfers under a lease: a claimed transfer is ``delivering`` until its lease expires,
so a process killed mid-delivery loses nothing: once the lease runs out another claim picks the transfer
up again. The FHIR transaction is idempotent (conditional operations), so delivering it a second time
after such a crash creates nothing twice.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import orjson

from adapter.store.database import Database, Row, Tx, first, iter_statements
from adapter.store.errors import (
    ConflictingTransferError,
    DatabaseError,
    DuplicateTransferError,
    IdempotencyKeyReusedError,
)
from adapter.store.leases import Queue
from adapter.store.records import (
    AuditEvent,
    AuditQuery,
    Job,
    Kind,
    NewTransfer,
    Payload,
    Status,
    Transfer,
)
from adapter.store.schema import (
    SCHEMA_VERSION,
    index_script,
    schema_script,
    upgrade_columns,
    upgrade_script,
)
from adapter.store.stay_facts import ReturnFacts, write_return, write_transfer

_COLUMNS = (
    "id, kind, parent_id, client, bag_number, nhs_number, status, attempts, created_at, updated_at, "
    "next_attempt_at, queued_at, delivered_at, outcome, error"
)
_MIGRATION_LOCK = 0x72656462  # PostgreSQL advisory lock key: one migrating process at a time

# A transfer is due when it waits and its time has come, or when the process that claimed it has not
# settled it before its lease ran out; a return waits until its outbound transfer is delivered.
TRANSFERS = Queue(
    table="transfers",
    due="""
        ((t.status IN ('queued', 'retrying') AND t.next_attempt_at <= ?)
         OR (t.status = 'delivering' AND t.lease_expires_at < ?))
        AND (t.parent_id IS NULL
             OR EXISTS (SELECT 1 FROM transfers p WHERE p.id = t.parent_id AND p.status = 'delivered'))
    """,
    order="t.next_attempt_at, t.created_at",
    returning=("id", "kind", "bag_number", "attempts", "queued_at", "bundle", "input"),
    changed_at="updated_at",
    waiting_since="queued_at",
)


def _text(data: bytes) -> str:
    return data.decode("utf-8")


def _transfer(row: Row) -> Transfer:
    outcome = row["outcome"]
    return Transfer(
        id=row["id"],
        kind=Kind(row["kind"]),
        parent_id=row["parent_id"],
        client=row["client"],
        bag_number=row["bag_number"],
        nhs_number=row["nhs_number"],
        status=Status(row["status"]),
        attempts=row["attempts"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        next_attempt_at=row["next_attempt_at"],
        queued_at=row["queued_at"] if row["queued_at"] is not None else row["created_at"],
        delivered_at=row["delivered_at"],
        outcome=orjson.loads(outcome) if outcome else None,
        error=row["error"],
    )


def _audit_event(row: Row) -> AuditEvent:
    return AuditEvent(
        id=row["id"],
        at=row["at"],
        client=row["client"],
        action=row["action"],
        outcome=row["outcome"],
        nhs_number=row["nhs_number"],
        bag_number=row["bag_number"],
        transfer_id=row["transfer_id"],
        request_id=row["request_id"],
    )


class Outbox:
    """Transfers waiting for, going through and done with delivery, in SQLite or PostgreSQL."""

    def __init__(self, db: Database, *, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self._clock = clock

    # -- set-up ------------------------------------------------------------------------------

    def migrate(self) -> None:
        """Create the tables when missing, or upgrade them (safe when several processes start together)."""
        dialect = self.db.dialect
        with self.db.transaction(write=True) as tx:
            if dialect == "postgresql":
                tx.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
            for statement in iter_statements(schema_script(dialect)):
                tx.execute(statement)  # every table IF NOT EXISTS: a new database gets the latest shape
            row = first(tx.execute("SELECT max(version) AS version FROM outbox_schema"))
            version = row["version"] if row else None
            if version is not None and version > SCHEMA_VERSION:
                raise DatabaseError(
                    f"{self.db.describe()}: the outbox schema is version {version}, newer than this "
                    f"redbag understands ({SCHEMA_VERSION}); upgrade redbag"
                )
            for upgrade in range((version or SCHEMA_VERSION) + 1, SCHEMA_VERSION + 1):
                for table, column, kind in upgrade_columns(upgrade, dialect):
                    if column not in self._columns(tx, table):
                        tx.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
                for statement in iter_statements(upgrade_script(upgrade, dialect)):
                    tx.execute(statement)
            for statement in iter_statements(index_script(dialect)):
                tx.execute(statement)
            if version is None or version < SCHEMA_VERSION:
                tx.execute("INSERT INTO outbox_schema (version) VALUES (?)", (SCHEMA_VERSION,))

    def _columns(self, tx: Tx, table: str) -> set[str]:
        """The columns a table has now (``table`` is this module's own name, never input)."""
        if self.db.dialect == "sqlite":
            return {r["name"] for r in tx.execute(f"PRAGMA table_info({table})")}
        rows = tx.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
            "AND table_schema = current_schema()",
            (table,),
        )
        return {r["column_name"] for r in rows}

    def ping(self) -> None:
        """Raise DatabaseError unless the database answers."""
        with self.db.transaction() as tx:
            tx.execute("SELECT 1 AS ok")

    def close(self) -> None:
        """Release the database connections."""
        self.db.close()

    # -- accepting ---------------------------------------------------------------------------

    def enqueue(self, new: NewTransfer, *, request_id: str | None = None) -> tuple[Transfer, bool]:
        """Accept ``new`` (and audit it), or find the transfer it repeats; True when newly accepted.

        Transfers belong to the client that sent them (hazard H21). A repeat is the same Idempotency-Key,
        or the same natural key (the red bag as the FHIR server knows it: the care home, bag number and
        createdAt), from the same client; with different content it raises IdempotencyKeyReusedError or
        DuplicateTransferError, naming the client's own transfer; a repeat of a transfer that failed
        puts it back in the queue. Another client's red bag is never found or named: the same red bag
        from another client is a transfer of its own (delivering it again changes nothing on the server),
        and a different one under the same natural key, which would overwrite it on the server, raises
        ConflictingTransferError, naming nothing.
        """
        now = self._clock()
        with self.db.transaction(write=True) as tx:
            self._refuse_conflict(tx, new)
            rows = tx.execute(
                f"""
                INSERT INTO transfers (id, kind, parent_id, client, bag_number, nhs_number, natural_key,
                    server_key, idempotency_key, payload_hash, status, attempts, created_at, updated_at,
                    next_attempt_at, queued_at, input, document, bundle)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING
                RETURNING {_COLUMNS}
                """,
                (
                    str(uuid.uuid4()),
                    new.kind.value,
                    new.parent_id,
                    new.client,
                    new.bag_number,
                    new.nhs_number,
                    f"{new.client}|{new.natural_key}",
                    new.natural_key,
                    new.idempotency_key,
                    new.payload_hash,
                    Status.QUEUED.value,
                    now,
                    now,
                    now,
                    now,
                    _text(new.input),
                    _text(new.document),
                    _text(new.bundle),
                ),
            )
            created = bool(rows)
            outcome = "ok"
            if rows:
                transfer = _transfer(rows[0])
            else:
                transfer = self._existing(tx, new)
                outcome = "replayed"
                if transfer.status is Status.FAILED:
                    transfer = self._requeue(tx, transfer.id, now) or transfer
                    outcome = "requeued"
            if created and new.facts is not None:
                if isinstance(new.facts, ReturnFacts):
                    if new.parent_id is not None:
                        write_return(tx, new.parent_id, new.facts)
                else:
                    write_transfer(tx, transfer.id, new.facts)
            action = "send" if new.kind is Kind.TRANSFER else "return"
            self._record(
                tx,
                AuditEvent(
                    at=now,
                    client=new.client,
                    action=action,
                    outcome=outcome,
                    nhs_number=new.nhs_number,
                    bag_number=new.bag_number,
                    transfer_id=transfer.id,
                    request_id=request_id,
                ),
            )
        return transfer, created

    @staticmethod
    def _refuse_conflict(tx: Tx, new: NewTransfer) -> None:
        """ConflictingTransferError when another client's transfer of this red bag has other content."""
        other = first(
            tx.execute(
                "SELECT 1 AS found FROM transfers WHERE server_key = ? AND client <> ? AND payload_hash <> ? "
                "LIMIT 1",
                (new.natural_key, new.client, new.payload_hash),
            )
        )
        if other is not None:
            raise ConflictingTransferError(
                "a red bag with this care home, bag number and createdAt"
                if new.kind is Kind.TRANSFER
                else "a return journey for this transfer"
            )

    def _existing(self, tx: Tx, new: NewTransfer) -> Transfer:
        """This client's transfer that ``new`` collided with; raises when it is not a faithful repeat."""
        if new.idempotency_key is not None:
            row = first(
                tx.execute(
                    f"SELECT {_COLUMNS}, payload_hash FROM transfers WHERE idempotency_key = ?",
                    (new.idempotency_key,),
                )
            )
            if row is not None:
                if row["payload_hash"] != new.payload_hash:
                    raise IdempotencyKeyReusedError(row["id"])
                return _transfer(row)
        row = first(
            tx.execute(
                f"SELECT {_COLUMNS}, payload_hash FROM transfers WHERE natural_key = ?",
                (f"{new.client}|{new.natural_key}",),
            )
        )
        if row is None:  # only a random id collision is left: never in practice, but never silent
            raise DatabaseError("could not accept the transfer (identifier collision); send it again")
        if row["payload_hash"] != new.payload_hash:
            what = (
                f"bag {new.bag_number} with this createdAt"
                if new.kind is Kind.TRANSFER
                else f"a return journey for bag {new.bag_number}"
            )
            raise DuplicateTransferError(row["id"], what)
        return _transfer(row)

    # -- delivering --------------------------------------------------------------------------

    def claim(self, owner: str, lease_seconds: float, limit: int = 1) -> list[Job]:
        """Claim up to ``limit`` due transfers for ``owner`` until the lease ends; oldest first."""
        now = self._clock()
        with self.db.transaction(write=True) as tx:
            rows = TRANSFERS.claim(tx, self.db.dialect, (now, now), owner, now, now + lease_seconds, limit)
        return [
            Job(
                id=r["id"],
                kind=Kind(r["kind"]),
                bag_number=r["bag_number"],
                attempt=r["attempts"],
                queued_at=r["queued_at"],
                bundle=r["bundle"].encode("utf-8"),
                input=r["input"].encode("utf-8"),
            )
            for r in rows
        ]

    def extend_leases(self, owner: str, lease_seconds: float) -> int:
        """Renew every claim ``owner`` holds (its heartbeat while it delivers); how many were renewed."""
        with self.db.transaction(write=True) as tx:
            return TRANSFERS.extend(tx, owner, self._clock() + lease_seconds)

    def mark_delivered(self, transfer_id: str, response: bytes) -> bool:
        """Record a delivery the server accepted; False when it was already recorded.

        Success is recorded whoever holds the claim: the server has the data, whatever else happened.
        """
        now = self._clock()
        with self.db.transaction(write=True) as tx:
            tx.execute(
                """
                UPDATE transfers SET status = 'delivered', delivered_at = ?, updated_at = ?, response = ?,
                    outcome = NULL, error = NULL, lease_owner = NULL, lease_expires_at = NULL,
                    next_attempt_at = NULL
                WHERE id = ? AND status <> 'delivered'
                """,
                (now, now, _text(response), transfer_id),
            )
            return tx.rowcount == 1

    def mark_failed(
        self,
        transfer_id: str,
        owner: str,
        *,
        error: str,
        outcome: dict[str, Any] | None,
        retry_at: float | None,
    ) -> bool:
        """Record a failed attempt: ``retrying`` until ``retry_at``, or ``failed`` for good when None.

        Only the current claim holder may do so (False otherwise: another process took over).
        """
        now = self._clock()
        status = Status.RETRYING if retry_at is not None else Status.FAILED
        with self.db.transaction(write=True) as tx:
            tx.execute(
                """
                UPDATE transfers SET status = ?, next_attempt_at = ?, updated_at = ?, outcome = ?, error = ?,
                    lease_owner = NULL, lease_expires_at = NULL
                WHERE id = ? AND lease_owner = ? AND status = 'delivering'
                """,
                (
                    status.value,
                    retry_at,
                    now,
                    orjson.dumps(outcome).decode("utf-8") if outcome else None,
                    error,
                    transfer_id,
                    owner,
                ),
            )
            return tx.rowcount == 1

    def requeue(self, transfer_id: str) -> Transfer | None:
        """Put a failed transfer back in the queue, due now, its deadline running again from now; the
        transfer as requeued, or None unless it had failed."""
        with self.db.transaction(write=True) as tx:
            return self._requeue(tx, transfer_id, self._clock())

    @staticmethod
    def _requeue(tx: Tx, transfer_id: str, now: float) -> Transfer | None:
        rows = tx.execute(
            "UPDATE transfers SET status = 'queued', attempts = 0, next_attempt_at = ?, queued_at = ?, "
            f"updated_at = ? WHERE id = ? AND status = 'failed' RETURNING {_COLUMNS}",
            (now, now, now, transfer_id),
        )
        return _transfer(rows[0]) if rows else None

    def failed_ids(self, limit: int = 1000) -> list[str]:
        """The ids of failed transfers, oldest first (for requeueing them all)."""
        with self.db.transaction() as tx:
            rows = tx.execute(
                "SELECT id FROM transfers WHERE status = 'failed' ORDER BY created_at, id LIMIT ?", (limit,)
            )
        return [r["id"] for r in rows]

    # -- reading -----------------------------------------------------------------------------

    def get(self, transfer_id: str) -> Transfer | None:
        """One transfer's state, or None."""
        with self.db.transaction() as tx:
            row = first(tx.execute(f"SELECT {_COLUMNS} FROM transfers WHERE id = ?", (transfer_id,)))
        return _transfer(row) if row else None

    def payload(self, transfer_id: str) -> Payload | None:
        """One transfer's stored input, document, transaction and server response, or None."""
        with self.db.transaction() as tx:
            row = first(
                tx.execute(
                    "SELECT input, document, bundle, response FROM transfers WHERE id = ?", (transfer_id,)
                )
            )
        if row is None:
            return None
        response = row["response"]
        return Payload(
            input=row["input"].encode("utf-8"),
            document=row["document"].encode("utf-8"),
            bundle=row["bundle"].encode("utf-8"),
            response=response.encode("utf-8") if response is not None else None,
        )

    def returns_of(self, transfer_id: str) -> list[Transfer]:
        """The return journeys recorded for an outbound transfer (at most one, by the natural key)."""
        with self.db.transaction() as tx:
            rows = tx.execute(
                f"SELECT {_COLUMNS} FROM transfers WHERE parent_id = ? ORDER BY created_at", (transfer_id,)
            )
        return [_transfer(r) for r in rows]

    def list_transfers(
        self,
        *,
        status: Status | None = None,
        client: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Transfer]:
        """Transfers, newest first, optionally of one status and one caller."""
        where, params = _filters(("status", status.value if status else None), ("client", client))
        with self.db.transaction() as tx:
            rows = tx.execute(
                f"SELECT {_COLUMNS} FROM transfers{where} ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
                (*params, limit, offset),
            )
        return [_transfer(r) for r in rows]

    def counts(self) -> dict[Status, int]:
        """How many transfers are in each status."""
        with self.db.transaction() as tx:
            found = TRANSFERS.counts(tx)
        return {s: found.get(s.value, 0) for s in Status}

    def oldest_waiting(self) -> float | None:
        """When the longest-waiting undelivered transfer (not failed) entered the queue, or None."""
        with self.db.transaction() as tx:
            return TRANSFERS.oldest_waiting(tx)

    # -- the audit trail -----------------------------------------------------------------------

    def record(self, event: AuditEvent) -> None:
        """Append one audit event."""
        with self.db.transaction(write=True) as tx:
            self._record(tx, event)

    @staticmethod
    def _record(tx: Tx, e: AuditEvent) -> None:
        tx.execute(
            "INSERT INTO audit_events (at, client, action, outcome, nhs_number, bag_number, transfer_id, "
            "request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (e.at, e.client, e.action, e.outcome, e.nhs_number, e.bag_number, e.transfer_id, e.request_id),
        )

    def audit(self, query: AuditQuery) -> list[AuditEvent]:
        """Audit events matching ``query``, newest first."""
        where, params = _filters(
            ("nhs_number", query.nhs_number),
            ("client", query.client),
            ("action", query.action),
            ("transfer_id", query.transfer_id),
        )
        ranges = [(op, v) for op, v in ((">=", query.since), ("<", query.until)) if v is not None]
        for op, value in ranges:
            where += f"{' AND' if where else ' WHERE'} at {op} ?"
            params.append(value)
        with self.db.transaction() as tx:
            rows = tx.execute(
                f"SELECT id, at, client, action, outcome, nhs_number, bag_number, transfer_id, request_id "
                f"FROM audit_events{where} ORDER BY at DESC, id DESC LIMIT ?",
                (*params, query.limit),
            )
        return [_audit_event(r) for r in rows]


def _filters(*pairs: tuple[str, Any]) -> tuple[str, list[Any]]:
    """``WHERE a = ? AND b = ?`` for the pairs whose value is given (column names are this module's)."""
    given = [(column, value) for column, value in pairs if value is not None]
    if not given:
        return "", []
    return " WHERE " + " AND ".join(f"{c} = ?" for c, _ in given), [v for _, v in given]
