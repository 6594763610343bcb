"""H22: nothing failed for good by an outage. A transfer is retried through an outage of the FHIR server
until its deadline (24 hours by default), then failed and shown (/readyz, /metrics) until it is requeued:
by an operator (API or CLI) or by its sender sending it again. The outages are fault injection in front
of the real HAPI server."""

from __future__ import annotations

import getpass
import os
import subprocess
import sys
import threading
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from adapter.client import FhirClient
from adapter.client.errors import FhirTransportError
from adapter.config import DeliverySettings
from adapter.redbag import assess_summary, build_bundles
from adapter.service.delivery import DeliveryWorker, Sender
from adapter.service.intake import content_hash, server_identity
from adapter.service.state import Service, TransactionSender, ValidatorLike
from adapter.store import Kind, NewTransfer, Outbox, Status, open_database
from tests.service.conftest import AppClient
from tests.service.helpers import (
    FAST_DELIVERY,
    FHIR_JSON,
    ROOT,
    example,
    headers,
    make_settings,
    unique_resident,
    wait_for_status,
)
from tests.store.clock import Clock

OLD_BUDGET_SECONDS = 14 * 60  # 10 attempts, about 7 to 14 minutes: what the service gave up after before


class Outage:
    """Fault injection in front of a real sender: the FHIR server cannot be reached while it is on."""

    def __init__(self, send: Sender, on: threading.Event) -> None:
        self.send = send
        self.on = on
        self.tried = 0

    def __call__(self, transaction: dict[str, Any]) -> dict[str, Any]:
        self.tried += 1
        if self.on.is_set():
            raise FhirTransportError("connection refused (outage)", httpx.Request("POST", "http://fhir"))
        return self.send(transaction)

    def close(self) -> None:
        close = getattr(self.send, "close", None)
        if callable(close):
            close()


def _new_transfer(summary: dict[str, Any]) -> NewTransfer:
    checked = assess_summary(summary)
    document, transaction = build_bundles(checked.data, gaps=checked.warnings)
    return NewTransfer(
        kind=Kind.TRANSFER,
        client="ehr-a",
        bag_number=summary["bagNumber"],
        nhs_number=summary["resident"]["nhsNumber"],
        natural_key=server_identity(checked.data),
        idempotency_key=None,
        payload_hash=content_hash(checked.data),
        input=orjson.dumps(checked.data),
        document=orjson.dumps(document),
        bundle=orjson.dumps(transaction),
    )


@pytest.mark.hapi
def test_h22_an_outage_longer_than_the_old_retry_budget_fails_nothing(
    tmp_path: Path, hapi_base_url: str
) -> None:
    """Finding 5: with the default budget an outage over 7-14 minutes left the transfer failed for good.
    Here a three-hour outage (on a clock the test moves) under the default settings: still delivered."""
    clock = Clock()
    outbox = Outbox(open_database(f"sqlite:///{tmp_path / 'outage.db'}"), clock=clock)
    outbox.migrate()
    policy = DeliverySettings()  # the defaults: a 24-hour deadline
    transfer, _ = outbox.enqueue(_new_transfer(unique_resident(example("dementia-dnacpr"))))
    down = threading.Event()
    down.set()
    send = Outage(TransactionSender(FhirClient(hapi_base_url)), down)
    worker = DeliveryWorker(outbox, lambda: send, policy, clock=clock)
    outage_ends = clock.now + 3 * 3600
    try:
        while (state := outbox.get(transfer.id)) is not None and state.status is not Status.DELIVERED:
            assert state.status is not Status.FAILED, state
            clock.now = max(clock.now, state.next_attempt_at or clock.now)
            if clock.now >= outage_ends:
                down.clear()
            assert worker.deliver_one(send)
    finally:
        send.close()
    assert state is not None and state.delivered_at is not None
    assert state.delivered_at - state.queued_at >= 3 * 3600 > OLD_BUDGET_SECONDS
    assert send.tried > 10  # more attempts than the old budget allowed
    assert state.attempts == send.tried


def test_h22_at_the_deadline_a_transfer_fails_and_nothing_is_tried_after_it(tmp_path: Path) -> None:
    clock = Clock()
    outbox = Outbox(open_database(f"sqlite:///{tmp_path / 'deadline.db'}"), clock=clock)
    outbox.migrate()
    transfer, _ = outbox.enqueue(_new_transfer(example("dementia-dnacpr")))
    down = threading.Event()
    down.set()
    send = Outage(lambda _: {}, down)
    worker = DeliveryWorker(outbox, lambda: send, DeliverySettings(), clock=clock)
    deadline = transfer.queued_at + 24 * 3600
    while (state := outbox.get(transfer.id)) is not None and state.status is not Status.FAILED:
        assert state.next_attempt_at is not None and state.next_attempt_at <= deadline
        clock.now = state.next_attempt_at
        worker.deliver_one(send)
    assert clock.now == deadline and state is not None and state.next_attempt_at is None
    assert not worker.deliver_one(send)  # failed: waits for a requeue
    assert outbox.requeue(transfer.id) is not None
    requeued = outbox.get(transfer.id)
    assert requeued is not None and (requeued.status, requeued.queued_at) == (Status.QUEUED, clock.now)


