"""The protocol between the sans-I/O core and the I/O shells.

Every client operation is a *flow*: a generator that yields steps and receives replies. The
core decides everything (what to send, whether to retry, how long to wait, which page comes
next); a shell only performs the steps:

* :class:`Send` -- send the request, reply with the ``httpx.Response`` or the
  ``httpx.RequestError`` raised while sending;
* :class:`Sleep` -- wait, reply None;
* :class:`Emit` -- hand an item (a page, a resource) to the caller, reply None.

The flow's return value is the operation's result. The sync shell drives flows with blocking
calls, the async shell with ``await``; neither repeats any decision.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Generic, TypeVar

import httpx

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Send:
    """Send this request."""

    request: httpx.Request


@dataclass(frozen=True, slots=True)
class Sleep:
    """Wait this many seconds (before a retry)."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Emit(Generic[T]):
    """Give this item to the caller (streams: pages, resources)."""

    item: T


Step = Send | Sleep
Reply = httpx.Response | httpx.RequestError | None

# A request/response exchange (with retries) that returns R.
Flow = Generator[Step, Reply, R]
# A stream that emits items of type T (pages, resources) and returns nothing.
Stream = Generator[Step | Emit[T], Reply, None]


@dataclass(frozen=True, slots=True)
class Call:
    """A request plus what the core must remember about it: may it be repeated safely?"""

    request: httpx.Request
    idempotent: bool
