"""Fan-out: one notification per notice for every live subscription about a resident, their care home or
their GP practice, queued in the caller's transaction (the notification outbox)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from adapter.notify import notification_bundle
from adapter.pathway import Journey, Notice
from adapter.store.subscriptions import NotificationTx, QueuedNotification

Json = dict[str, Any]


def queue_notices(
    notifications: NotificationTx,
    base: str,
    journey: Journey,
    notices: Sequence[Notice],
    *,
    extra: Sequence[Json] = (),
    details: Sequence[Json] = (),
    encounter_extensions: Sequence[Json] = (),
) -> int:
    """Queue the notices about ``journey`` for its subscribers (see :func:`adapter.notify.notification_bundle`
    for ``extra``, ``details`` and ``encounter_extensions``); how many notifications were queued."""
    subscribers = notifications.subscribers(journey.nhs_number, journey.care_home, journey.gp)
    stamp = datetime.fromtimestamp(notifications.now, UTC).isoformat(timespec="milliseconds")
    queued = []
    for subscription in subscribers:
        number = notifications.reserve(subscription.id, len(notices))
        for offset, notice in enumerate(notices):
            bundle = notification_bundle(
                base=base,
                subscription_id=subscription.id,
                event_number=number + offset,
                notice=notice,
                journey=journey,
                timestamp=stamp,
                extra=extra,
                details=details,
                encounter_extensions=encounter_extensions,
            )
            queued.append(
                QueuedNotification(
                    subscription.id,
                    number + offset,
                    journey.nhs_number,
                    journey.id,
                    notice.kind.value,
                    orjson.dumps(bundle),
                )
            )
    notifications.queue(queued)
    return len(queued)
