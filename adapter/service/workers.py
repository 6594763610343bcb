"""Background threads that poll for work: each runs ``work()`` (True when it did something) until
stopped, waiting ``poll_seconds`` (or until woken) when there was nothing to do. A failing round is
logged and the thread carries on: a bug or a database outage must not end the work for the process."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from adapter.service.logmask import masked_logger
from adapter.store.errors import DatabaseError

log = masked_logger("adapter.service.workers")


class PollingThreads:
    """Threads running one kind of work, with a shared wake-up call."""

    def __init__(self, name: str, work: Callable[[], bool], *, threads: int, poll_seconds: float) -> None:
        self.name = name
        self._work = work
        self._count = threads
        self._poll = poll_seconds
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Start the threads."""
        self._stop.clear()
        self._threads = [
            threading.Thread(target=self._run, name=f"redbag-{self.name}-{n}", daemon=True)
            for n in range(self._count)
        ]
        for thread in self._threads:
            thread.start()

    def wake(self) -> None:
        """Look for work now."""
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop taking work; wait for the round in flight (up to ``timeout`` seconds)."""
        self._stop.set()
        self._wake.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads = []

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self._work()
            except DatabaseError as exc:
                log.warning("%s paused: %s", self.name, exc)
                busy = False
            except Exception:
                log.exception("%s: unexpected error", self.name)
                busy = False
            if not busy:
                self._wake.wait(self._poll)
                self._wake.clear()
