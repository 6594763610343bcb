"""The outbox's schema upgrades in place, on both databases: a version 2 outbox (transfers keyed by bag
and createdAt for every client alike) becomes version 3 (keyed per client, with the red bag as the FHIR
server knows it, and when each transfer entered the queue), its transfers kept."""

from __future__ import annotations

import orjson

from adapter.store import Kind, NewTransfer, Outbox, Status
from adapter.store.schema import SCHEMA_VERSION
from tests.store.clock import Clock


def _transfer(
    client: str, bag: str, content: str, kind: Kind = Kind.TRANSFER, parent: str | None = None
) -> NewTransfer:
    summary = {
        "bagNumber": bag,
        "createdAt": "2025-01-01T10:00:00Z",
        "careHome": {"odsCode": "VN4R7"},
        "x": content,
    }
    return NewTransfer(
        kind=kind,
        client=client,
        bag_number=bag,
        nhs_number="9434765919",
        natural_key=f"transfer|VN4R7|{bag}|2025-01-01T10:00:00Z" if parent is None else f"return|{parent}",
        idempotency_key=None,
        payload_hash=content,
        input=orjson.dumps(summary),
        document=b"{}",
        bundle=b"{}",
        parent_id=parent,
    )


def _as_version_2(outbox: Outbox) -> None:
    """Turn a fresh outbox's rows back into what version 2 wrote: no server_key or queued_at columns, and
    natural keys without the client."""
    with outbox.db.transaction(write=True) as tx:
        tx.execute("UPDATE transfers SET natural_key = server_key")
        tx.execute(
            "UPDATE transfers SET natural_key = 'transfer|' || bag_number || '|2025-01-01T10:00:00Z' "
            "WHERE kind = 'transfer'"
        )
        tx.execute("DROP INDEX transfers_by_server_key")
        tx.execute("ALTER TABLE transfers DROP COLUMN server_key")
        tx.execute("ALTER TABLE transfers DROP COLUMN queued_at")
        tx.execute("DELETE FROM outbox_schema")
        tx.execute("INSERT INTO outbox_schema (version) VALUES (2)")


def test_a_version_2_outbox_is_upgraded_and_its_transfers_keep_working(outbox: Outbox, clock: Clock) -> None:
    out, _ = outbox.enqueue(_transfer("ehr-a", "RB-1", "v1"))
    back, _ = outbox.enqueue(_transfer("ehr-a", "RB-1", "r1", Kind.RETURN, out.id))
    _as_version_2(outbox)
    outbox.migrate()
    outbox.migrate()  # twice: nothing changes the second time
    with outbox.db.transaction() as tx:
        rows = {
            r["id"]: r
            for r in tx.execute("SELECT id, natural_key, server_key, queued_at, created_at FROM transfers")
        }
        version = tx.execute("SELECT max(version) AS v FROM outbox_schema")[0]["v"]
    assert version == SCHEMA_VERSION == 3
    assert rows[out.id]["server_key"] == "transfer|VN4R7|RB-1|2025-01-01T10:00:00Z"
    assert rows[out.id]["natural_key"] == "ehr-a|transfer|VN4R7|RB-1|2025-01-01T10:00:00Z"
    assert rows[back.id]["natural_key"] == f"ehr-a|return|{out.id}"
    assert all(r["queued_at"] == r["created_at"] for r in rows.values())
    # keyed per client now: the sender's repeat is found, another client's red bag is its own
    assert outbox.enqueue(_transfer("ehr-a", "RB-1", "v1")) == (outbox.get(out.id), False)
    other, created = outbox.enqueue(_transfer("ehr-b", "RB-1", "v1"))
    assert created and other.id != out.id and other.status is Status.QUEUED
