"""Session fixture ``sekmet_base_url``: a real sekmet-fhir server (a second, independent FHIR R4 server that
sends Subscriptions Backport notifications), started once per test session from ``.venv-sekmet/``
(``scripts/install-sekmet.sh``).

Environment:
  REDBAG_SEKMET_URL        use this already running server instead of starting one
  REDBAG_REQUIRE_SEKMET=1  fail instead of skipping when sekmet-fhir is not installed
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
SEKMET = ROOT / ".venv-sekmet" / "bin" / "sekmet"
START_TIMEOUT = 120.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def sekmet_base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL (``http://127.0.0.1:PORT/fhir``) of the session's sekmet-fhir server."""
    external = os.environ.get("REDBAG_SEKMET_URL")
    if external:
        yield external.rstrip("/")
        return
    if not SEKMET.exists():
        reason = "sekmet-fhir is not installed (run scripts/install-sekmet.sh)"
        if os.environ.get("REDBAG_REQUIRE_SEKMET") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("sekmet")
    port = _free_port()
    base = f"http://127.0.0.1:{port}/fhir"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("REDBAG_", "SEKMET_"))},
        "SEKMET_BASE_URL": base,
        "SEKMET_PORT": str(port),
        "SEKMET_DB": str(folder / "sekmet.db"),
        "SEKMET_CONFIG": str(folder / "settings.yaml"),
    }
    log = (folder / "sekmet.log").open("wb")
    process = subprocess.Popen(
        [str(SEKMET), "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=folder,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                output = (folder / "sekmet.log").read_text()[-3000:]
                pytest.fail(f"sekmet-fhir exited with {process.returncode}: {output}")
            try:
                if httpx.get(f"{base}/metadata", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"sekmet-fhir did not answer in {START_TIMEOUT}s")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
