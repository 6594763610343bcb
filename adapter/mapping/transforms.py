"""Named transforms: how a CSV cell becomes a resident-summary value.

A mapping names them (``transform: date``, ``transform: {map: gender}``, or a list of steps); each is built
once when the mapping is compiled, then called per cell. A transform raises :class:`CellError` with a reason
that never repeats the value (the report shows the value itself, withheld when it is personal data).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from adapter.errors import MappingError
from adapter.redbag import dates
from adapter.redbag.dates import Shape
from adapter.redbag.identifiers import mask_nhs_number, nhs_number_is_valid, ods_code_is_valid, sctid_problem

Transform = Callable[[Any], Any]


class CellError(ValueError):
    """A cell value a transform cannot accept; ``reason`` says why (without echoing the value)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Context:
    """What transforms may depend on besides the cell: the zone of local times and the as-of instant."""

    timezone: ZoneInfo
    as_of: datetime
    maps: Mapping[str, CodeMap]


@dataclass(frozen=True)
class CodeMap:
    """A code map from a mapping file: source value -> target value, optionally ignoring case."""

    name: str
    values: Mapping[str, Any]
    ignore_case: bool = True

    def lookup(self, value: str) -> Any:
        key = value.casefold() if self.ignore_case else value
        try:
            return self.values[key]
        except KeyError:
            raise CellError(f"unknown code (not in code map {self.name!r})") from None

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, str):
            return False
        return (value.casefold() if self.ignore_case else value) in self.values


