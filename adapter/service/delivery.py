"""The delivery worker: threads that take transfers from the outbox and send them to the FHIR server.

Each service process runs one worker (``REDBAG_DELIVERY_THREADS`` threads, plus a heartbeat that renews
the claims they hold). A transfer that fails in a way worth repeating (no answer, 408, 409, 425, 429,
5xx) is retried with exponential backoff and jitter until its deadline (``REDBAG_DELIVERY_DEADLINE_HOURS``
after it was accepted or requeued, 24 hours by default: an outage of the FHIR server that long fails
nothing), with a last attempt at the deadline itself; any other refusal fails it at once, keeping the
server's OperationOutcome for the caller to read. A failed transfer stays visible (``/readyz``,
``/metrics``) until someone requeues it (hazard H22).
"""

from __future__ import annotations

import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from adapter.client.errors import FhirHttpError, InvalidRequestError
from adapter.config import DeliverySettings
from adapter.errors import FhirClientError, RedbagError
from adapter.service.logmask import masked_logger, protect, protected_scope, resident_words
from adapter.service.workers import PollingThreads
from adapter.store import Job, Kind, Outbox

log = masked_logger("adapter.service.delivery")
RETRIED_STATUSES = frozenset({408, 409, 425, 429})


class Sender(Protocol):
    """Sends one transaction Bundle; returns what to record of the server's answer; raises on failure."""

    def __call__(self, transaction: dict[str, Any]) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class Failure:
    """How a failed attempt is judged: worth repeating or not, in words, with the server's outcome."""

    retry: bool
    error: str
    outcome: dict[str, Any] | None


def judge(error: Exception) -> Failure:
    """Whether a failed delivery is worth repeating."""
    if isinstance(error, FhirHttpError):
        retry = error.status in RETRIED_STATUSES or error.status >= 500
        return Failure(retry, str(error), error.outcome)
    if isinstance(error, InvalidRequestError):
        return Failure(False, str(error), None)
    if isinstance(error, FhirClientError):  # no answer, a timeout, or an answer that is not FHIR
        return Failure(True, str(error), getattr(error, "outcome", None))
    if isinstance(error, RedbagError):
        return Failure(False, str(error), None)
    return Failure(True, f"{type(error).__name__}: {error}", None)


def retry_delay(attempt: int, policy: DeliverySettings, rand: Callable[[], float] = random.random) -> float:
    """Seconds before the attempt after ``attempt`` (1-based): doubling, capped, with equal jitter."""
    delay: float = min(policy.max_backoff_seconds, policy.backoff_seconds * 2.0 ** (attempt - 1))
    return delay / 2 + delay / 2 * rand()


def next_attempt(job: Job, now: float, policy: DeliverySettings) -> float | None:
    """When to try a failed transfer again: after the backoff, but never after its deadline, where it
    gets a last attempt; None once the deadline has passed (the transfer has failed)."""
    deadline = job.queued_at + policy.deadline_hours * 3600
    if now >= deadline:
        return None
    return min(now + retry_delay(job.attempt, policy), deadline)


class DeliveryWorker:
    """Delivery threads of one process, sharing the outbox with every other process."""

    def __init__(
        self,
        outbox: Outbox,
        make_sender: Callable[[], Sender],
        policy: DeliverySettings,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.outbox = outbox
        self.policy = policy
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._make_sender = make_sender
        self._clock = clock
        self._senders = threading.local()
        self._all: list[Sender] = []
        self._lock = threading.Lock()
        self._delivery = PollingThreads(
            "delivery", self._deliver_round, threads=policy.threads, poll_seconds=policy.poll_seconds
        )
        self._heartbeat = PollingThreads(
            "heartbeat", self._renew, threads=1, poll_seconds=policy.lease_seconds / 4
        )

    def start(self) -> None:
        """Start the delivery threads and the heartbeat."""
        self._delivery.start()
        self._heartbeat.start()
        log.info("delivery worker %s started with %d thread(s)", self.owner, self.policy.threads)

    def wake(self) -> None:
        """Look for work now (a transfer was just accepted)."""
        self._delivery.wake()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop taking work; wait for deliveries in flight (up to ``timeout`` seconds)."""
        self._delivery.stop(timeout)
        self._heartbeat.stop(timeout)
        with self._lock:
            senders, self._all = self._all, []
        for send in senders:
            close = getattr(send, "close", None)
            if callable(close):
                close()

    def _sender(self) -> Sender:
        """This thread's sender (each thread its own connection pool)."""
        send: Sender | None = getattr(self._senders, "send", None)
        if send is None:
            send = self._make_sender()
            self._senders.send = send
            with self._lock:
                self._all.append(send)
        return send

    def _deliver_round(self) -> bool:
        return self.deliver_one(self._sender())

    def _renew(self) -> bool:
        self.outbox.extend_leases(self.owner, self.policy.lease_seconds)
        return False

    def deliver_one(self, send: Sender) -> bool:
        """Claim one due transfer and deliver it; False when nothing was due."""
        jobs = self.outbox.claim(self.owner, self.policy.lease_seconds, limit=1)
        if not jobs:
            return False
        with protected_scope():
            self._deliver(jobs[0], send)
        return True

    def _outbound_summary(self, job: Job) -> Any:
        """The summary of the red bag a return job answers (None when it is gone)."""
        transfer = self.outbox.get(job.id)
        parent = self.outbox.payload(transfer.parent_id) if transfer and transfer.parent_id else None
        return orjson.loads(parent.input) if parent else None

    def _deliver(self, job: Job, send: Sender) -> None:
        protect(resident_words(orjson.loads(job.input)))
        if job.kind is Kind.RETURN:
            # A return's input is the discharge, which names no one: mask the names of the bag it answers.
            protect(resident_words(self._outbound_summary(job)))
        try:
            answer = send(orjson.loads(job.bundle))
        except Exception as exc:
            self._failed(job, judge(exc))
            return
        if self.outbox.mark_delivered(job.id, orjson.dumps(answer)):
            log.info("transfer %s (bag %s) delivered on attempt %d", job.id, job.bag_number, job.attempt)
        else:  # another process took the claim over (this one stalled past its lease) and got there first
            log.info(
                "transfer %s (bag %s) sent again on attempt %d (already delivered)",
                job.id,
                job.bag_number,
                job.attempt,
            )

    def _failed(self, job: Job, failure: Failure) -> None:
        now = self._clock()
        retry_at = next_attempt(job, now, self.policy) if failure.retry else None
        self.outbox.mark_failed(
            job.id, self.owner, error=failure.error, outcome=failure.outcome, retry_at=retry_at
        )
        if retry_at is None:
            why = "past its deadline" if failure.retry else "refused"
            log.warning(
                "transfer %s (bag %s) failed on attempt %d (%s; requeue it once the cause is fixed): %s",
                job.id,
                job.bag_number,
                job.attempt,
                why,
                failure.error,
            )
        else:
            log.info(
                "transfer %s (bag %s) attempt %d failed, retrying in %.0fs: %s",
                job.id,
                job.bag_number,
                job.attempt,
                retry_at - now,
                failure.error,
            )
