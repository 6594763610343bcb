"""The delivery worker on a real SQLite outbox, with senders that fail on purpose (fault injection)."""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from adapter.client.errors import (
    BadRequestError,
    ConflictError,
    FhirTimeoutError,
    FhirTransportError,
    InvalidRequestError,
    ServerError,
    TooManyRequestsError,
    UnprocessableError,
)
from adapter.errors import InputError
from adapter.service.delivery import DeliveryWorker, judge, retry_delay
from adapter.store import Kind, NewTransfer, Outbox, Status, open_database, open_outbox
from tests.service.helpers import FAST_DELIVERY
from tests.store.clock import Clock

REQUEST = httpx.Request("POST", "http://fhir.test/fhir")
OUTCOME = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "invalid"}]}


def http_error(kind: type[Any], status: int) -> Exception:
    error: Exception = kind(REQUEST, httpx.Response(status, request=REQUEST), OUTCOME)
    return error


@pytest.mark.parametrize(
    ("error", "retry"),
    [
        (http_error(ServerError, 503), True),
        (http_error(ServerError, 500), True),
        (http_error(TooManyRequestsError, 429), True),
        (http_error(ConflictError, 409), True),  # concurrent conditional creates on the server
        (http_error(BadRequestError, 400), False),
        (http_error(UnprocessableError, 422), False),
        (FhirTransportError("connection refused", REQUEST), True),
        (FhirTimeoutError("read timeout", REQUEST), True),
        (InvalidRequestError("bad type"), False),
        (InputError("not a transaction"), False),
        (RuntimeError("a bug"), True),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Exception) else str(v),
)
def test_which_failures_are_worth_repeating(error: Exception, retry: bool) -> None:
    failure = judge(error)
    assert failure.retry is retry
    if hasattr(error, "status"):
        assert failure.outcome == OUTCOME


def test_retry_delays_double_with_jitter_up_to_the_cap() -> None:
    policy = replace(FAST_DELIVERY, backoff_seconds=2.0, max_backoff_seconds=30.0)
    assert [retry_delay(n, policy, rand=lambda: 1.0) for n in (1, 2, 3, 4, 5, 6)] == [2, 4, 8, 16, 30, 30]
    assert retry_delay(3, policy, rand=lambda: 0.0) == 4.0  # never less than half


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def outbox(tmp_path: Path, clock: Clock) -> Outbox:
    box = Outbox(open_database(f"sqlite:///{tmp_path / 'worker.db'}"), clock=clock)
    box.migrate()
    return box


def queue(outbox: Outbox, bag: str = "RB-1") -> str:
    summary = {"bagNumber": bag, "resident": {"name": {"given": ["Ada"], "family": "Lovelace"}}}
    body = orjson.dumps(summary)
    new = NewTransfer(
        Kind.TRANSFER,
        "ehr-a",
        bag,
        "9434765919",
        f"transfer|{bag}",
        None,
        hashlib.sha256(body).hexdigest(),
        body,
        b"{}",
        orjson.dumps({"resourceType": "Bundle", "type": "transaction", "entry": []}),
    )
    return outbox.enqueue(new)[0].id


class ScriptedSender:
    """Fault injection: fails as scripted, then answers."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.sent: list[dict[str, Any]] = []

    def __call__(self, transaction: dict[str, Any]) -> dict[str, Any]:
        self.sent.append(transaction)
        if self.failures:
            raise self.failures.pop(0)
        return {"entries": 0, "created": 0}


def test_a_transient_failure_is_retried_then_delivered(outbox: Outbox, clock: Clock) -> None:
    worker = DeliveryWorker(outbox, ScriptedSender, FAST_DELIVERY, clock=clock)
    transfer_id = queue(outbox)
    send = ScriptedSender(http_error(ServerError, 503))
    assert worker.deliver_one(send)
    waiting = outbox.get(transfer_id)
    assert waiting is not None
    assert (waiting.status, waiting.attempts, waiting.outcome) == (Status.RETRYING, 1, OUTCOME)
    assert waiting.next_attempt_at is not None and waiting.next_attempt_at > clock.now
    assert not worker.deliver_one(send)  # not due yet
    clock.advance(FAST_DELIVERY.max_backoff_seconds)
    assert worker.deliver_one(send)
    done = outbox.get(transfer_id)
    assert done is not None and (done.status, done.attempts, done.error) == (Status.DELIVERED, 2, None)
    assert len(send.sent) == 2


def test_a_refusal_fails_at_once_and_retries_end_at_the_deadline(outbox: Outbox, clock: Clock) -> None:
    policy = replace(FAST_DELIVERY, deadline_hours=10 / 3600)  # ten seconds
    worker = DeliveryWorker(outbox, ScriptedSender, policy, clock=clock)
    refused, flaky = queue(outbox, "RB-1"), queue(outbox, "RB-2")
    assert worker.deliver_one(ScriptedSender(http_error(UnprocessableError, 422)))
    assert outbox.get(refused).status is Status.FAILED  # type: ignore[union-attr]
    deadline = clock.now + 10
    failing = ScriptedSender(*(FhirTransportError("refused", REQUEST) for _ in range(100)))
    while outbox.get(flaky).status is not Status.FAILED:  # type: ignore[union-attr]
        waiting = outbox.get(flaky)
        assert waiting is not None and (waiting.next_attempt_at or 0) <= deadline  # never past it
        clock.now = max(clock.now, waiting.next_attempt_at or clock.now)
        assert worker.deliver_one(failing)
    gave_up = outbox.get(flaky)
    assert gave_up is not None and gave_up.error == "refused" and gave_up.attempts >= 5
    assert clock.now == deadline  # the last attempt was made at the deadline itself


def test_the_heartbeat_keeps_a_slow_delivery_claimed(tmp_path: Path) -> None:
    outbox = open_outbox(f"sqlite:///{tmp_path / 'heartbeat.db'}")  # on real time
    release = threading.Event()

    class SlowSender:
        def __call__(self, transaction: dict[str, Any]) -> dict[str, Any]:
            release.wait(10)
            return {}

    policy = replace(FAST_DELIVERY, lease_seconds=2.0, poll_seconds=0.05)
    worker = DeliveryWorker(outbox, SlowSender, policy)
    transfer_id = queue(outbox)
    worker.start()
    try:
        while outbox.get(transfer_id).status is not Status.DELIVERING:  # type: ignore[union-attr]
            time.sleep(0.01)  # the worker has claimed it and is sending it, slowly
        deadline = time.monotonic() + 2.5 * policy.lease_seconds  # well past the lease: only the heartbeat
        while time.monotonic() < deadline:  # keeps the claim
            assert outbox.claim("someone-else", policy.lease_seconds) == []
            time.sleep(0.1)
        assert outbox.get(transfer_id).status is Status.DELIVERING  # type: ignore[union-attr]
        release.set()
        deadline = time.monotonic() + 5
        while outbox.get(transfer_id).status is not Status.DELIVERED:  # type: ignore[union-attr]
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        release.set()
        worker.stop()
