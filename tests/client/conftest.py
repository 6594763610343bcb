"""Fixtures for the client tests: the session's HAPI server, a client on it, a fault proxy."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.client.fault_proxy import FaultProxy


@pytest.fixture
def unique() -> str:
    """A value no other test uses (identifier values, tags), so tests can share one server."""
    return uuid.uuid4().hex


@pytest.fixture
def fault_proxy(hapi_base_url: str) -> Iterator[FaultProxy]:
    """A fault-injecting proxy in front of the real HAPI server."""
    with FaultProxy(hapi_base_url, delay_seconds=1.5) as proxy:
        yield proxy
