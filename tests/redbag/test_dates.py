"""One date check for every input path (adapter/redbag/dates.py): FHIR's shapes, the calendar, offsets.

The published JSON Schema's patterns come from the same module; a property test proves that the pattern
of each shape accepts exactly what ``problem()`` accepts, so the compiled schema and the messages agree.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapter.errors import ContractError
from adapter.redbag import assess_summary, dates
from adapter.redbag.dates import PATTERNS, Shape
from tests.safety.conftest import example

NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "shape", "ok"),
    [
        ("2024-02-29", Shape.DATE, True),
        ("2025-02-29", Shape.DATE, False),
        ("1900-02-29", Shape.DATE, False),
        ("2000-02-29", Shape.DATE, True),
        ("1934-02-30", Shape.DATE, False),
        ("0000-01-01", Shape.DATE, False),
        ("1934", Shape.DATE, True),
        ("1934-05", Shape.DATE, True),
        ("1934-13", Shape.DATE, False),
        ("2025-06-01", Shape.DATE_TIME, True),
        ("2025-06-01T10:00:00+01:00", Shape.DATE, False),
        ("2025-06-01", Shape.INSTANT, False),
        ("2025-06-01T24:00:00Z", Shape.INSTANT, False),
        ("2025-06-01T23:59:59Z", Shape.INSTANT, True),
        ("2025-06-01T23:60:00Z", Shape.INSTANT, False),
        ("2025-06-01T10:00+01:00", Shape.INSTANT, True),
        ("2025-06-01T10:00:00", Shape.INSTANT, False),
        ("2025-06-01T10:00:00+14:00", Shape.INSTANT, True),
        ("2025-06-01T10:00:00+14:01", Shape.INSTANT, False),
        ("2025-06-01T10:00:00-12:00", Shape.INSTANT, True),
        ("2025-06-01T10:00:00-12:30", Shape.INSTANT, False),
        ("2025-06-01T10:00:00+05:60", Shape.INSTANT, False),
        ("2025-06-01T10:00:00.123456789Z", Shape.INSTANT, True),
        ("2025-06-01\n", Shape.DATE, False),
        ("9434765919", Shape.DATE, False),
    ],
)
def test_dates_are_checked_against_the_calendar(value: str, shape: Shape, ok: bool) -> None:
    assert (dates.problem(value, shape) is None) == ok
    assert (re.fullmatch(PATTERNS[shape], value) is not None) == ok


_digits = st.text("0123456789", min_size=2, max_size=2)
_values = st.builds(
    lambda y, m, d, hh, mi, ss, tz, form: [
        y,
        f"{y}-{m}",
        f"{y}-{m}-{d}",
        f"{y}-{m}-{d}T{hh}:{mi}{ss}{tz}",
    ][form],
    st.sampled_from(["0000", "0001", "1600", "1900", "2000", "2024", "2025", "2100", "9999"]),
    _digits,
    _digits,
    _digits,
    _digits,
    st.sampled_from(["", ":00", ":59", ":60", ":07.5"]),
    st.sampled_from(
        ["", "Z", "+00:00", "-00:00", "+14:00", "+14:01", "-12:00", "-12:01", "+05:60", "+13:59"]
    ),
    st.integers(0, 3),
)


@settings(max_examples=3000, deadline=None)
@given(_values, st.sampled_from(list(Shape)))
def test_the_published_pattern_accepts_exactly_what_problem_accepts(value: str, shape: Shape) -> None:
    assert (re.fullmatch(PATTERNS[shape], value) is not None) == (dates.problem(value, shape) is None)


def test_times_without_seconds_get_them() -> None:
    assert dates.canonical("2025-06-01T10:05+01:00") == "2025-06-01T10:05:00+01:00"
    assert dates.canonical("2025-06-01T10:05:07Z") == "2025-06-01T10:05:07Z"
    assert dates.canonical("2025-06") == "2025-06"
    summary = example("dementia-dnacpr")
    summary["transfer"]["departedAt"] = "2026-03-29T02:45+01:00"
    checked = assess_summary(summary)
    assert checked.data["transfer"]["departedAt"] == "2026-03-29T02:45:00+01:00"
    assert summary["transfer"]["departedAt"] == "2026-03-29T02:45+01:00"  # the caller's input is untouched


@pytest.mark.parametrize("birth", ["9434765919", "1943-09-04\n", "1934-02-30"])
def test_a_bad_birth_date_is_refused_without_echoing_it(birth: str) -> None:
    summary = example("dementia-dnacpr")
    summary["resident"]["birthDate"] = birth
    with pytest.raises(ContractError) as refused:
        assess_summary(summary, now=NOW)
    (violation,) = refused.value.violations
    assert violation.path == "$.resident.birthDate"
    assert birth.strip() not in str(refused.value)


@settings(max_examples=2000, deadline=None)
@given(
    st.dates(min_value=datetime(1900, 1, 1).date(), max_value=datetime(2100, 12, 31).date()),
    st.sampled_from([4, 7, 10]),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)),
)
def test_a_date_of_any_precision_is_future_when_its_first_day_is_after_the_latest_day(
    day: date, length: int, now: datetime
) -> None:
    """The text comparison in is_future() agrees with comparing calendar days (UTC+14 is the latest)."""
    value = day.isoformat()[:length]
    latest = (now + timedelta(hours=14)).date()
    assert dates.is_future(value, now) is (dates.first_day(value) > latest)


def test_future_dates_by_precision() -> None:
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)  # the latest day anywhere: 2 June 2026
    assert not dates.is_future("2026", now)
    assert not dates.is_future("2026-06", now)
    assert not dates.is_future("2026-06-02", now)
    assert dates.is_future("2026-06-03", now)
    assert dates.is_future("2026-07", now)
    assert dates.is_future("2027", now)