@pytest.fixture
async def outage_service(
    app_client: AppClient, tmp_path: Path, hapi_base_url: str, validator: ValidatorLike
) -> AsyncIterator[tuple[httpx.AsyncClient, threading.Event, str]]:
    """The app in-process delivering to HAPI, through an outage the test switches; deadline two seconds."""
    down = threading.Event()
    down.set()
    database = f"sqlite:///{tmp_path / 'service.db'}"
    settings = make_settings(
        tmp_path, database_url=database, fhir_server=hapi_base_url, delivery=replace(FAST_DELIVERY, threads=1)
    )
    service = Service(settings, validator_factory=lambda: validator)
    real = service.make_sender
    service.make_sender = lambda: Outage(real(), down)  # type: ignore[method-assign]
    async with app_client(settings, service) as api:
        yield api, down, database


async def _failed(api: httpx.AsyncClient, summary: dict[str, Any]) -> str:
    sent = await api.post("/transfers", json=summary, headers=FHIR_JSON)
    assert sent.status_code == 202, sent.text
    view = await wait_for_status(api, sent.headers["location"], {"failed", "delivered"})
    assert view["status"] == "failed" and "outage" in view["error"]
    return str(sent.headers["location"])


@pytest.mark.hapi
@pytest.mark.anyio
async def test_h22_a_failed_transfer_is_shown_and_requeued_by_an_operator_or_its_sender(
    outage_service: tuple[httpx.AsyncClient, threading.Event, str],
) -> None:
    api, down, database = outage_service
    by_api = await _failed(api, unique_resident(example("dementia-dnacpr")))
    resent_summary = unique_resident(example("insulin-parkinsons"))
    by_sender = await _failed(api, resent_summary)
    by_cli = await _failed(api, unique_resident(example("no-known-allergies")))

    ready = await api.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["queue"]["failedTransfers"] == 3
    metrics = (await api.get("/metrics")).text
    assert 'redbag_transfers{status="failed"} 3' in metrics
    assert (await api.post(f"{by_api}/requeue", headers=headers("ehr-a"))).status_code == 403

    down.clear()  # the FHIR server is back
    requeued = await api.post(f"{by_api}/requeue", headers=headers("operator"))
    assert requeued.status_code == 200, requeued.text
    assert requeued.json()["status"] == "queued" and requeued.json()["deadlineAt"]
    again = await api.post("/transfers", json=resent_summary, headers=FHIR_JSON)
    assert again.status_code == 202 and again.headers["location"] == by_sender
    assert again.json()["status"] == "queued"
    env = {**os.environ, "REDBAG_DATABASE_URL": database}
    cli = subprocess.run(
        [sys.executable, "-m", "adapter.cli", "outbox", "requeue", "--all-failed"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert cli.returncode == 0, cli.stderr
    assert f"{by_cli.rsplit('/', 1)[1]}: requeued" in cli.stdout

    for location in (by_api, by_sender, by_cli):
        assert (await wait_for_status(api, location, {"delivered", "failed"}))["status"] == "delivered"
    assert (await api.get("/readyz")).json()["queue"]["failedTransfers"] == 0
    assert (await api.post(f"{by_api}/requeue", headers=headers("operator"))).status_code == 409
    trail = (await api.get("/audit", params={"action": "requeue"}, headers=headers("auditor"))).json()
    assert {e["client"] for e in trail["events"]} == {"operator", f"cli:{getpass.getuser()}"}
    assert "requeued" in {
        e["outcome"] for e in (await api.get("/audit", headers=headers("auditor"))).json()["events"]
    }


@pytest.mark.anyio
async def test_requeueing_needs_a_transfer_that_failed(api: httpx.AsyncClient) -> None:
    sent = await api.post("/transfers", json=example("dementia-dnacpr"), headers=FHIR_JSON)
    assert (
        await api.post(f"{sent.headers['location']}/requeue", headers=headers("operator"))
    ).status_code == 409
    unknown = "/transfers/00000000-0000-4000-8000-000000000000/requeue"
    assert (await api.post(unknown, headers=headers("operator"))).status_code == 404
