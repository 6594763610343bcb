"""Fixtures for the report tests: the service in a thread (to play the scenario), Chromium."""

from tests.events.conftest import clock, start  # noqa: F401  (pytest fixtures)
from tests.render.conftest import chromium  # noqa: F401  (pytest fixture)
