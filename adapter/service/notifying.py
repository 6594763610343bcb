"""Delivering notifications: claim one from the notification outbox, send it signed, record the outcome.

A subscriber that fails is left alone for a backoff that doubles with its consecutive failures (capped,
with jitter), then tried again, for as long as it takes: nothing is given up, and once it answers it
gets everything that waited, each resident's notifications in order. A notification that was sent but
whose success was not recorded (the process died) is sent again with the same event number, which is
how the receiver recognises the copy.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import replace

from adapter.config import Settings
from adapter.notify import DeliveryFailedError, NotificationSender
from adapter.service.delivery import retry_delay
from adapter.service.logmask import masked_logger
from adapter.store import NotificationJob, SubscriptionStore

BATCH = 32  # notifications claimed, sent and recorded per round

log = masked_logger("adapter.service.notifying")


class NotificationDelivery:
    """One process's notification delivery: ``deliver_batch`` per round of a delivery thread."""

    def __init__(self, store: SubscriptionStore, settings: Settings) -> None:
        self.store = store
        self.owner = f"{socket.gethostname()}:{os.getpid()}:notify:{uuid.uuid4().hex[:8]}"
        self.lease_seconds = settings.delivery.lease_seconds
        self.timeout = settings.pathway.notify_timeout
        self.backoff = replace(
            settings.delivery,
            backoff_seconds=settings.pathway.notify_backoff_seconds,
            max_backoff_seconds=settings.pathway.notify_max_backoff_seconds,
        )
        self._senders = threading.local()
        self._all: list[NotificationSender] = []
        self._lock = threading.Lock()

    def _sender(self) -> NotificationSender:
        sender: NotificationSender | None = getattr(self._senders, "sender", None)
        if sender is None:
            sender = NotificationSender(self.timeout)
            self._senders.sender = sender
            with self._lock:
                self._all.append(sender)
        return sender

    def retry_in(self, failures: int) -> float:
        """Seconds to leave a subscriber alone after ``failures`` failures in a row."""
        return retry_delay(failures, self.backoff)

    def deliver_batch(self) -> bool:
        """Claim due notifications (each the first of its resident's line), send them, and record the round
        in one transaction; False when none was due. After a subscriber fails, its other notifications of
        the round are not tried (they wait for its backoff)."""
        jobs = self.store.claim(self.owner, self.lease_seconds, limit=BATCH)
        if not jobs:
            return False
        delivered: list[NotificationJob] = []
        failed: list[tuple[NotificationJob, str]] = []
        failing: dict[str, str] = {}
        sender = self._sender()
        for job in jobs:
            if job.subscription_id in failing:
                failed.append((job, failing[job.subscription_id]))
                continue
            try:
                sender.send(
                    job.endpoint,
                    job.body,
                    key=job.secret,
                    subscription_id=job.subscription_id,
                    event_number=job.event_number,
                    headers=job.headers,
                )
            except DeliveryFailedError as exc:
                failing[job.subscription_id] = str(exc)
                failed.append((job, str(exc)))
                log.info(
                    "notification %d of subscription %s not delivered (attempt %d): %s",
                    job.event_number,
                    job.subscription_id,
                    job.attempt,
                    exc,
                )
                continue
            delivered.append(job)
        self.store.settle(self.owner, delivered, failed, self.retry_in)
        if delivered:
            log.debug("%d notification(s) delivered", len(delivered))
        return True

    def heartbeat(self) -> Callable[[], bool]:
        """A round of the lease heartbeat (renews this process's claims; never busy)."""

        def renew() -> bool:
            self.store.extend_leases(self.owner, self.lease_seconds)
            return False

        return renew

    def close(self) -> None:
        """Close the connections to subscribers."""
        with self._lock:
            senders, self._all = self._all, []
        for sender in senders:
            sender.close()
