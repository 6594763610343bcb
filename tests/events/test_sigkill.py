"""SIGKILL the service between the ACK of an admission and the delivery of its notifications, one of them
in flight: after a restart every notification is delivered, once per event number (a copy the
subscriber may get of the one in flight carries the same number and bytes, so it is recognised)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tests.events.helpers import key, key_entries, mllp_send, subscribe, unique_ods
from tests.events.listener import Subscriber
from tests.hl7v2.messages import adt
from tests.service.helpers import unique_nhs_number
from tests.service.process import ServiceProcess, free_port, service_environment

RESIDENTS = 4


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[[dict[str, str], str], ServiceProcess]]:
    started: list[ServiceProcess] = []

    def start_one(env: dict[str, str], name: str) -> ServiceProcess:
        started.append(ServiceProcess(env, tmp_path / f"{name}.log"))
        return started[-1]

    yield start_one
    for process in started:
        process.kill()


def test_h16_sigkill_between_ack_and_delivery_loses_and_duplicates_nothing(
    tmp_path: Path, start: Callable[[dict[str, str], str], ServiceProcess]
) -> None:
    subscriber = Subscriber()
    subscriber.delay = 3.0  # the first delivery is still in flight when the service dies
    port = free_port()
    env = service_environment(
        f"sqlite:///{tmp_path / 'redbag.db'}",
        REDBAG_API_KEYS=key_entries(),
        REDBAG_HL7_PORT=str(port),
        REDBAG_VALIDATE_TRANSFERS="false",
        REDBAG_DELIVERY_THREADS="0",
        REDBAG_DELIVERY_LEASE_SECONDS="2",
        REDBAG_NOTIFY_THREADS="1",
        REDBAG_NOTIFY_BACKOFF_SECONDS="0.2",
        REDBAG_NOTIFY_MAX_BACKOFF="1",
    )
    try:
        first = start(env, "first")
        care_home = unique_ods()
        residents = [unique_nhs_number() for _ in range(RESIDENTS)]
        with httpx.Client(base_url=first.base_url, timeout=30) as api:
            for nhs in residents:
                api.put(f"/registrations/{nhs}", json={"careHome": care_home}, headers=key("care-home"))
            subscribe(api, "care-home", f"Encounter?care-home={care_home}", subscriber.url)
        now = datetime.now(UTC).replace(microsecond=0)
        messages = [adt("A01", nhs, control_id=f"K-{nhs}", at=now) for nhs in residents]
        acks = mllp_send(port, *messages, tmp=tmp_path)
        assert all(a.startswith("MSA|AA|") for a in acks) and len(acks) == RESIDENTS
        deadline = time.monotonic() + 20
        while not subscriber.received and time.monotonic() < deadline:
            time.sleep(0.01)
        first.kill()  # SIGKILL: one notification in flight, the rest queued
        in_flight = len(subscriber.received)
        assert 1 <= in_flight < 2 * RESIDENTS, "killed between the ACKs and the deliveries"
        subscriber.delay = 0.0
        second = start(env, "second")
        expected = 2 * RESIDENTS  # admitted + visit-due each
        deadline = time.monotonic() + 60
        while len(subscriber.distinct()) < expected and time.monotonic() < deadline:
            time.sleep(0.1)
        second.stop()
        distinct = subscriber.distinct()
        assert sorted(distinct) == list(range(1, expected + 1)), "every notification, each event number once"
        assert len(subscriber.received) <= expected + in_flight, "only what was in flight may come twice"
    finally:
        subscriber.close()
