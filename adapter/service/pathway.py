"""What one process runs for the pathway: the event writer (group commit), notification delivery, the
sweep that marks 48-hour visits overdue (at start-up too, so a restart misses none), the HL7 v2
MLLP listener when one is configured, and discharge readiness."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from adapter.config import Settings
from adapter.hl7v2 import AdtReceiver, start_listener
from adapter.pathway import Incoming, Recorded
from adapter.service.event_desk import EventDesk, Targeted
from adapter.service.event_writer import EventWriter
from adapter.service.logmask import masked_logger
from adapter.service.notifying import NotificationDelivery
from adapter.service.readiness import ReadinessDesk
from adapter.service.workers import PollingThreads
from adapter.store import Database, JourneyStore, ReadinessStore, SubscriptionStore

log = masked_logger("adapter.service.pathway")


class PathwayService:
    """The pathway's stores and background work in one process."""

    def __init__(self, settings: Settings, db: Database, *, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.journeys = JourneyStore(db, clock=clock)
        self.subscriptions = SubscriptionStore(db, clock=clock)
        self.readiness = ReadinessStore(db, clock=clock)
        self.readiness_desk = ReadinessDesk(self.readiness, self.journeys, settings, clock=clock)
        self.desk = EventDesk(self.journeys, settings, clock=clock)
        self.desk.after_save = self.readiness_desk.after_event  # an A08's ready date, announced at once
        self.writer = EventWriter(self.desk, on_commit=self.wake_delivery)
        self.delivery = NotificationDelivery(self.subscriptions, settings)
        self._workers: list[PollingThreads] = []

    def start(self, *, deliver: bool = True) -> None:
        """Start writing events; with ``deliver``, delivering notifications and sweeping visits."""
        self.writer.start()
        if not deliver:
            return
        threads = self.settings.pathway.notify_threads
        poll = self.settings.delivery.poll_seconds
        self._workers = [
            PollingThreads(  # its first round, at start-up, catches what came due while no process ran
                "visits",
                lambda: self.desk.sweep_overdue() > 0,
                threads=1,
                poll_seconds=self.settings.pathway.visit_sweep_seconds,
            )
        ]
        if threads > 0:
            self._workers += [
                PollingThreads("notify", self.delivery.deliver_batch, threads=threads, poll_seconds=poll),
                PollingThreads(
                    "notify-heartbeat",
                    self.delivery.heartbeat(),
                    threads=1,
                    poll_seconds=self.settings.delivery.lease_seconds / 4,
                ),
            ]
        for worker in self._workers:
            worker.start()

    def stop(self) -> None:
        """Stop the background work (the events queued are written first)."""
        self.writer.stop()
        for worker in self._workers:
            worker.stop()
        self._workers = []
        self.delivery.close()

    def wake_delivery(self) -> None:
        """Notifications were just queued: look for them now."""
        for worker in self._workers:
            if worker.name == "notify":
                worker.wake()

    async def record(self, item: Incoming | Targeted) -> Recorded:
        """Store and apply an event (durable once this returns)."""
        return await self.writer.record(item)

    async def open_listener(self, port: int | None = None, host: str | None = None) -> asyncio.Server | None:
        """Start the MLLP listener (REDBAG_HL7_PORT, or ``port``); None when none is configured.

        Several processes of one service share the port (SO_REUSEPORT), as uvicorn's workers share theirs.
        """
        hl7 = self.settings.hl7
        port = hl7.port if port is None else port
        if port is None:
            return None
        receiver = AdtReceiver(self.record, hl7)
        server = await start_listener(
            receiver, host or hl7.host, port, max_bytes=hl7.max_message_bytes, reuse_port=True
        )
        bound = server.sockets[0].getsockname()
        log.info("HL7 v2 MLLP listener on %s:%s", bound[0], bound[1])
        return server
