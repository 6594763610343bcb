"""The delivery worker: threads that take transfers from the outbox and send them to the FHIR server.

Each service process runs one worker (``REDBAG_DELIVERY_THREADS`` threads, plus a heartbeat that renews
the claims they hold). A transfer that fails in a way worth repeating (no answer, 408, 409, 425, 429,
5xx) is retried with exponential backoff and jitter until ``max_attempts``; any other refusal fails it
at once, keeping the server's OperationOutcome for the caller to read.
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
from adapter.store import Job, Kind, Outbox
from adapter.store.errors import DatabaseError

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
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Start the delivery threads and the heartbeat."""
        self._stop.clear()
        self._threads = [
            threading.Thread(target=self._deliver_forever, name=f"redbag-delivery-{n}", daemon=True)
            for n in range(self.policy.threads)
        ]
        self._threads.append(threading.Thread(target=self._heartbeat, name="redbag-heartbeat", daemon=True))
        for thread in self._threads:
            thread.start()
        log.info("delivery worker %s started with %d thread(s)", self.owner, self.policy.threads)

    def wake(self) -> None:
        """Look for work now (a transfer was just accepted)."""
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop taking work; wait for deliveries in flight (up to ``timeout`` seconds)."""
        self._stop.set()
        self._wake.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads = []

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
            failure = judge(exc)
            last = job.attempt >= self.policy.max_attempts
            retry_at = (
                self._clock() + retry_delay(job.attempt, self.policy) if failure.retry and not last else None
            )
            self.outbox.mark_failed(
                job.id, self.owner, error=failure.error, outcome=failure.outcome, retry_at=retry_at
            )
            if retry_at is None:
                log.warning(
                    "transfer %s (bag %s) failed on attempt %d: %s",
                    job.id,
                    job.bag_number,
                    job.attempt,
                    failure.error,
                )
            else:
                log.info(
                    "transfer %s (bag %s) attempt %d failed, retrying in %.0fs: %s",
                    job.id,
                    job.bag_number,
                    job.attempt,
                    retry_at - self._clock(),
                    failure.error,
                )
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

    def _deliver_forever(self) -> None:
        send = self._make_sender()
        while not self._stop.is_set():
            try:
                busy = self.deliver_one(send)
            except DatabaseError as exc:
                log.warning("delivery paused: %s", exc)
                busy = False
            except Exception:  # a bug must not end delivery for the life of the process
                log.exception("delivery thread error")
                busy = False
            if not busy:
                self._wake.wait(self.policy.poll_seconds)
                self._wake.clear()
        close = getattr(send, "close", None)
        if callable(close):
            close()

    def _heartbeat(self) -> None:
        interval = self.policy.lease_seconds / 4
        while not self._stop.wait(interval):
            try:
                self.outbox.extend_leases(self.owner, self.policy.lease_seconds)
            except DatabaseError as exc:
                log.warning("could not renew delivery claims: %s", exc)
