"""Starting a FHIR server program for the tests: a free port, a process, a wait for ``/metadata``, a stop.

Used by the session fixtures of the second and third servers (tests/fixtures_sekmet.py,
tests/fixtures_helios.py).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx
import pytest

STOP_TIMEOUT = 15.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_metadata(base_url: str, process: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    """Poll ``[base]/metadata`` until it answers 200; RuntimeError with the server's log if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base_url}/metadata", timeout=2.0).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"no answer from {base_url}/metadata in {timeout:.0f}s:\n{log.read_text()[-4000:]}")


@contextlib.contextmanager
def serving(
    command: list[str], base_url: str, folder: Path, env: Mapping[str, str], start_timeout: float
) -> Iterator[str]:
    """Run ``command`` in ``folder`` (its log: ``folder/server.log``) until ``base_url`` answers; yield
    the base URL; stop the process when the block ends."""
    log = folder / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=folder, env=dict(env), stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for_metadata(base_url, process, log, start_timeout)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT)


def unavailable(reason: str, require_variable: str) -> None:
    """A server the tests cannot start: skip them with the reason, or fail when ``require_variable`` is 1."""
    if os.environ.get(require_variable) == "1":
        pytest.fail(reason)
    pytest.skip(reason)
