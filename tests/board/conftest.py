"""Fixtures for the board tests: the service in a thread with the pathway's callers, Chromium."""

from tests.events.conftest import clock, start  # noqa: F401  (pytest fixtures)
from tests.render.conftest import artifacts, chromium  # noqa: F401  (pytest fixtures)
