"""Named transforms: what each accepts, what it gives, and why it refuses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from adapter.errors import MappingError
from adapter.mapping.transforms import CellError, CodeMap, Context, as_of_instant, chain
from adapter.redbag import dates
from adapter.redbag.dates import Shape

CTX = Context(
    ZoneInfo("Europe/London"),
    datetime(2026, 4, 1, tzinfo=UTC),
    {"gender": CodeMap("gender", {"m": "male", "f": "female"})},
)


def run(steps: Any, value: Any) -> Any:
    fn = chain(steps, CTX)
    assert fn is not None
    return fn(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1943-09-04", "1943-09-04"),
        ("04/09/1943", "1943-09-04"),  # UK order: day first
        ("4/9/1943", "1943-09-04"),
        ("04-09-1943", "1943-09-04"),
        ("04.09.1943", "1943-09-04"),
        ("1943-09-04T10:00:00Z", "1943-09-04"),
        ("29/02/2024", "2024-02-29"),
    ],
)
def test_date_accepts_iso_and_uk_order(value: str, expected: str) -> None:
    assert run("date", value) == expected


@pytest.mark.parametrize(
    "value", ["31/02/1943", "1943-13-01", "09/04/43", "yesterday", "1943/09/04", "13/13/2000"]
)
def test_date_refuses_what_is_not_a_calendar_date(value: str) -> None:
    with pytest.raises(CellError) as info:
        run("date", value)
    assert value not in info.value.reason  # the report shows the value, withheld when personal


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-10-26T01:10:00+00:00", "2025-10-26T01:10:00+00:00"),  # contract form: kept as written
        ("2025-10-26T01:10Z", "2025-10-26T01:10Z"),
        ("2025-10-26T01:10:00.123+01:00", "2025-10-26T01:10:00.123+01:00"),
        ("2025-07-14T16:05:00", "2025-07-14T16:05:00+01:00"),  # local summer time gets BST
        ("14/07/2025 16:05", "2025-07-14T16:05:00+01:00"),
        ("14/01/2025 16:05:30", "2025-01-14T16:05:30+00:00"),
        ("2025-01-14 09:00:00+0530", "2025-01-14T09:00:00+05:30"),
    ],
)
def test_datetime_keeps_or_adds_the_offset(value: str, expected: str) -> None:
    assert run("datetime", value) == expected


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("26/10/2025 01:30", "ambiguous"),  # clocks went back at 02:00 BST: 01:30 happened twice
        ("30/03/2025 01:30", "does not exist"),  # clocks went forward at 01:00 GMT
        ("10:00", "not a date and time"),
    ],
)
def test_datetime_refuses_times_it_cannot_place(value: str, why: str) -> None:
    with pytest.raises(CellError, match=why):
        run("datetime", value)


@pytest.mark.parametrize(
    ("transform", "value", "checked_as"),
    [
        ("date", "30/02/2025", ("2025-02-30", Shape.DATE)),
        ("date", "1934-02-29", ("1934-02-29", Shape.DATE)),  # 1934 is not a leap year
        ("date", "29/02/1900", ("1900-02-29", Shape.DATE)),  # nor is 1900
        ("date", "2025-02-30T10:00:00Z", ("2025-02-30T10:00:00Z", Shape.INSTANT)),
        (
            "date",
            "2025-01-01T24:00:00Z",
            ("2025-01-01T24:00:00Z", Shape.INSTANT),
        ),  # a date-time is checked whole
        ("datetime", "2026-02-30T08:10:00+01:00", ("2026-02-30T08:10:00+01:00", Shape.INSTANT)),
        ("datetime", "30/02/2026 08:10", ("2026-02-30T08:10Z", Shape.INSTANT)),
        ("datetime", "2025-06-01T24:00:00+01:00", ("2025-06-01T24:00:00+01:00", Shape.INSTANT)),
        ("datetime", "01/06/2025 24:00", ("2025-06-01T24:00Z", Shape.INSTANT)),
        ("datetime", "2025-06-01T10:60:00Z", ("2025-06-01T10:60:00Z", Shape.INSTANT)),
        ("datetime", "2025-01-01T10:00:00+15:00", ("2025-01-01T10:00:00+15:00", Shape.INSTANT)),
        ("datetime", "2025-01-01T10:00:00-1300", ("2025-01-01T10:00:00-13:00", Shape.INSTANT)),
        ("partial_date", "2008-13", ("2008-13", Shape.DATE)),
        ("partial_date", "0000", ("0000", Shape.DATE)),
        ("partial_date", "31/04/2025", ("2025-04-31", Shape.DATE)),
        ("partial_date", "2025-04-31T09:00:00+01:00", ("2025-04-31T09:00:00+01:00", Shape.INSTANT)),
    ],
)
def test_dates_are_refused_for_the_calendar_reason_the_json_contract_gives(
    transform: str, value: str, checked_as: tuple[str, Shape]
) -> None:
    """The CSV transforms read UK and ISO spellings; the calendar is adapter.redbag.dates' alone, so a CSV
    cell and a JSON field with the same date are refused with the same words."""
    expected = dates.problem(*checked_as)
    assert expected is not None
    with pytest.raises(CellError) as info:
        run(transform, value)
    assert info.value.reason == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("29/02/2024", "2024-02-29"), ("2000-02-29", "2000-02-29"), ("31/12/2025", "2025-12-31")],
)
def test_leap_days_and_month_ends_that_exist_are_accepted(value: str, expected: str) -> None:
    assert run("date", value) == expected
    assert run("partial_date", value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-06-01", "2025-06-01"),  # a DNACPR / ReSPECT form is dated by day
        ("01/06/2025", "2025-06-01"),
        ("2025-06", "2025-06"),
        ("2025-06-01T14:30:00+01:00", "2025-06-01T14:30:00+01:00"),
        ("01/06/2025 14:30", "2025-06-01T14:30:00+01:00"),  # local time: the mapping's zone (BST)
    ],
)
def test_partial_date_takes_a_day_or_a_date_time(value: str, expected: str) -> None:
    assert run("partial_date", value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2008", "2008"), ("2008-03", "2008-03"), ("03/2008", "2008-03"), ("3/2008", "2008-03"),
     ("14/03/2008", "2008-03-14"), ("2008-03-14", "2008-03-14")],
)  # fmt: skip
def test_partial_date_keeps_the_precision_given(value: str, expected: str) -> None:
    assert run("partial_date", value) == expected


@pytest.mark.parametrize("value", ["2008-13", "13/2008", "spring 2008"])
def test_partial_date_refuses_non_dates(value: str) -> None:
    with pytest.raises(CellError):
        run("partial_date", value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("TRUE", True), ("Yes", True), ("y", True), ("1", True),
     ("false", False), ("No", False), ("N", False), ("0", False)],
)  # fmt: skip
def test_boolean_words(value: str, expected: bool) -> None:
    assert run("boolean", value) is expected


@pytest.mark.parametrize("value", ["maybe", "2", "yes please", "on"])
def test_boolean_refuses_other_words(value: str) -> None:
    with pytest.raises(CellError, match="yes/no"):
        run("boolean", value)


def test_nhs_number_strips_spacing_and_checks_the_digit() -> None:
    assert run("nhs_number", "943 476 5919") == "9434765919"
    assert run("nhs_number", "943-476-5919") == "9434765919"
    with pytest.raises(CellError) as info:
        run("nhs_number", "9434765918")
    assert info.value.reason == "*******918 fails the NHS number check digit (modulus 11)"
    with pytest.raises(CellError, match="10 digits"):
        run("nhs_number", "94347659")


def test_sctid_checks_verhoeff_and_partition() -> None:
    assert run("sctid", "42109611000001109") == "42109611000001109"
    with pytest.raises(CellError, match="Verhoeff"):
        run("sctid", "42109611000001108")
    with pytest.raises(CellError, match="partition"):
        run("sctid", "42109611000001129")


def test_code_map_ignores_case_and_names_unknown_codes() -> None:
    assert run({"map": "gender"}, "M") == "male"
    with pytest.raises(CellError, match="not in code map 'gender'"):
        run({"map": "gender"}, "x")


def test_one_of_gives_the_canonical_spelling() -> None:
    assert run({"one_of": ["on-hold", "active"]}, "On-Hold") == "on-hold"
    with pytest.raises(CellError, match="expected one of: on-hold, active"):
        run({"one_of": ["on-hold", "active"]}, "paused")


def test_steps_map_over_multi_column_values_and_flatten_splits() -> None:
    given = [{"regex_replace": ["[0-9]+$", ""]}, {"split": " "}]
    assert run(given, ["Bo157", "Ted955 Alan1"]) == ["Bo", "Ted955", "Alan"]
    assert run([{"highest": ["MILD", "MODERATE", "SEVERE"]}, "lower"], ["MILD", "SEVERE"]) == "severe"
    assert run(["collapse_spaces", {"join": "; "}], ["Wheal  (finding)", "Cough"]) == "Wheal (finding); Cough"
    assert run("integer", "1,000") == 1000
    assert run("ods_code", "vm2k8") == "VM2K8"


@pytest.mark.parametrize(
    ("steps", "message"),
    [("nonsense", "unknown transform 'nonsense'"), ({"map": "nope"}, "no code map named 'nope'"),
     ({"regex_replace": "x"}, "takes \\[pattern, replacement\\]"), ({"a": 1, "b": 2}, "a name or")],
)  # fmt: skip
def test_bad_transform_specs_are_mapping_errors(steps: Any, message: str) -> None:
    with pytest.raises(MappingError, match=message):
        chain(steps, CTX)


def test_as_of_accepts_a_date_or_an_instant() -> None:
    now = datetime(2026, 11, 24, 10, 30, 15, 123, tzinfo=UTC)
    assert as_of_instant(None, now) == now.replace(microsecond=0)
    assert as_of_instant("2026-04-01", now) == datetime(2026, 4, 1, tzinfo=UTC)
    assert as_of_instant("01/04/2026", now) == datetime(2026, 4, 1, tzinfo=UTC)
    assert as_of_instant("2026-04-01T12:00:00+01:00", now).isoformat() == "2026-04-01T12:00:00+01:00"
    with pytest.raises(MappingError, match="--as-of 'soon'"):
        as_of_instant("soon", now)


def test_remembered_results_never_hide_an_error_or_share_a_list() -> None:
    """Transforms remember their answers per cell value: a bad value still fails every time it is seen,
    and a list answer (split) is made afresh, so changing one resident's list cannot reach another's."""
    date = chain("date", CTX)
    split = chain({"split": " "}, CTX)
    assert date is not None and split is not None
    for _ in range(2):
        with pytest.raises(CellError):
            date("31/02/2024")
        assert date("04/09/1943") == "1943-09-04"
    first = split("Mary Ann")
    first.append("changed")
    assert split("Mary Ann") == ["Mary", "Ann"]


def test_remembered_results_stay_right_past_the_memory_limit() -> None:
    upper = chain("upper", CTX)
    assert upper is not None
    for n in range(10_000):  # more distinct values than are kept
        assert upper(f"ab{n}") == f"AB{n}"
    assert upper("ab3") == "AB3"