# --- dates and times -----------------------------------------------------------------------------------
# A cell's spelling (ISO 8601, UK day-first order, a time with or without its offset) is read here; whether it
# names a day of the calendar and a time of day is decided by adapter.redbag.dates, the one check that every
# input path (JSON, discharge, CSV) uses.
# Whole cells only (fullmatch: ``$`` would also match before a final line break), ASCII digits only.
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_UK_DATE = re.compile(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})")
_MONTH_YEAR = re.compile(r"([0-9]{1,2})[/.-]([0-9]{4})")
_ISO_PARTIAL = re.compile(r"([0-9]{4})(?:-([0-9]{2}))?")
_ISO_DATETIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(\.[0-9]{1,9})?)?"
    r"(Z|[+-][0-9]{2}:?[0-9]{2})?"
)
_UK_DATETIME = re.compile(
    r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})[T ]+([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?"
)
_DATE_HINT = "use YYYY-MM-DD or DD/MM/YYYY (UK order)"
_PARTIAL_HINT = "use YYYY, YYYY-MM, YYYY-MM-DD, MM/YYYY or DD/MM/YYYY"
_DATETIME_HINT = "use YYYY-MM-DDTHH:MM[:SS] with an offset, or DD/MM/YYYY HH:MM local time"


def _on_calendar(text: str, shape: Shape) -> str:
    """``text`` (already ISO 8601) when it is a date or time that exists; else the calendar's reason."""
    problem = dates.problem(text, shape)
    if problem:
        raise CellError(problem)
    return text


def _iso_day(value: str) -> str | None:
    """``YYYY-MM-DD`` from an ISO or UK-order day (not yet checked); None when the cell is neither."""
    if _ISO_DATE.fullmatch(value):
        return value
    m = _UK_DATE.fullmatch(value)
    if m:
        day, month, year = m.groups()
        return f"{year}-{month.zfill(2)}-{day.zfill(2)}"
    return None


def _iso_moment(value: str) -> tuple[str, str | None] | None:
    """A date-time cell as ISO ``YYYY-MM-DDTHH:MM[:SS[.f]]`` and its offset (None: a local time), not yet
    checked; None when the cell is not a date-time at all."""
    m = _ISO_DATETIME.fullmatch(value)
    if m:
        year, month, day, hour, minute, second, fraction, offset = m.groups()
    else:
        m = _UK_DATETIME.fullmatch(value)
        if not m:
            return None
        day, month, year, hour, minute, second = m.groups()
        fraction = offset = None
    text = f"{year}-{month.zfill(2)}-{day.zfill(2)}T{hour.zfill(2)}:{minute}"
    if second is not None:
        text += f":{second}{fraction or ''}"
    if offset is not None and offset != "Z" and ":" not in offset:
        offset = f"{offset[:3]}:{offset[3:]}"
    return text, offset


def _day(value: str) -> str:
    """The checked ``YYYY-MM-DD`` of a date cell; a date-time is checked whole and gives its date as written
    (exports often put a time on every date)."""
    day = _iso_day(value)
    if day is not None:
        return _on_calendar(day, Shape.DATE)
    moment = _iso_moment(value)
    if moment is None:
        raise CellError(f"not a date ({_DATE_HINT})")
    text, offset = moment
    _on_calendar(text + (offset or "Z"), Shape.INSTANT)  # a local time's clock is checked as if at UTC
    return text[:10]


def parse_date(value: str) -> date:
    """A calendar date from ISO 8601 ``YYYY-MM-DD`` or UK ``DD/MM/YYYY`` (also with ``-`` or ``.``), or the
    date part of a date-time."""
    return dates.first_day(_day(value))


def _date_text(value: str, _: Context) -> str:
    return _day(value)


def _partial_date_text(value: str, ctx: Context) -> str:
    """A date as precise as it is known: ``YYYY``, ``YYYY-MM``, ``MM/YYYY``, a full date, or a date-time."""
    if _ISO_PARTIAL.fullmatch(value):
        return _on_calendar(value, Shape.DATE)
    m = _MONTH_YEAR.fullmatch(value)
    if m:
        month, year = m.groups()
        return _on_calendar(f"{year}-{month.zfill(2)}", Shape.DATE)
    day = _iso_day(value)
    if day is not None:
        return _on_calendar(day, Shape.DATE)
    if _iso_moment(value) is None:
        raise CellError(f"not a date ({_PARTIAL_HINT})")
    return _datetime_text(value, ctx)


def _localise(naive: datetime, zone: ZoneInfo) -> datetime:
    """Attach ``zone`` to a wall-clock time, refusing times a clock change makes ambiguous or impossible."""
    first = naive.replace(tzinfo=zone, fold=0)
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise CellError(f"local time does not exist (the clocks went forward; {zone.key})")
    if first.utcoffset() != naive.replace(tzinfo=zone, fold=1).utcoffset():
        raise CellError(f"local time is ambiguous (the clocks went back; {zone.key}): give its UTC offset")
    return first


def _format_instant(moment: datetime) -> str:
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hh, mm = divmod(abs(minutes), 60)
    return f"{moment.strftime('%Y-%m-%dT%H:%M:%S')}{sign}{hh:02d}:{mm:02d}"


def _instant(value: str, zone: ZoneInfo) -> tuple[str, datetime]:
    """A date-time cell, checked, as ISO 8601 text with its offset and as an aware datetime.

    A time with its offset is kept as written (ISO spelling); a local time gets the offset ``zone`` has at
    that moment.
    """
    moment = _iso_moment(value)
    if moment is None:
        raise CellError(f"not a date and time ({_DATETIME_HINT})")
    text, offset = moment
    if offset is None:
        _on_calendar(text + "Z", Shape.INSTANT)  # the calendar and the clock, before placing it in the zone
        local = _localise(dates.parse_instant(text + "Z").replace(tzinfo=None), zone)
        return _format_instant(local), local
    written = _on_calendar(text + offset, Shape.INSTANT)
    return written, dates.parse_instant(written)


def parse_instant(value: str, zone: ZoneInfo) -> datetime:
    """An aware datetime from ISO 8601 (with or without offset) or UK ``DD/MM/YYYY HH:MM[:SS]``."""
    return _instant(value, zone)[1]


def _datetime_text(value: str, ctx: Context) -> str:
    """An ISO 8601 date-time with its offset; local times get the offset of the mapping's zone."""
    if len(value) > 16 and value[10] == "T" and (value[-1] == "Z" or value[-6] in "+-"):
        # the common case, written as the contract writes it: checked as it is, kept as written
        return _on_calendar(value, Shape.INSTANT)
    return _instant(value, ctx.timezone)[0]


# --- other scalars -------------------------------------------------------------------------------------
_TRUE = frozenset({"true", "yes", "y", "1", "t"})
_FALSE = frozenset({"false", "no", "n", "0", "f"})


def parse_boolean(value: str) -> bool:
    """true/false, yes/no, y/n, 1/0 (any case)."""
    v = value.casefold()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise CellError("not a yes/no value (use true/false, yes/no, y/n or 1/0)")


def _integer(value: str, _: Context) -> int:
    try:
        return int(value.replace(",", ""))
    except ValueError:
        raise CellError("not a whole number") from None


def _nhs_number(value: str, _: Context) -> str:
    digits = re.sub(r"[\s-]", "", value)  # spaces and hyphens as people write them; checked whole
    if not (len(digits) == 10 and digits.isascii() and digits.isdigit()):
        raise CellError("not an NHS number (10 digits)")
    if not nhs_number_is_valid(digits):
        raise CellError(f"{mask_nhs_number(digits)} fails the NHS number check digit (modulus 11)")
    return digits


def _sctid(value: str, _: Context) -> str:
    problem = sctid_problem(value)
    if problem:
        raise CellError(f"not a SNOMED CT / dm+d code: {problem}")
    return value


def _ods_code(value: str, _: Context) -> str:
    code = value.upper()
    if not ods_code_is_valid(code):
        raise CellError("not an ODS code (3 to 10 letters and digits)")
    return code


# --- what a care home can manage -------------------------------------------------------------------------
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WINDOW = re.compile(r"(?P<days>[A-Za-z,\- ]+?)\s+(?P<from>\d{2}:\d{2})\s*-\s*(?P<until>\d{2}:\d{2})")
_TIME_OF_DAY = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]")
_WINDOW_HINT = "write each window as DAYS HH:MM-HH:MM, e.g. mon-fri 08:00-20:00; sat,sun 10:00-16:00"


