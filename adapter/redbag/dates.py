"""Dates and date-times as FHIR and real records have them, checked against the calendar.

One place decides whether a date is acceptable, used by the JSON contract, the discharge contract and the
CSV mappings, so that no input path lets 30 February through (https://hl7.org/fhir/R4/datatypes.html#date,
#dateTime). Three shapes:

- ``DATE``: a FHIR ``date``: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (a birth date known to the year);
- ``DATE_TIME``: a FHIR ``dateTime``: any of those, or a full date-time with its UTC offset (a DNACPR
  decision dated by day, a condition's onset);
- ``INSTANT``: a full date-time with its UTC offset only, where the time matters (last dose given,
  departure, completion, observations, discharge).

A time may be written without seconds (``08:10+01:00``); :func:`canonical` adds ``:00``, because FHIR's
``dateTime`` requires them. Offsets run from -12:00 to +14:00. Nothing here converts between zones: a value
is checked and kept as written (hazard H2).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from functools import lru_cache

from adapter.redbag.text import END


class Shape(Enum):
    """What a field accepts (see the module docstring)."""

    DATE = "date"
    DATE_TIME = "dateTime"
    INSTANT = "instant"

    # Members are singletons: hash by identity, in C (Enum's own hash is Python code, run per lookup).
    __hash__ = object.__hash__


_GRAMMAR = re.compile(
    r"(?P<y>[0-9]{4})(?:-(?P<m>[0-9]{2})(?:-(?P<d>[0-9]{2})"
    r"(?:T(?P<hh>[0-9]{2}):(?P<mi>[0-9]{2})(?::(?P<ss>[0-9]{2})(?P<frac>\.[0-9]{1,9})?)?"
    r"(?P<tz>Z|[+-][0-9]{2}:[0-9]{2})?)?)?)?"
)

# The same rules as one regular expression per shape, for the published JSON Schema (where a compiled
# validator checks them before any Python runs), anchored as every contract pattern is (text.END).
# tests/redbag/test_dates.py proves they agree with problem() on generated values.
_MONTH_DAY = (
    r"(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    r"|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    r"|02-(?:0[1-9]|1[0-9]|2[0-8]))"
)
_LEAP_YEAR = r"(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)"
_DAY = rf"(?:[0-9]{{4}}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)"
_TIME = r"T(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,9})?)?"
_OFFSET = r"(?:Z|\+(?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00)|-(?:(?:0[0-9]|1[01]):[0-5][0-9]|12:00))"
_PARTIAL = r"[0-9]{4}(?:-(?:0[1-9]|1[0-2]))?"
PATTERNS = {
    Shape.DATE: rf"^(?!0000)(?:{_DAY}|{_PARTIAL}){END}",
    Shape.DATE_TIME: rf"^(?!0000)(?:{_DAY}(?:{_TIME}{_OFFSET})?|{_PARTIAL}){END}",
    Shape.INSTANT: rf"^(?!0000){_DAY}{_TIME}{_OFFSET}{END}",
}

#: What each shape looks like, for messages.
HINTS = {
    Shape.DATE: "a date YYYY-MM-DD (or YYYY-MM, or YYYY when only the year is known)",
    Shape.DATE_TIME: "a date (YYYY, YYYY-MM, YYYY-MM-DD) or a date-time with its UTC offset, "
    "e.g. 2025-06-01 or 2025-06-01T14:30:00+01:00",
    Shape.INSTANT: "a date-time with its UTC offset, e.g. 2025-10-26T01:30:00+01:00",
}


#: The shapes nearly every value has, checked without the general grammar (same answers, faster).
_FULL_INSTANT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:Z|[+-][0-9]{2}:[0-9]{2})"
)
_FULL_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_EARLIEST_OFFSET, _LATEST_OFFSET = timedelta(hours=-12), timedelta(hours=14)


def _plain_day_ok(value: str) -> bool:
    """True for a real calendar day ``YYYY-MM-DD`` (already matched by _FULL_DAY)."""
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _plain_instant_ok(value: str) -> bool:
    """True for a real ``YYYY-MM-DDThh:mm:ss`` with a real offset (already matched by _FULL_INSTANT)."""
    if value[-1] != "Z" and value[-2] > "5":  # offset minutes 60-99 (fromisoformat carries them over)
        return False
    try:
        offset = datetime.fromisoformat(value).utcoffset()
    except ValueError:
        return False
    return offset is not None and _EARLIEST_OFFSET <= offset <= _LATEST_OFFSET


def problem(value: str, shape: Shape) -> str | None:
    """Why ``value`` is not an acceptable ``shape`` (None when it is): grammar, then the calendar."""
    if shape is not Shape.DATE and _FULL_INSTANT.fullmatch(value) and _plain_instant_ok(value):
        return None
    if shape is not Shape.INSTANT and _FULL_DAY.fullmatch(value) and _plain_day_ok(value):
        return None
    m = _GRAMMAR.fullmatch(value)
    if m is None:
        return f"must be {HINTS[shape]}"
    has_time = m["hh"] is not None
    if shape is Shape.DATE and has_time:
        return f"must be {HINTS[shape]} (no time)"
    if shape is Shape.INSTANT and not has_time:
        return f"must be {HINTS[shape]}: the time matters here"
    if has_time and m["tz"] is None:
        return "a time needs its UTC offset (Z, +01:00, ...), or times shift when read elsewhere"
    return _calendar_problem(m)


def _calendar_problem(m: re.Match[str]) -> str | None:
    year = int(m["y"])
    if year == 0:
        return "is not a date of the calendar (there is no year 0000)"
    if m["m"] is not None and not 1 <= int(m["m"]) <= 12:
        return "is not a date of the calendar (months run 01 to 12)"
    if m["d"] is not None:
        try:
            date(year, int(m["m"]), int(m["d"]))
        except ValueError:
            return "is not a day of the calendar (that month has no such day)"
    if m["hh"] is not None:
        if int(m["hh"]) > 23 or int(m["mi"]) > 59 or (m["ss"] is not None and int(m["ss"]) > 59):
            return "is not a time of day (hours 00-23, minutes and seconds 00-59)"
        tz = m["tz"]
        if tz != "Z":
            hours, minutes = int(tz[1:3]), int(tz[4:6])
            limit = 14 if tz[0] == "+" else 12
            if minutes > 59 or hours * 60 + minutes > limit * 60:
                return "has a UTC offset that does not exist (offsets run from -12:00 to +14:00)"
    return None


def is_valid(value: str, shape: Shape) -> bool:
    """True when ``value`` is an acceptable ``shape``."""
    return problem(value, shape) is None


def canonical(value: str) -> str:
    """``value`` as FHIR writes it: a time without seconds gets ``:00`` (nothing else changes)."""
    if len(value) > 16 and value[10] == "T" and value[16] != ":":
        return f"{value[:16]}:00{value[16:]}"
    return value


def has_time(value: str) -> bool:
    """True for a date-time, False for a date of any precision."""
    return "T" in value


def precision(value: str) -> str:
    """``year``, ``month``, ``day`` or ``time``: how precisely a (valid) value is known."""
    if "T" in value:
        return "time"
    return ("year", "month", "day")[value.count("-")]


_BEYOND_MICROSECONDS = re.compile(r"(\.\d{6})\d+")


def parse_instant(value: str) -> datetime:
    """A valid date-time with its offset as an aware datetime (fractions beyond microseconds dropped)."""
    if "." not in value:
        return datetime.fromisoformat(value)  # Python 3.11 reads Z and times without seconds
    if "." in value:
        value = _BEYOND_MICROSECONDS.sub(r"\1", value)
    return datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)


def first_day(value: str) -> date:
    """The first calendar day a valid date of any precision covers (``2019-05`` -> 1 May 2019)."""
    parts = value[:10].split("-")
    return date(int(parts[0]), int(parts[1]) if len(parts) > 1 else 1, int(parts[2]) if len(parts) > 2 else 1)


#: Clock skew tolerated before a time counts as "in the future".
FUTURE_TOLERANCE = timedelta(minutes=5)


@lru_cache(maxsize=8)  # a batch checks every value against one "now"
def _latest_day(now: datetime) -> str:
    # The latest calendar date anywhere on Earth (UTC+14) counts as "today" for date-only values.
    utc = now if now.tzinfo is None else now.astimezone(UTC)
    return (utc + timedelta(hours=14)).date().isoformat()


@lru_cache(maxsize=8)
def _latest_moment(now: datetime) -> datetime:
    return now + FUTURE_TOLERANCE


def is_future(value: str, now: datetime) -> bool:
    """True when a valid date or date-time lies after ``now`` (dates: after today anywhere on Earth)."""
    if "T" in value:
        return parse_instant(value) > _latest_moment(now)
    # YYYY, YYYY-MM and YYYY-MM-DD compare as text: a period starts after the latest day exactly when
    # its text is after the same number of characters of that day's.
    return value > _latest_day(now)[: len(value)]
