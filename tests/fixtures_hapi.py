"""Session fixture ``hapi_base_url``: a real HAPI FHIR JPA server, started once per test session.

Enable it for the whole suite in tests/conftest.py with::

    from tests.fixtures_hapi import hapi_base_url  # noqa: F401  (pytest fixture)

The server is testserver/hapi (HAPI FHIR JPA, R4, H2 in a temporary folder), started and stopped
with testserver/hapi/hapi.py; the red-bag profiles in profiles/ (any *.json) are loaded into it,
so ``$validate`` can use them.

Environment:
  REDBAG_HAPI_URL        use this already running server instead of starting one
  REDBAG_REQUIRE_HAPI=1  fail instead of skipping when Java or Maven is missing (set in CI)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapter.client import FhirClient

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "testserver" / "hapi" / "hapi.py"
PROFILES = ROOT / "profiles"
START_TIMEOUT = 900  # the first run may download HAPI's artifacts


def conformance_folders() -> list[Path]:
    """Folders of conformance resources to load: profiles/, when it holds any *.json directly."""
    return [PROFILES] if PROFILES.is_dir() and any(PROFILES.glob("*.json")) else []


@pytest.fixture(scope="session")
def hapi_base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL (``http://127.0.0.1:PORT/fhir``) of the session's HAPI FHIR server."""
    external = os.environ.get("REDBAG_HAPI_URL")
    if external:
        yield external.rstrip("/")
        return
    missing = [tool for tool in ("java", "mvn") if shutil.which(tool) is None]
    if missing:
        reason = (
            f"HAPI FHIR test server needs {' and '.join(missing)} on PATH (see testserver/hapi/README.md)"
        )
        if os.environ.get("REDBAG_REQUIRE_HAPI") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    state = tmp_path_factory.mktemp("hapi-state")
    command = [sys.executable, str(SCRIPT), "start", "--state", str(state)]
    for folder in conformance_folders():
        command += ["--conformance", str(folder)]
    started = subprocess.run(command, capture_output=True, text=True, timeout=START_TIMEOUT, check=False)
    if started.returncode != 0:
        pytest.fail(f"HAPI FHIR test server did not start:\n{started.stderr[-4000:]}")
    try:
        yield started.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run(
            [sys.executable, str(SCRIPT), "stop", "--state", str(state)],
            capture_output=True,
            timeout=180,
            check=False,
        )


@pytest.fixture
def fhir(hapi_base_url: str) -> Iterator[FhirClient]:
    """A client on the real HAPI server."""
    with FhirClient(hapi_base_url) as client:
        yield client
