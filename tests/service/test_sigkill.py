"""Kill the service with SIGKILL in the middle of deliveries, start it again: every accepted transfer is
delivered, exactly once as far as the FHIR server can tell (counted on the real HAPI server)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from adapter.client import FhirClient
from adapter.redbag import vocab
from adapter.store import Status, open_outbox
from tests.service.helpers import example, headers, unique_resident
from tests.service.process import ServiceProcess, service_environment

TRANSFERS = 16
EXAMPLES = ["dementia-dnacpr", "insulin-parkinsons", "no-known-allergies", "many-belongings"]
DELIVERY = {"REDBAG_DELIVERY_THREADS": "2", "REDBAG_DELIVERY_LEASE_SECONDS": "3"}
DELIVERED_LINE = re.compile(r"transfer ([0-9a-f-]{36}) \(bag [^)]+\) delivered on attempt")


def accept(service: ServiceProcess, count: int) -> dict[str, dict[str, str]]:
    """Send ``count`` red bags of different residents; transfer id -> bag and NHS number."""
    accepted = {}
    with httpx.Client(base_url=service.base_url, headers=headers(), timeout=60) as http:
        for n in range(count):
            summary = unique_resident(example(EXAMPLES[n % len(EXAMPLES)]))
            answer = http.post("/transfers", json=summary)
            assert answer.status_code == 202, answer.text
            accepted[answer.json()["id"]] = {
                "bag": summary["bagNumber"],
                "nhs": summary["resident"]["nhsNumber"],
            }
    return accepted


def kill_mid_delivery(
    service: ServiceProcess, database_url: str, timeout: float = 240.0
) -> dict[Status, int]:
    """SIGKILL the service once it has delivered a transfer and one is being delivered; the counts then."""
    outbox = open_outbox(database_url)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            counts = outbox.counts()
            if counts[Status.DELIVERING] >= 1 and delivered_ids(service.log()):
                service.kill()
                return outbox.counts()
            time.sleep(0.01)
        pytest.fail(f"deliveries never got going: {outbox.counts()}\n{service.log()[-3000:]}")
    finally:
        outbox.close()


def wait_all_delivered(
    database_url: str, accepted: dict[str, dict[str, str]], timeout: float = 300.0
) -> None:
    outbox = open_outbox(database_url)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            states = {i: outbox.get(i) for i in accepted}
            if all(t is not None and t.status is Status.DELIVERED for t in states.values()):
                return
            time.sleep(0.2)
        pytest.fail(f"not all delivered: {outbox.counts()}")
    finally:
        outbox.close()


def assert_exactly_once_on_server(hapi_base_url: str, accepted: dict[str, dict[str, str]]) -> None:
    with FhirClient(hapi_base_url) as fhir:
        for transfer in accepted.values():
            bag = f"{vocab.ID_BAG_NUMBER}|{transfer['bag']}"
            counts = (
                fhir.search("Encounter").where(identifier=bag).count(),
                fhir.search("Task").where(identifier=bag).count(),
                fhir.search("Patient").where(identifier=f"{vocab.NHS_NUMBER}|{transfer['nhs']}").count(),
            )
            assert counts == (1, 1, 1), f"bag {transfer['bag']}: Encounter, Task, Patient = {counts}"


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[[dict[str, str], str], ServiceProcess]]:
    """Start a service process (killed at the end of the test whatever happened)."""
    started: list[ServiceProcess] = []

    def start_one(env: dict[str, str], name: str) -> ServiceProcess:
        started.append(ServiceProcess(env, tmp_path / f"{name}.log"))
        return started[-1]

    yield start_one
    for process in started:
        process.kill()


def delivered_ids(*logs: str) -> list[str]:
    return [m.group(1) for log in logs for m in DELIVERED_LINE.finditer(log)]


@pytest.mark.hapi
def test_sigkill_mid_delivery_loses_nothing_and_duplicates_nothing(
    tmp_path: Path, hapi_base_url: str, start: Callable[[dict[str, str], str], ServiceProcess]
) -> None:
    database_url = f"sqlite:///{tmp_path / 'outbox.db'}"
    env = service_environment(database_url, REDBAG_FHIR_SERVER=hapi_base_url, **DELIVERY)
    first = start(env, "first")
    accepted = accept(first, TRANSFERS)
    at_kill = kill_mid_delivery(first, database_url)
    assert at_kill[Status.DELIVERED] < TRANSFERS, "everything was delivered before the kill"
    second = start(env, "second")
    wait_all_delivered(database_url, accepted)
    second.stop()
    assert_exactly_once_on_server(hapi_base_url, accepted)
    recorded = delivered_ids(first.log(), second.log())
    assert sorted(recorded) == sorted(accepted), "each transfer recorded as delivered exactly once"


@pytest.mark.hapi
@pytest.mark.postgres
def test_processes_sharing_a_postgres_queue_survive_a_sigkill(
    hapi_base_url: str, postgres_schema_url: str, start: Callable[[dict[str, str], str], ServiceProcess]
) -> None:
    env = service_environment(postgres_schema_url, REDBAG_FHIR_SERVER=hapi_base_url, **DELIVERY)
    first = start(env, "first")
    other = start(env, "other")  # shares the queue all along
    accepted = accept(first, TRANSFERS)
    at_kill = kill_mid_delivery(first, postgres_schema_url)
    assert at_kill[Status.DELIVERED] < TRANSFERS, "everything was delivered before the kill"
    restarted = start(env, "restarted")
    wait_all_delivered(postgres_schema_url, accepted)
    restarted.stop()
    other.stop()
    assert_exactly_once_on_server(hapi_base_url, accepted)
    recorded = delivered_ids(first.log(), other.log(), restarted.log())
    assert sorted(recorded) == sorted(accepted), "each transfer recorded as delivered exactly once"
    # the killed process delivered before it died; the others took over what it left
    assert delivered_ids(first.log()) and delivered_ids(other.log(), restarted.log())
