"""Subscriptions and the notification outbox.

Each notification is queued in the same transaction as the event that caused it, numbered per
subscription (the Backport IG's event number, so receivers can tell a repeat), and delivered by claim
and lease like transfers: a process killed mid-delivery loses nothing, and the number lets the receiver
drop the copy it may get twice. Notifications about one resident reach one subscription in order: one
is due only when every earlier one of that resident for that subscription is delivered. A subscriber
that fails is not tried again before its ``retry_at`` (backoff per subscriber, not per notification),
and is retried until it answers: nothing is given up.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from adapter.store.database import Database, Row, Tx, first
from adapter.store.leases import Queue
from adapter.store.pathway_records import (
    CriteriaKind,
    NotificationJob,
    NotificationRow,
    SubscriptionRow,
)


@dataclass(frozen=True, slots=True)
class QueuedNotification:
    """A notification to queue: for which subscription, its number, about whom, what, and its bytes."""

    subscription_id: str
    event_number: int
    nhs_number: str
    journey_id: str | None
    kind: str
    body: bytes


_SUBSCRIPTION = (
    "id, client, status, criteria_kind, criteria_value, endpoint, headers, secret, resource, events, "
    "failures, "
    "error, created_at"
)
_NOTIFICATION = (
    "id, subscription_id, event_number, nhs_number, journey_id, kind, status, attempts, created_at, "
    "delivered_at, error"
)
NOTIFICATIONS = Queue(
    table="notifications",
    due="""
        ((t.status IN ('queued', 'retrying') AND t.next_attempt_at <= ?)
         OR (t.status = 'delivering' AND t.lease_expires_at < ?))
        AND NOT EXISTS (SELECT 1 FROM notifications e
                        WHERE e.subscription_id = t.subscription_id AND e.nhs_number = t.nhs_number
                        AND e.event_number < t.event_number AND e.status NOT IN ('delivered', 'cancelled'))
        AND EXISTS (SELECT 1 FROM subscriptions s WHERE s.id = t.subscription_id AND s.status <> 'off'
                    AND (s.retry_at IS NULL OR s.retry_at <= ?))
    """,
    order="t.next_attempt_at, t.id",
    returning=("id", "subscription_id", "event_number", "attempts", "body"),
)


def _subscription(row: Row) -> SubscriptionRow:
    return SubscriptionRow(
        **{
            **row,
            "criteria_kind": CriteriaKind(row["criteria_kind"]),
            "headers": tuple(orjson.loads(row["headers"])),
            "resource": row["resource"].encode(),
        }
    )


class NotificationTx:
    """Fan-out inside an event's transaction: who is subscribed, and queueing their notifications."""

    def __init__(self, tx: Tx, now: float) -> None:
        self.tx = tx
        self.now = now

    def subscribers(self, nhs_number: str, care_home: str | None, gp: str | None) -> list[SubscriptionRow]:
        """Live subscriptions about this resident, their care home or their GP practice."""
        criteria = [("resident", nhs_number), ("care-home", care_home), ("gp", gp)]
        given = [(kind, value) for kind, value in criteria if value]
        where = " OR ".join("(criteria_kind = ? AND criteria_value = ?)" for _ in given)
        rows = self.tx.execute(
            f"SELECT {_SUBSCRIPTION} FROM subscriptions WHERE status <> 'off' AND ({where}) ORDER BY id",
            [v for pair in given for v in pair],
        )
        return [_subscription(r) for r in rows]

    def reserve(self, subscription_id: str, count: int) -> int:
        """Take the subscription's next ``count`` event numbers for good; the first of them (1, 2, ...)."""
        row = first(
            self.tx.execute(
                "UPDATE subscriptions SET events = events + ? WHERE id = ? RETURNING events",
                (count, subscription_id),
            )
        )
        if row is None:
            raise KeyError(subscription_id)
        return int(row["events"]) - count + 1

    def queue(self, notifications: Sequence[QueuedNotification]) -> None:
        """Queue notifications, due now (one statement)."""
        if not notifications:
            return
        rows = ", ".join("(?, ?, ?, ?, ?, 'queued', ?, ?, ?)" for _ in notifications)
        params: list[Any] = []
        for n in notifications:
            params += [
                n.subscription_id,
                n.event_number,
                n.nhs_number,
                n.journey_id,
                n.kind,
                self.now,
                self.now,
            ]
            params.append(n.body.decode())
        self.tx.execute(
            "INSERT INTO notifications (subscription_id, event_number, nhs_number, journey_id, kind, status, "
            f"created_at, next_attempt_at, body) VALUES {rows}",
            params,
        )


