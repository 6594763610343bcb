"""Session fixtures for a third FHIR R4 server, helios-hfs 0.2.7 (Rust, SQLite), when it is built.

helios-hfs takes a long Rust build (testserver/helios/README.md), so it is not part of ``make test``:
``make test-helios`` builds it with ``scripts/install-helios.sh`` (into ``.helios/``) and runs the tests
marked ``helios``. Without the binary those tests skip, with the reason; ``REDBAG_REQUIRE_HELIOS=1``
(set by ``make test-helios``) makes that a failure.

- ``helios_base_url``: the server as installed, with the full R4 search-parameter set.
- ``helios_without_identifier_search_url``: the same server given a search-parameter set without
  ``identifier`` for the red bag's own resource types (Patient, Organization and Location keep theirs),
  as a server with a smaller set would be. It states ``updateCreate``, so redbag must write those
  resources by id: the real server that needs the fallback of :mod:`adapter.exchange.adapt`.

Each starts ``hfs`` on a free port of 127.0.0.1 with a new SQLite database in a temporary folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.local_servers import free_port, serving, unavailable

ROOT = Path(__file__).resolve().parents[1]
HFS = ROOT / ".helios" / "bin" / "hfs"
DATA = ROOT / ".helios" / "data"
SPEC = "search-parameters-r4.json"
START_TIMEOUT = 120.0
#: Types whose identifier search the reduced set keeps: the shared records, which have no fallback.
KEEP_IDENTIFIER = frozenset({"Patient", "Organization", "Location"})


def helios_missing() -> str | None:
    """Why helios-hfs cannot be started here, or None when it can."""
    if not HFS.is_file() or not (DATA / SPEC).is_file():
        return "helios-hfs is not built (make test-helios, or bash scripts/install-helios.sh)"
    return None


def without_identifier_search(bundle: dict, keep: frozenset[str]) -> dict:
    """The search-parameter Bundle with every ``identifier`` parameter narrowed to the ``keep`` types."""
    entries = []
    for entry in bundle.get("entry") or []:
        resource = entry.get("resource") or {}
        if resource.get("code") == "identifier":
            base = [t for t in resource.get("base") or [] if t in keep]
            if not base:
                continue
            entry = {**entry, "resource": {**resource, "base": base}}
        entries.append(entry)
    return {**bundle, "entry": entries}


@contextlib.contextmanager
def running_helios(folder: Path, data_dir: Path) -> Iterator[str]:
    """Run hfs with its database in ``folder`` and search parameters from ``data_dir``; yield its base."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "HFS_BASE_URL": base_url,
        "HFS_UI_ENABLED": "false",
        "HFS_LOG_LEVEL": "warn",
        "HFS_SEARCH_PARAM_CACHE_TTL": "0",
    }
    command = [
        str(HFS),
        "--host", "127.0.0.1",
        "--port", str(port),
        "--database-url", str(folder / "fhir.db"),
        "--data-dir", str(data_dir),
    ]  # fmt: skip
    with serving(command, base_url, folder, env, START_TIMEOUT) as url:
        yield url


def helios_session(data_dir: Path | None) -> Iterator[str]:
    """A helios-hfs server for the session (skipped, or failed when required, if it is not built)."""
    reason = helios_missing()
    if reason:
        unavailable(reason, "REDBAG_REQUIRE_HELIOS")
    with tempfile.TemporaryDirectory(prefix="redbag-helios-") as name:
        folder = Path(name)
        if data_dir is None:
            data_dir = folder / "data"
            data_dir.mkdir()
            spec = json.loads((DATA / SPEC).read_text("utf-8"))
            (data_dir / SPEC).write_text(json.dumps(without_identifier_search(spec, KEEP_IDENTIFIER)))
        try:
            with running_helios(folder, data_dir) as base_url:
                yield base_url
        except RuntimeError as exc:
            pytest.fail(f"helios-hfs did not start: {exc}")


@pytest.fixture(scope="session")
def helios_base_url() -> Iterator[str]:
    """Base URL (``http://127.0.0.1:PORT``) of the session's helios-hfs server, as installed."""
    yield from helios_session(DATA)


@pytest.fixture(scope="session")
def helios_without_identifier_search_url() -> Iterator[str]:
    """Base URL of a helios-hfs server without identifier search on the red bag's own resource types."""
    yield from helios_session(None)
