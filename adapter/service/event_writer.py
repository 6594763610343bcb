"""Group commit for events: sources hand events to one writer thread, which stores everything waiting in
one transaction (one disk sync for the batch) and answers each source once the batch is committed.

An MLLP sender waits for its acknowledgement before the next message, so a batch gathers the messages of
every connection (and HTTP request) that arrived while the previous batch was being written.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future

from adapter.pathway import Incoming, Recorded
from adapter.service.event_desk import EventDesk, Targeted
from adapter.service.logmask import masked_logger

log = masked_logger("adapter.service.event_writer")
MAX_BATCH = 256
_STOP = object()


class EventWriter:
    """The writer thread and its queue."""

    def __init__(self, desk: EventDesk, *, on_commit: Callable[[], None] = lambda: None) -> None:
        self.desk = desk
        self._on_commit = on_commit
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the writer thread."""
        self._thread = threading.Thread(target=self._run, name="redbag-event-writer", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Write what is queued, then stop."""
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join(timeout)
            self._thread = None

    def submit(self, item: Incoming | Targeted) -> Future[Recorded]:
        """Queue an event; the future is done once it is stored (or failed)."""
        future: Future[Recorded] = Future()
        if self._thread is None:
            future.set_exception(RuntimeError("the event writer is not running"))
            return future
        self._queue.put((item, future))
        return future

    async def record(self, item: Incoming | Targeted) -> Recorded:
        """Store an event (from the event loop); raises what storing it raised."""
        return await asyncio.wrap_future(self.submit(item))

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is _STOP:
                return
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is _STOP:
                    stopping = True
                    break
                batch.append(more)
            self._write(batch)  # type: ignore[arg-type]

    def _write(self, batch: list[tuple[Incoming | Targeted, Future[Recorded]]]) -> None:
        try:
            results = self.desk.record([item for item, _ in batch])
        except Exception as exc:  # the whole transaction failed (database down): every source hears it
            log.warning("%d event(s) not stored: %s", len(batch), exc)
            for _, future in batch:
                future.set_exception(exc)
            return
        self._on_commit()
        for (_, future), result in zip(batch, results, strict=True):
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)
