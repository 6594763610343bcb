"""When to repeat a request, and how long to wait first (decisions only: the shells do the sleeping).

A request is repeated only when that is safe: it is idempotent (GET, HEAD, PUT, DELETE, a
search, a create with ``If-None-Exist``, a transaction whose entries are all conditional or PUT),
or it provably never reached the server (the connection could not be opened). Retried answers:
connection failures and timeouts, 429, 502, 503 and 504, honouring ``Retry-After``
(RFC 9110 §10.2.3) and otherwise backing off exponentially with jitter, within a bounded number
of attempts and a bounded total wait.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

# Failures where the request cannot have been received: always safe to repeat.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def equal_jitter(delay: float) -> float:
    """Half the delay plus a random part of the other half (spreads clients, keeps a floor)."""
    return delay / 2 + random.uniform(0, delay / 2)  # not cryptographic


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounds for repeating failed requests; ``RetryPolicy(max_attempts=1)`` disables retries."""

    max_attempts: int = 4
    backoff: float = 0.5
    max_backoff: float = 30.0
    max_retry_after: float = 120.0
    max_total_delay: float = 180.0
    statuses: frozenset[int] = frozenset({429, 502, 503, 504})
    jitter: Callable[[float], float] = field(default=equal_jitter, compare=False)

    def delay(
        self, reply: httpx.Response | httpx.RequestError, idempotent: bool, attempt: int, waited: float
    ) -> float | None:
        """Seconds to wait before attempt ``attempt + 1`` (0-based), or None to stop here."""
        if attempt + 1 >= self.max_attempts:
            return None
        if isinstance(reply, httpx.RequestError):
            if not isinstance(reply, httpx.TransportError) or not (idempotent or isinstance(reply, NOT_SENT)):
                return None
            wait = self.backoff_delay(attempt)
        else:
            if reply.status_code not in self.statuses or not idempotent:
                return None
            requested = retry_after(reply)
            if requested is not None and requested > self.max_retry_after:
                return None
            wait = requested if requested is not None else self.backoff_delay(attempt)
        return wait if waited + wait <= self.max_total_delay else None

    def backoff_delay(self, attempt: int) -> float:
        """Exponential backoff with jitter for the given (0-based) attempt."""
        return self.jitter(min(self.max_backoff, self.backoff * 2**attempt))


def retry_after(response: httpx.Response) -> float | None:
    """``Retry-After`` in seconds (delta-seconds or an HTTP-date), or None when absent or unreadable."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    # Measure against the server's own clock when it sent one, so clock skew does not matter.
    try:
        now = parsedate_to_datetime(response.headers["Date"])
    except (KeyError, TypeError, ValueError):
        now = datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())
