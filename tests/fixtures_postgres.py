"""Session fixture ``postgres_url``: a real, throwaway PostgreSQL cluster (scripts/pg-test-server.sh).

Use it in a conftest with::

    from tests.fixtures_postgres import postgres_url, postgres_schema_url  # noqa: F401

``postgres_schema_url`` gives each test its own empty schema on that cluster.

Environment:
  REDBAG_TEST_POSTGRES_URL   use this already running server instead of starting one
  REDBAG_REQUIRE_POSTGRES=1  fail instead of skipping when PostgreSQL is not installed (set in CI)
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "pg-test-server.sh"
NOT_INSTALLED = 3


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of the session's PostgreSQL server (``postgresql://redbag@127.0.0.1:PORT/redbag``)."""
    external = os.environ.get("REDBAG_TEST_POSTGRES_URL")
    if external:
        yield external
        return
    # Not under pytest's tmp_path: the cluster runs as the postgres user when the tests run as root,
    # and pytest's temporary folders are private to the user running the tests.
    folder = Path(tempfile.mkdtemp(prefix="redbag-pg-"))
    started = subprocess.run(
        ["bash", str(SCRIPT), "start", str(folder)], capture_output=True, text=True, timeout=120, check=False
    )
    if started.returncode == NOT_INSTALLED:
        folder.rmdir()
        reason = "PostgreSQL is not installed (run scripts/install-postgres.sh)"
        if os.environ.get("REDBAG_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        if started.returncode != 0:
            pytest.fail(f"the PostgreSQL test server did not start:\n{started.stderr[-4000:]}")
        yield started.stdout.strip()
    finally:
        subprocess.run(
            ["bash", str(SCRIPT), "stop", str(folder)], capture_output=True, timeout=60, check=False
        )


@pytest.fixture
def postgres_schema_url(postgres_url: str) -> str:
    """A URL on the session's server whose ``search_path`` is a new, empty schema of this test."""
    schema = f"test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")  # a name made here, not input
    separator = "&" if "?" in postgres_url else "?"
    return f"{postgres_url}{separator}options=-csearch_path%3D{schema}"