class SubscriptionStore:
    """Subscriptions (made, read, ended) and the delivery of their notifications."""

    def __init__(self, db: Database, *, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self._clock = clock

    # -- subscriptions --------------------------------------------------------------------------

    def create(self, subscription: SubscriptionRow) -> None:
        """Store a new subscription."""
        now = self._clock()
        s = subscription
        with self.db.transaction(write=True) as tx:
            tx.execute(
                "INSERT INTO subscriptions (id, client, status, criteria_kind, criteria_value, "
                "endpoint, headers, "
                "secret, resource, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    s.id,
                    s.client,
                    s.status,
                    s.criteria_kind.value,
                    s.criteria_value,
                    s.endpoint,
                    orjson.dumps(list(s.headers)).decode(),
                    s.secret,
                    s.resource.decode(),
                    now,
                    now,
                ),
            )

    def get(self, subscription_id: str) -> SubscriptionRow | None:
        """One subscription, or None."""
        with self.db.transaction() as tx:
            row = first(
                tx.execute(f"SELECT {_SUBSCRIPTION} FROM subscriptions WHERE id = ?", (subscription_id,))
            )
        return _subscription(row) if row else None

    def of_client(self, client: str) -> list[SubscriptionRow]:
        """A client's subscriptions, newest first."""
        with self.db.transaction() as tx:
            rows = tx.execute(
                f"SELECT {_SUBSCRIPTION} FROM subscriptions WHERE client = ? ORDER BY created_at DESC",
                (client,),
            )
        return [_subscription(r) for r in rows]

    def end(self, subscription_id: str) -> bool:
        """Switch a subscription off; its undelivered notifications are cancelled. False if already off."""
        now = self._clock()
        with self.db.transaction(write=True) as tx:
            tx.execute(
                "UPDATE subscriptions SET status = 'off', updated_at = ? WHERE id = ? AND status <> 'off'",
                (now, subscription_id),
            )
            ended = tx.rowcount == 1
            tx.execute(
                "UPDATE notifications SET status = 'cancelled' WHERE subscription_id = ? "
                "AND status IN ('queued', 'retrying')",
                (subscription_id,),
            )
        return ended

    # -- delivering -----------------------------------------------------------------------------

    def claim(self, owner: str, lease_seconds: float, limit: int = 1) -> list[NotificationJob]:
        """Claim up to ``limit`` due notifications (head of each resident's line, subscribers not backing
        off) until the lease ends."""
        now = self._clock()
        with self.db.transaction() as tx:  # a read first: idle pollers never take the write lock
            waiting = tx.execute(
                "SELECT 1 AS waiting FROM notifications WHERE status IN ('queued', 'retrying', 'delivering') "
                "AND (next_attempt_at <= ? OR lease_expires_at < ?) LIMIT 1",
                (now, now),
            )
        if not waiting:
            return []
        with self.db.transaction(write=True) as tx:
            rows = NOTIFICATIONS.claim(
                tx, self.db.dialect, (now, now, now), owner, now, now + lease_seconds, limit
            )
            subscriptions = (
                {
                    r["id"]: r
                    for r in tx.execute(
                        "SELECT id, endpoint, headers, secret FROM subscriptions WHERE id IN "
                        f"({', '.join('?' for _ in rows)})",
                        [r["subscription_id"] for r in rows],
                    )
                }
                if rows
                else {}
            )
        jobs = []
        for r in rows:
            s = subscriptions[r["subscription_id"]]
            jobs.append(
                NotificationJob(
                    id=r["id"],
                    subscription_id=r["subscription_id"],
                    event_number=r["event_number"],
                    attempt=r["attempts"],
                    endpoint=s["endpoint"],
                    headers=tuple(orjson.loads(s["headers"])),
                    secret=s["secret"],
                    body=r["body"].encode(),
                )
            )
        return jobs

    def extend_leases(self, owner: str, lease_seconds: float) -> int:
        """Renew every claim ``owner`` holds."""
        with self.db.transaction(write=True) as tx:
            return NOTIFICATIONS.extend(tx, owner, self._clock() + lease_seconds)

    def settle(
        self,
        owner: str,
        delivered: list[NotificationJob],
        failed: list[tuple[NotificationJob, str]],
        retry_in: Callable[[int], float],
    ) -> None:
        """Record a round of deliveries in one transaction. A delivered notification is recorded whoever
        holds its claim (the subscriber has it) and clears its subscriber's failures; a failed one waits,
        and its subscriber is left alone for ``retry_in(failures in a row)`` seconds (only the claim holder
        records a failure: another process may have taken the notification over)."""
        now = self._clock()
        with self.db.transaction(write=True) as tx:
            for job in delivered:
                tx.execute(
                    "UPDATE notifications SET status = 'delivered', delivered_at = ?, error = NULL, "
                    "lease_owner = NULL, lease_expires_at = NULL, next_attempt_at = NULL "
                    "WHERE id = ? AND status <> 'delivered'",
                    (now, job.id),
                )
            for subscription_id in {job.subscription_id for job in delivered}:
                tx.execute(
                    "UPDATE subscriptions SET status = 'active', failures = 0, retry_at = NULL, error "
                    "= NULL, "
                    "updated_at = ? WHERE id = ? AND status = 'error'",
                    (now, subscription_id),
                )
            backed_off: dict[str, float] = {}
            for job, error in failed:
                if job.subscription_id not in backed_off:
                    row = first(
                        tx.execute(
                            "UPDATE subscriptions SET status = 'error', failures = failures + 1, error = ?, "
                            "updated_at = ? WHERE id = ? AND status <> 'off' RETURNING failures",
                            (error[:500], now, job.subscription_id),
                        )
                    )
                    retry_at = now + retry_in(int(row["failures"])) if row else now
                    tx.execute(
                        "UPDATE subscriptions SET retry_at = ? WHERE id = ?", (retry_at, job.subscription_id)
                    )
                    backed_off[job.subscription_id] = retry_at
                tx.execute(
                    "UPDATE notifications SET status = 'retrying', next_attempt_at = ?, error = ?, "
                    "lease_owner = NULL, lease_expires_at = NULL "
                    "WHERE id = ? AND lease_owner = ? AND status = 'delivering'",
                    (backed_off[job.subscription_id], error[:500], job.id, owner),
                )

    # -- reading --------------------------------------------------------------------------------

    def notifications(self, subscription_id: str, limit: int = 500) -> list[NotificationRow]:
        """A subscription's notifications by event number."""
        with self.db.transaction() as tx:
            rows = tx.execute(
                f"SELECT {_NOTIFICATION} FROM notifications WHERE subscription_id = ? ORDER BY "
                "event_number LIMIT ?",
                (subscription_id, limit),
            )
        return [NotificationRow(**r) for r in rows]

    def body(self, notification_id: int) -> bytes | None:
        """A notification's body as queued."""
        with self.db.transaction() as tx:
            row = first(tx.execute("SELECT body FROM notifications WHERE id = ?", (notification_id,)))
        return row["body"].encode() if row else None

    def counts(self) -> dict[str, int]:
        """Notifications by status."""
        with self.db.transaction() as tx:
            return NOTIFICATIONS.counts(tx)

    def subscription_counts(self) -> dict[str, int]:
        """Subscriptions by status (``error``: its endpoint is failing, and it is being retried)."""
        with self.db.transaction() as tx:
            rows = tx.execute("SELECT status, count(*) AS n FROM subscriptions GROUP BY status")
        return {r["status"]: int(r["n"]) for r in rows}

    def oldest_waiting(self) -> float | None:
        """When the longest-waiting undelivered notification was queued, or None."""
        with self.db.transaction() as tx:
            return NOTIFICATIONS.oldest_waiting(tx)

    def retry_now(self, subscription_id: str) -> int | None:
        """End a failing subscriber's backoff (an operator knows it is back): its waiting notifications are
        due now; how many (None: no such live subscription). Notifications are never given up, so this
        only shortens the wait."""
        now = self._clock()
        with self.db.transaction(write=True) as tx:
            tx.execute(
                "UPDATE subscriptions SET retry_at = NULL, updated_at = ? WHERE id = ? AND status <> 'off'",
                (now, subscription_id),
            )
            if tx.rowcount != 1:
                return None
            tx.execute(
                "UPDATE notifications SET next_attempt_at = ? WHERE subscription_id = ? "
                "AND status IN ('queued', 'retrying')",
                (now, subscription_id),
            )
            return tx.rowcount
