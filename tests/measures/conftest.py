"""Fixtures for the measures tests: an empty store (the real SQLite file, a real PostgreSQL schema)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapter.store import Outbox, open_outbox
from tests.events.conftest import clock, start  # noqa: F401  (pytest fixtures)
from tests.store.conftest import BACKENDS


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Outbox]:
    """An empty, migrated store on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        url = request.getfixturevalue("postgres_schema_url")
    outbox = open_outbox(url)
    yield outbox
    outbox.close()
