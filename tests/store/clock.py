"""A clock for tests: time that moves only when told."""

from __future__ import annotations


class Clock:
    """Time that moves only when told (epoch seconds)."""

    def __init__(self, start: float = 1_750_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
