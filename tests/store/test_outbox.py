"""The outbox on real SQLite and real PostgreSQL: accepting, idempotency, claiming, leases, retries."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from adapter.store import (
    AuditEvent,
    AuditQuery,
    DuplicateTransferError,
    IdempotencyKeyReusedError,
    Kind,
    NewTransfer,
    Outbox,
    Status,
    open_outbox,
)
from tests.store.clock import Clock

LEASE = 60.0


def new_transfer(
    bag: str = "RB-1",
    *,
    client: str = "ehr-a",
    key: str | None = None,
    content: str = "v1",
    kind: Kind = Kind.TRANSFER,
    parent_id: str | None = None,
    nhs: str | None = "9434765919",
) -> NewTransfer:
    body = orjson.dumps({"bagNumber": bag, "content": content})
    return NewTransfer(
        kind=kind,
        client=client,
        bag_number=bag,
        nhs_number=nhs,
        natural_key=f"{kind.value}|{bag}|2025-01-01T10:00:00Z"
        if parent_id is None
        else f"return|{parent_id}",
        idempotency_key=f"{client}|{key}" if key else None,
        payload_hash=hashlib.sha256(body).hexdigest(),
        input=body,
        document=b'{"resourceType":"Bundle","type":"document"}',
        bundle=orjson.dumps({"resourceType": "Bundle", "type": "transaction", "bag": bag}),
        parent_id=parent_id,
    )


def test_an_accepted_transfer_is_queued_and_audited(outbox: Outbox) -> None:
    transfer, created = outbox.enqueue(new_transfer(), request_id="req-1")
    assert created
    assert transfer.status is Status.QUEUED
    assert transfer.attempts == 0
    assert outbox.get(transfer.id) == transfer
    payload = outbox.payload(transfer.id)
    assert payload is not None
    assert orjson.loads(payload.bundle)["bag"] == "RB-1"
    assert payload.response is None
    [event] = outbox.audit(AuditQuery(nhs_number="9434765919"))
    assert (event.client, event.action, event.outcome, event.transfer_id, event.request_id) == (
        "ehr-a",
        "send",
        "ok",
        transfer.id,
        "req-1",
    )


def test_the_same_idempotency_key_returns_the_same_transfer(outbox: Outbox) -> None:
    first, _ = outbox.enqueue(new_transfer(key="k1"))
    again, created = outbox.enqueue(new_transfer(key="k1"))
    assert not created
    assert again.id == first.id
    assert [e.outcome for e in outbox.audit(AuditQuery())] == ["replayed", "ok"]
    assert len(outbox.list_transfers()) == 1


def test_an_idempotency_key_reused_for_other_content_is_refused(outbox: Outbox) -> None:
    first, _ = outbox.enqueue(new_transfer(key="k1"))
    with pytest.raises(IdempotencyKeyReusedError) as caught:
        outbox.enqueue(new_transfer("RB-2", key="k1", content="other"))
    assert caught.value.transfer_id == first.id
    assert len(outbox.list_transfers()) == 1


def test_idempotency_keys_belong_to_their_caller(outbox: Outbox) -> None:
    a, _ = outbox.enqueue(new_transfer("RB-1", client="ehr-a", key="k1"))
    b, created = outbox.enqueue(new_transfer("RB-2", client="ehr-b", key="k1"))
    assert created
    assert a.id != b.id


def test_the_same_bag_and_created_at_is_one_transfer(outbox: Outbox) -> None:
    first, _ = outbox.enqueue(new_transfer(key="k1"))
    again, created = outbox.enqueue(new_transfer(key="k2"))  # a new key, but the same red bag
    assert not created
    assert again.id == first.id
    with pytest.raises(DuplicateTransferError) as caught:
        outbox.enqueue(new_transfer(content="changed"))
    assert caught.value.transfer_id == first.id
    assert "new createdAt" in str(caught.value)


def test_a_claimed_transfer_is_not_claimed_again_until_its_lease_ends(outbox: Outbox, clock: Clock) -> None:
    transfer, _ = outbox.enqueue(new_transfer())
    [job] = outbox.claim("p1", LEASE)
    assert (job.id, job.attempt, job.kind) == (transfer.id, 1, Kind.TRANSFER)
    assert orjson.loads(job.bundle)["bag"] == "RB-1"
    assert outbox.get(transfer.id).status is Status.DELIVERING  # type: ignore[union-attr]
    assert outbox.claim("p2", LEASE) == []
    clock.advance(LEASE - 1)
    assert outbox.claim("p2", LEASE) == []
    clock.advance(2)  # p1 died holding it: p2 takes over
    [again] = outbox.claim("p2", LEASE)
    assert (again.id, again.attempt) == (transfer.id, 2)
    # p1's late failure report must not overwrite p2's claim
    assert not outbox.mark_failed(transfer.id, "p1", error="late", outcome=None, retry_at=None)
    assert outbox.get(transfer.id).status is Status.DELIVERING  # type: ignore[union-attr]


def test_delivery_is_recorded_with_the_server_response(outbox: Outbox, clock: Clock) -> None:
    transfer, _ = outbox.enqueue(new_transfer())
    outbox.claim("p1", LEASE)
    clock.advance(5)
    assert outbox.mark_delivered(transfer.id, b'{"resourceType":"Bundle","type":"transaction-response"}')
    assert not outbox.mark_delivered(transfer.id, b"{}")  # recorded once
    done = outbox.get(transfer.id)
    assert done is not None
    assert (done.status, done.delivered_at, done.attempts) == (Status.DELIVERED, clock.now, 1)
    payload = outbox.payload(transfer.id)
    assert payload is not None and payload.response is not None
    assert orjson.loads(payload.response)["type"] == "transaction-response"
    clock.advance(10 * LEASE)
    assert outbox.claim("p2", LEASE) == []


def test_a_retrying_transfer_waits_for_its_time_then_fails_for_good(outbox: Outbox, clock: Clock) -> None:
    transfer, _ = outbox.enqueue(new_transfer())
    outbox.claim("p1", LEASE)
    outcome = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "transient"}]}
    assert outbox.mark_failed(transfer.id, "p1", error="HTTP 503", outcome=outcome, retry_at=clock.now + 30)
    waiting = outbox.get(transfer.id)
    assert waiting is not None
    assert (waiting.status, waiting.outcome, waiting.error) == (Status.RETRYING, outcome, "HTTP 503")
    clock.advance(29)
    assert outbox.claim("p1", LEASE) == []
    clock.advance(1)
    [job] = outbox.claim("p1", LEASE)
    assert job.attempt == 2
    assert outbox.mark_failed(transfer.id, "p1", error="HTTP 400", outcome=outcome, retry_at=None)
    assert outbox.get(transfer.id).status is Status.FAILED  # type: ignore[union-attr]
    clock.advance(10 * LEASE)
    assert outbox.claim("p1", LEASE) == []
    assert outbox.requeue(transfer.id)
    [job] = outbox.claim("p1", LEASE)
    assert job.attempt == 1


def test_a_return_waits_until_its_outbound_transfer_is_delivered(outbox: Outbox) -> None:
    out, _ = outbox.enqueue(new_transfer())
    back, _ = outbox.enqueue(new_transfer(kind=Kind.RETURN, parent_id=out.id))
    assert [j.id for j in outbox.claim("p1", LEASE, limit=5)] == [out.id]
    assert outbox.claim("p1", LEASE, limit=5) == []
    outbox.mark_delivered(out.id, b"{}")
    [job] = outbox.claim("p1", LEASE, limit=5)
    assert (job.id, job.kind) == (back.id, Kind.RETURN)
    assert [t.id for t in outbox.returns_of(out.id)] == [back.id]


def test_transfers_are_listed_newest_first_by_status_and_caller(outbox: Outbox, clock: Clock) -> None:
    ids = []
    for n, client in enumerate(["ehr-a", "ehr-b", "ehr-a"]):
        transfer, _ = outbox.enqueue(new_transfer(f"RB-{n}", client=client))
        ids.append(transfer.id)
        clock.advance(1)
    outbox.claim("p1", LEASE)  # the oldest
    outbox.mark_delivered(ids[0], b"{}")
    assert [t.id for t in outbox.list_transfers()] == ids[::-1]
    assert [t.id for t in outbox.list_transfers(client="ehr-a")] == [ids[2], ids[0]]
    assert [t.id for t in outbox.list_transfers(status=Status.QUEUED)] == [ids[2], ids[1]]
    assert [t.id for t in outbox.list_transfers(limit=1, offset=1)] == [ids[1]]
    counts = outbox.counts()
    assert (counts[Status.QUEUED], counts[Status.DELIVERED], counts[Status.FAILED]) == (2, 1, 0)


def test_the_audit_trail_answers_who_did_what_to_whose_red_bag(outbox: Outbox, clock: Clock) -> None:
    outbox.record(AuditEvent(at=clock.now, client="ehr-a", action="pull", outcome="ok", nhs_number="111"))
    clock.advance(10)
    outbox.record(AuditEvent(at=clock.now, client="ehr-b", action="read", outcome="ok", nhs_number="111"))
    outbox.record(AuditEvent(at=clock.now, client="ehr-b", action="pull", outcome="ok", nhs_number="222"))
    assert [e.client for e in outbox.audit(AuditQuery(nhs_number="111"))] == ["ehr-b", "ehr-a"]
    assert [e.nhs_number for e in outbox.audit(AuditQuery(action="pull"))] == ["222", "111"]
    assert len(outbox.audit(AuditQuery(client="ehr-b", nhs_number="222"))) == 1
    assert len(outbox.audit(AuditQuery(since=clock.now))) == 2
    assert len(outbox.audit(AuditQuery(until=clock.now))) == 1
    assert len(outbox.audit(AuditQuery(limit=1))) == 1


def test_migrating_twice_changes_nothing(database_url: str) -> None:
    first = open_outbox(database_url)
    first.enqueue(new_transfer())
    second = open_outbox(database_url)  # a second process starting on the same database
    assert len(second.list_transfers()) == 1
    first.close()
    second.close()


def test_the_sqlite_file_is_private_and_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    outbox = open_outbox(f"sqlite:///{path}")
    with outbox.db.transaction() as tx:
        assert tx.execute("PRAGMA journal_mode")[0]["journal_mode"] == "wal"
    outbox.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize("processes", [3])
def test_processes_sharing_the_queue_never_claim_a_transfer_twice(
    database_url: str, processes: int, tmp_path: Path
) -> None:
    outbox = open_outbox(database_url)
    accepted = {outbox.enqueue(new_transfer(f"RB-{n}"))[0].id for n in range(120)}
    worker = Path(__file__).with_name("claim_worker.py")
    go = tmp_path / "go"
    env = os.environ | {"PYTHONWARNINGS": "error"}
    running = [
        subprocess.Popen(
            [sys.executable, str(worker), database_url, str(n), str(go)], stdout=subprocess.PIPE, env=env
        )
        for n in range(processes)
    ]
    for process in running:
        assert process.stdout is not None and process.stdout.readline() == b"ready\n"
    go.touch()  # all connected: start claiming together
    claimed: list[str] = []
    per_process = []
    for process in running:
        out, _ = process.communicate(timeout=120)
        assert process.returncode == 0
        ids = out.decode().split()
        per_process.append(len(ids))
        claimed += ids
    assert sorted(claimed) == sorted(accepted)  # each exactly once, none lost
    assert sum(1 for n in per_process if n) >= 2, f"the work was not shared: {per_process}"
    assert outbox.counts()[Status.DELIVERED] == len(accepted)
    outbox.close()
