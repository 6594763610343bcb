"""Small-number suppression: aggregated measures must not let a reader pick out a resident (hazard H26).

A count from 1 to ``threshold - 1`` is shown as ``<threshold`` (0 is shown: an empty cell identifies
no one). A figure made from counts is suppressed whenever one of the counts it reveals would be: a
percentage reveals its numerator, its denominator and their difference ("4 of 5 visited" tells that 1 was
not); a rate per 100 its numerator and denominator; a mean its number of stays. ``threshold`` 5 is the
default (counts 1-4 hidden, as in NHS England's published statistics on small numbers); 1 turns
suppression off, for the tests and for a care home's own figures.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_THRESHOLD = 5
SUPPRESSED = "suppressed"


@dataclass(frozen=True, slots=True)
class Shown:
    """A figure as it may be shown: its text, and its value when it is not withheld (None otherwise)."""

    text: str
    value: float | None


NOT_RECORDED = Shown("not recorded", None)
NONE = Shown("–", None)  # nothing to count (no stays of that kind)


def hidden(count: int, threshold: int) -> bool:
    """True when ``count`` is small enough to point at someone."""
    return 0 < count < threshold


def count(n: int, threshold: int) -> Shown:
    """A count."""
    return Shown(f"<{threshold}", None) if hidden(n, threshold) else Shown(str(n), float(n))


def percent(numerator: int, denominator: int, threshold: int) -> Shown:
    """numerator / denominator as a percentage (one decimal)."""
    if denominator == 0:
        return NONE
    if any(hidden(c, threshold) for c in (numerator, denominator, denominator - numerator)):
        return Shown(SUPPRESSED, None)
    value = round(100 * numerator / denominator, 1)
    return Shown(f"{value:.1f}", value)


def per_100(numerator: int, denominator: int, threshold: int) -> Shown:
    """numerator per 100 of the denominator (one decimal)."""
    if denominator == 0:
        return NONE
    if hidden(numerator, threshold) or hidden(denominator, threshold):
        return Shown(SUPPRESSED, None)
    value = round(100 * numerator / denominator, 1)
    return Shown(f"{value:.1f}", value)


def mean(total: float | None, n: int, threshold: int) -> Shown:
    """total / n (one decimal)."""
    if n == 0 or total is None:
        return NONE
    if hidden(n, threshold):
        return Shown(SUPPRESSED, None)
    value = round(total / n, 1)
    return Shown(f"{value:.1f}", value)
