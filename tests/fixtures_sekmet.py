"""Session fixture ``sekmet_base_url``: a real second FHIR R4 server, sekmet-fhir, started once per session.

sekmet-fhir (PyPI, a small FastAPI + SQLite FHIR R4 server) is installed into its own virtualenv
``.venv-sekmet/`` by ``scripts/install-sekmet.sh`` (called from ``scripts/test-setup.sh``), so its
dependencies never meet ours. Enable the fixture for the whole suite in tests/conftest.py with::

    from tests.fixtures_sekmet import sekmet_base_url  # noqa: F401  (pytest fixture)

and use it like ``hapi_base_url``::

    def test_something(sekmet_base_url: str) -> None:
        with FhirClient(sekmet_base_url) as client: ...

The session's server runs ``sekmet serve`` on a free port of 127.0.0.1 with a new SQLite database in a
temporary folder (also its working folder, so nothing is written into the repository), default settings
(no auth; the server's own simulator on, which acts only on orders it receives), and is stopped when the
session ends. A test that needs other settings (a ``settings.yaml``: auth, subscriptions, peers) starts
its own with :func:`running_sekmet`, which takes the YAML text.

Environment:
  REDBAG_SEKMET_URL        use this already running server (its FHIR base URL) instead of starting one
  REDBAG_REQUIRE_SEKMET=1  fail instead of skipping when sekmet-fhir is not installed (set in CI)
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.local_servers import free_port, serving, unavailable

ROOT = Path(__file__).resolve().parents[1]
SEKMET = ROOT / ".venv-sekmet" / "bin" / "sekmet"
INSTALL = "scripts/install-sekmet.sh"
START_TIMEOUT = 60.0


def sekmet_missing() -> str | None:
    """Why sekmet-fhir cannot be started here, or None when it can."""
    if not SEKMET.is_file():
        return f"sekmet-fhir is not installed in {SEKMET.parent.parent.name}/ (run {INSTALL})"
    return None


@contextlib.contextmanager
def running_sekmet(folder: Path, settings_yaml: str | None = None) -> Iterator[str]:
    """Start ``sekmet serve`` in ``folder`` (database, ``server.log``, settings); yield its FHIR base URL.

    ``settings_yaml`` becomes the server's ``settings.yaml`` (sekmet-fhir's settings format); the base
    URL, port and database are always set here. The server is stopped when the block ends.
    """
    reason = sekmet_missing()
    if reason:
        raise RuntimeError(reason)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}/fhir"
    settings = folder / "settings.yaml"
    if settings_yaml is not None:
        settings.write_text(settings_yaml, encoding="utf-8")
    env = {
        **os.environ,
        "SEKMET_CONFIG": str(settings),  # absent file: the defaults
        "SEKMET_BASE_URL": base_url,
        "SEKMET_DB": str(folder / "sekmet.db"),
    }
    command = [str(SEKMET), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with serving(command, base_url, folder, env, START_TIMEOUT) as url:
        yield url


@pytest.fixture(scope="session")
def sekmet_base_url() -> Iterator[str]:
    """Base URL (``http://127.0.0.1:PORT/fhir``) of the session's sekmet-fhir server."""
    external = os.environ.get("REDBAG_SEKMET_URL")
    if external:
        yield external.rstrip("/")
        return
    reason = sekmet_missing()
    if reason:
        unavailable(reason, "REDBAG_REQUIRE_SEKMET")
    with tempfile.TemporaryDirectory(prefix="redbag-sekmet-") as folder:
        try:
            with running_sekmet(Path(folder)) as base_url:
                yield base_url
        except RuntimeError as exc:
            pytest.fail(f"sekmet-fhir test server did not start: {exc}")
