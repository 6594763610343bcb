"""Fixtures for the outbox tests: one outbox per backend (real SQLite file, real PostgreSQL) on a clock
the test moves by hand."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapter.store import Outbox, open_database
from tests.store.clock import Clock

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL for an empty outbox database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'outbox.db'}"
    url: str = request.getfixturevalue("postgres_schema_url")
    return url


@pytest.fixture
def outbox(database_url: str, clock: Clock) -> Iterator[Outbox]:
    box = Outbox(open_database(database_url), clock=clock)
    box.migrate()
    yield box
    box.close()
