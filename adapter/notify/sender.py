"""Sending one notification to a subscriber's rest-hook endpoint: a signed POST, 2xx or it failed."""

from __future__ import annotations

import httpx

from adapter.notify.signing import SIGNATURE_HEADER, sign

EVENT_NUMBER_HEADER = "X-Redbag-Event-Number"
SUBSCRIPTION_HEADER = "X-Redbag-Subscription"


class DeliveryFailedError(Exception):
    """The subscriber did not take the notification (no answer, or not 2xx); it will be sent again."""


class NotificationSender:
    """A connection pool to subscribers (one per delivery thread)."""

    def __init__(self, timeout: float) -> None:
        self.http = httpx.Client(timeout=timeout, follow_redirects=False)

    def send(
        self,
        endpoint: str,
        body: bytes,
        *,
        key: str,
        subscription_id: str,
        event_number: int,
        headers: tuple[str, ...],
    ) -> None:
        """POST ``body`` signed with ``key``; DeliveryFailedError unless the subscriber answers 2xx."""
        sent = {name.strip(): value.strip() for name, _, value in (h.partition(":") for h in headers)}
        sent |= {
            "Content-Type": "application/fhir+json",
            SIGNATURE_HEADER: sign(key, body),
            EVENT_NUMBER_HEADER: str(event_number),
            SUBSCRIPTION_HEADER: subscription_id,
        }
        try:
            answer = self.http.post(endpoint, content=body, headers=sent)
        except httpx.HTTPError as exc:
            raise DeliveryFailedError(f"no answer from the subscriber: {type(exc).__name__}") from exc
        if not 200 <= answer.status_code < 300:
            raise DeliveryFailedError(f"the subscriber answered HTTP {answer.status_code}")

    def close(self) -> None:
        """Close the connections."""
        self.http.close()