def _none_is_empty(value: str, _: Context) -> Any:
    """``none`` (any case) is an empty list: a list stated as having nothing in it."""
    return [] if value.strip().casefold() == "none" else value


def _window_days(text: str) -> list[str]:
    days: list[str] = []
    for part in (p.strip().casefold() for p in text.split(",")):
        first, _, last = part.partition("-")
        if first not in _DAYS or (last and last not in _DAYS):
            raise CellError(f"unknown day (use {', '.join(_DAYS)}); {_WINDOW_HINT}")
        span = _DAYS[_DAYS.index(first) : _DAYS.index(last) + 1] if last else (first,)
        if not span:
            raise CellError(f"a range of days runs forward (mon-fri, not fri-mon); {_WINDOW_HINT}")
        days += span
    return days


def _return_windows(value: str, _: Context) -> list[dict[str, Any]]:
    """``mon-fri 08:00-20:00; sat,sun 10:00-16:00`` -> the capabilities' ``returns`` windows."""
    windows = []
    for text in (w.strip() for w in value.split(";")):
        m = _WINDOW.fullmatch(text)
        if not m:
            raise CellError(_WINDOW_HINT)
        for moment in (m["from"], m["until"]):
            if not _TIME_OF_DAY.fullmatch(moment):
                raise CellError("is not a time of day (hours 00-23, minutes 00-59)")
        windows.append({"days": _window_days(m["days"]), "from": m["from"], "until": m["until"]})
    return windows


def _with_context(fn: Callable[[str, Context], Any]) -> Callable[[Context, Any], Transform]:
    def factory(ctx: Context, _: Any) -> Transform:
        return lambda v: fn(v, ctx)

    return factory


# --- transforms that take an argument ------------------------------------------------------------------
def _map(ctx: Context, name: Any) -> Transform:
    try:
        code_map = ctx.maps[str(name)]
    except KeyError:
        raise MappingError(f"transform map: no code map named {name!r}") from None
    return code_map.lookup


def _one_of(_: Context, allowed: Any) -> Transform:
    canonical = {str(a).casefold(): a for a in allowed}
    listed = ", ".join(str(a) for a in allowed)

    def check(value: str) -> Any:
        try:
            return canonical[value.casefold()]
        except KeyError:
            raise CellError(f"unknown value (expected one of: {listed})") from None

    return check


def _split(_: Context, separator: Any) -> Transform:
    sep = str(separator)

    def split(value: str) -> list[str]:
        parts = value.split() if sep.strip() == "" else value.split(sep)
        return [p.strip() for p in parts if p.strip()]

    return split


def _join(_: Context, separator: Any) -> Transform:
    sep = str(separator)
    return lambda values: sep.join(values) if isinstance(values, list) else values


def _highest(_: Context, order: Any) -> Transform:
    rank = {str(v).casefold(): i for i, v in enumerate(order)}
    listed = ", ".join(str(v) for v in order)

    def highest(values: Any) -> Any:
        items = values if isinstance(values, list) else [values]
        try:
            return max(items, key=lambda v: rank[v.casefold()])
        except KeyError:
            raise CellError(f"unknown value (expected one of: {listed})") from None

    return highest


def _regex_replace(_: Context, arg: Any) -> Transform:
    if not (isinstance(arg, list) and len(arg) == 2):
        raise MappingError("transform regex_replace takes [pattern, replacement]")
    try:
        pattern = re.compile(str(arg[0]))
    except re.error as exc:
        raise MappingError(f"transform regex_replace: bad pattern {arg[0]!r}: {exc}") from None
    replacement = str(arg[1])
    return lambda value: pattern.sub(replacement, value).strip()


