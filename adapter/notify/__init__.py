"""Subscriptions and notifications out: FHIR R4 Subscriptions checked, notifications built in the
Subscriptions Backport shape and signed, and sent to subscribers (delivery goes through the store's
notification outbox; the service's worker claims and sends).

>>> request = check_subscription(resource)                       # doctest: +SKIP
>>> bundle = notification_bundle(base=..., subscription_id=..., event_number=1, notice=..., journey=...,
...                              timestamp=...)                   # doctest: +SKIP
"""

from __future__ import annotations

from adapter.notify.bundle import PATHWAY_EVENT, event_number_of, notification_bundle
from adapter.notify.sender import DeliveryFailedError, NotificationSender
from adapter.notify.signing import SIGNATURE_HEADER, sign, verify
from adapter.notify.subscription import TOPIC, SubscriptionRequest, check_subscription, new_secret

__all__ = [
    "PATHWAY_EVENT",
    "SIGNATURE_HEADER",
    "TOPIC",
    "DeliveryFailedError",
    "NotificationSender",
    "SubscriptionRequest",
    "check_subscription",
    "event_number_of",
    "new_secret",
    "notification_bundle",
    "sign",
    "verify",
]
