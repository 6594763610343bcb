"""A real ``redbag serve`` process on loopback, for the tests that need one (uvicorn, SIGKILL)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.service.helpers import key_entries

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def service_environment(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a service process: the test callers' keys, this database, quick delivery
    (transfers are validated, as by default)."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("REDBAG_")},
        "REDBAG_DATABASE_URL": database_url,
        "REDBAG_API_KEYS": key_entries(),
        "REDBAG_DELIVERY_POLL_SECONDS": "0.2",
        "REDBAG_DELIVERY_BACKOFF_SECONDS": "0.5",
        "REDBAG_DELIVERY_MAX_BACKOFF": "2",
        "PYTHONWARNINGS": "error",
        **extra,
    }


class ServiceProcess:
    """``redbag serve`` in its own process (and process group), its log in a file."""

    def __init__(self, env: dict[str, str], log_path: Path, *, workers: int = 1) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "adapter.cli",
                    "serve",
                    "--port",
                    str(self.port),
                    "--workers",
                    str(workers),
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.wait_until_up()

    def wait_until_up(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redbag serve exited with {self.process.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"redbag serve did not answer in {timeout}s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text("utf-8", errors="replace")

    def kill(self) -> None:
        """SIGKILL the whole process group: no clean-up, no goodbyes."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self, timeout: float = 40.0) -> int:
        """SIGTERM (uvicorn's graceful shutdown); the exit status."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.process.returncode