#: Transforms without an argument (``transform: date``).
SIMPLE: dict[str, Callable[[Context, Any], Transform]] = {
    "date": _with_context(_date_text),
    "partial_date": _with_context(_partial_date_text),
    "datetime": _with_context(_datetime_text),
    "boolean": _with_context(lambda v, _: parse_boolean(v)),
    "integer": _with_context(_integer),
    "nhs_number": _with_context(_nhs_number),
    "sctid": _with_context(_sctid),
    "ods_code": _with_context(_ods_code),
    "upper": _with_context(lambda v, _: v.upper()),
    "lower": _with_context(lambda v, _: v.lower()),
    "collapse_spaces": _with_context(lambda v, _: " ".join(v.split())),
    "none_is_empty": _with_context(_none_is_empty),
    "return_windows": _with_context(_return_windows),
}
#: Transforms with an argument (``transform: {map: gender}``).
WITH_ARGUMENT: dict[str, Callable[[Context, Any], Transform]] = {
    "map": _map,
    "one_of": _one_of,
    "split": _split,
    "join": _join,
    "highest": _highest,
    "regex_replace": _regex_replace,
}
#: Transforms that take the whole list of a multi-column value rather than each element.
LIST_TRANSFORMS = frozenset({"join", "highest"})

NAMES = sorted({*SIMPLE, *WITH_ARGUMENT})


def build(step: Any, ctx: Context) -> tuple[str, Transform]:
    """One transform step from its mapping form: ``"date"`` or ``{"map": "gender"}``."""
    if isinstance(step, str):
        if step in SIMPLE:
            return step, SIMPLE[step](ctx, None)
        raise MappingError(f"unknown transform {step!r} (known: {', '.join(NAMES)})")
    if isinstance(step, dict) and len(step) == 1:
        ((name, arg),) = step.items()
        if name in WITH_ARGUMENT:
            return name, WITH_ARGUMENT[name](ctx, arg)
        raise MappingError(f"unknown transform {name!r} (known: {', '.join(NAMES)})")
    raise MappingError(f"a transform is a name or {{name: argument}}, not {step!r}")


def chain(steps: Any, ctx: Context) -> Transform | None:
    """Compose the steps of a ``transform:`` entry; string steps map over lists element by element."""
    if steps is None:
        return None
    built = [build(s, ctx) for s in (steps if isinstance(steps, list) else [steps])]

    def run(value: Any) -> Any:
        for name, fn in built:
            value = _each(fn, value) if isinstance(value, list) and name not in LIST_TRANSFORMS else fn(value)
        return value

    if len(built) == 1 and built[0][0] not in LIST_TRANSFORMS:
        only = built[0][1]
        return _remembered(lambda v: _each(only, v) if isinstance(v, list) else only(v))
    return _remembered(run)


_UNSET = object()
_IMMUTABLE = frozenset({str, bool, int, float})
_REMEMBERED = 4_096  # distinct cell values kept per transform: codes, homes, yes/no repeat; dates do not


def _remembered(fn: Transform) -> Transform:
    """``fn`` with its results for text cells remembered (every transform is a pure function of the cell).

    Only immutable results are kept (a list or code object is built afresh each time), and errors never.
    """
    seen: dict[str, Any] = {}

    def run(value: Any) -> Any:
        if type(value) is not str:
            return fn(value)
        out = seen.get(value, _UNSET)
        if out is _UNSET:
            out = fn(value)
            if type(out) in _IMMUTABLE:
                if len(seen) >= _REMEMBERED:
                    seen.clear()  # bounded memory; the values that repeat come straight back
                seen[value] = out
        return out

    return run


def _each(fn: Transform, values: list[Any]) -> list[Any]:
    """Apply ``fn`` to each element; a step that splits an element into a list is flattened in."""
    out: list[Any] = []
    for v in values:
        result = fn(v)
        if isinstance(result, list):
            out.extend(result)
        else:
            out.append(result)
    return out


def as_of_instant(text: str | None, now: datetime) -> datetime:
    """The ``--as-of`` value: a date (midnight UTC) or a date-time with offset; default ``now``."""
    if not text:
        return now.replace(microsecond=0)
    try:
        if _ISO_DATE.fullmatch(text) or _UK_DATE.fullmatch(text):
            d = parse_date(text)
            return datetime(d.year, d.month, d.day, tzinfo=UTC)
        return parse_instant(text, ZoneInfo("UTC"))
    except CellError as exc:
        raise MappingError(f"--as-of {text!r}: {exc.reason}") from None


def format_instant(moment: datetime) -> str:
    """An aware datetime as the contract writes it: ``YYYY-MM-DDTHH:MM:SS+HH:MM``."""
    return _format_instant(moment)
