"""The service in this process, served by uvicorn on loopback in a thread (its lifespan runs: event
writer, notification threads, visit sweep), with every pathway caller, quick notification retries and a
clock the test can move."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from adapter.config import ApiKey, PathwaySettings, Settings
from adapter.service import create_app
from adapter.service.auth import sha256_hash
from adapter.service.state import Service
from tests.events.helpers import ALL_CALLERS
from tests.events.listener import Subscriber
from tests.service.helpers import make_settings

Running = tuple[httpx.Client, Service]
Start = Callable[..., AbstractContextManager[Running]]


class MovableClock:
    """Real time plus whatever the test adds (the 48-hour visit without waiting 48 hours)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


def pathway_settings(tmp_path: Path, **pathway: Any) -> Settings:
    base = make_settings(tmp_path)
    keys = tuple(ApiKey(c, sha256_hash(k), scopes) for c, (k, scopes) in ALL_CALLERS.items())
    return replace(
        base,
        api_keys=keys,
        delivery=replace(base.delivery, poll_seconds=0.05, lease_seconds=5.0),
        pathway=replace(
            PathwaySettings(),
            **{
                "notify_threads": 1,
                "notify_backoff_seconds": 0.1,
                "notify_max_backoff_seconds": 0.4,
                "visit_sweep_seconds": 0.1,
                **pathway,
            },
        ),
    )


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@contextmanager
def serve_in_thread(settings: Settings, service: Service) -> Iterator[Running]:
    """The app served by uvicorn on loopback in a thread (its lifespan runs), with a client on it."""
    config = uvicorn.Config(
        create_app(settings, service=service),
        host="127.0.0.1",
        port=0,
        log_level="warning",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the service did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            yield client, service
    finally:
        server.should_exit = True
        thread.join(30)


@pytest.fixture
def start(tmp_path: Path, clock: MovableClock) -> Start:
    """``with start(**pathway_settings) as (client, service)``: the app running in-process."""

    @contextmanager
    def running(**pathway: Any) -> Iterator[Running]:
        settings = pathway_settings(tmp_path, **pathway)
        service = Service(settings, clock=clock, validator_factory=lambda: None)  # type: ignore[arg-type,return-value]
        with serve_in_thread(settings, service) as running:
            yield running

    return running


@pytest.fixture
def subscriber() -> Iterator[Subscriber]:
    listener = Subscriber()
    yield listener
    listener.close()
