"""What waits in the outboxes and what failed for good, for ``/readyz`` and ``/metrics`` (Prometheus text
format, https://prometheus.io/docs/instrumenting/exposition_formats/). Counts over every client: no
transfer id, client, resident or subscriber is ever shown."""

from __future__ import annotations

from dataclasses import dataclass

from adapter.service.models import QueueState
from adapter.service.state import Service
from adapter.store import Status


@dataclass(frozen=True, slots=True)
class Counts:
    """The outboxes counted once."""

    transfers: dict[str, int]
    oldest_transfer: float | None
    notifications: dict[str, int]
    oldest_notification: float | None
    subscriptions: dict[str, int]


_WAITING = ("queued", "retrying", "delivering")
_NOTIFICATION_STATUSES = ("queued", "delivering", "retrying", "delivered", "cancelled")
_SUBSCRIPTION_STATUSES = ("active", "error", "off")


def count(service: Service) -> Counts:
    """Both outboxes, counted (DatabaseError, hence 503, when the database does not answer)."""
    outbox = service.require_outbox()
    subscriptions = service.require_pathway().subscriptions
    return Counts(
        transfers={s.value: n for s, n in outbox.counts().items()},
        oldest_transfer=outbox.oldest_waiting(),
        notifications=subscriptions.counts(),
        oldest_notification=subscriptions.oldest_waiting(),
        subscriptions=subscriptions.subscription_counts(),
    )


def _age(now: float, since: float | None) -> float | None:
    return round(max(0.0, now - since), 3) if since is not None else None


def queue_state(counts: Counts, now: float) -> QueueState:
    """The counts as /readyz shows them."""
    return QueueState(
        failedTransfers=counts.transfers.get(Status.FAILED.value, 0),
        waitingTransfers=sum(counts.transfers.get(s, 0) for s in _WAITING),
        oldestWaitingTransferSeconds=_age(now, counts.oldest_transfer),
        waitingNotifications=sum(counts.notifications.get(s, 0) for s in _WAITING),
        oldestWaitingNotificationSeconds=_age(now, counts.oldest_notification),
        failingSubscriptions=counts.subscriptions.get("error", 0),
    )


def _gauge(name: str, help_text: str, samples: list[tuple[str, float]]) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
    lines += [f"{name}{labels} {value:g}" for labels, value in samples]
    return lines


def metrics_text(counts: Counts, now: float) -> str:
    """The counts as Prometheus gauges."""
    oldest = [
        ("redbag_transfer_oldest_waiting_seconds", counts.oldest_transfer, "transfer"),
        ("redbag_notification_oldest_waiting_seconds", counts.oldest_notification, "notification"),
    ]
    lines = _gauge(
        "redbag_transfers",
        "Transfers (red bags and return journeys) in the outbox, by status; failed ones wait for a requeue.",
        [(f'{{status="{s.value}"}}', counts.transfers.get(s.value, 0)) for s in Status],
    )
    lines += _gauge(
        "redbag_notifications",
        "Notifications to subscribers, by status (never failed: retried until delivered).",
        [(f'{{status="{s}"}}', counts.notifications.get(s, 0)) for s in _NOTIFICATION_STATUSES],
    )
    lines += _gauge(
        "redbag_subscriptions",
        "Subscriptions by status (error: the endpoint fails and is being retried).",
        [(f'{{status="{s}"}}', counts.subscriptions.get(s, 0)) for s in _SUBSCRIPTION_STATUSES],
    )
    for name, since, what in oldest:
        lines += _gauge(
            name,
            f"Seconds the longest-waiting undelivered {what} has waited (0 when none waits).",
            [("", _age(now, since) or 0.0)],
        )
    return "\n".join(lines) + "\n"
