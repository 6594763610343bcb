"""Fixtures for the render tests: the Chromium executable and the artifacts folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapter.render import chromium_path

ARTIFACTS = Path(__file__).parents[2] / "out" / "test-artifacts" / "render"


@pytest.fixture(scope="session")
def chromium() -> str:
    """The Chromium executable, or a skip saying how to install it."""
    found = chromium_path()
    if not found:
        pytest.skip("Chromium is not installed (/usr/bin/chromium): run scripts/install-chromium.sh")
    return found


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """out/test-artifacts/render: screenshots and PDFs kept for people to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
