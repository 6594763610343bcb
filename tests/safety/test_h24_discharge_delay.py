"""H24: the Discharge Ready Date or the delay from it recorded wrong: a day out across midnight or a clock
change, a blank ready date taken for "no delay", or a delay that goes negative.

Days are days in England whatever offset a time was written with; a blank ready date is
``ready-date-not-recorded`` with no delay (never 0); a discharge before its ready date is no delay, and said
so; the return document carries the ready date and the delay; an A08's expected discharge date becomes the
ready date of its day in England."""

from __future__ import annotations

import pytest

from adapter.errors import ContractError
from adapter.redbag import assess_discharge, assess_summary, build_return_bundles
from adapter.redbag.discharge_delay import Timing, day_in_england, discharge_delay
from tests.redbag.test_field_policy import _example


@pytest.mark.parametrize(
    ("instant", "day"),
    [
        ("2025-04-04T23:30:00+00:00", "2025-04-05"),  # 00:30 BST the next day
        ("2025-04-04T23:30:00+01:00", "2025-04-04"),
        ("2025-01-10T23:30:00+00:00", "2025-01-10"),  # GMT: as written
        ("2025-03-30T00:30:00+00:00", "2025-03-30"),  # the night the clocks go forward
        ("2025-10-26T00:30:00+00:00", "2025-10-26"),  # 01:30 BST, the hour that happens twice
        ("2025-04-04T20:00:00-05:00", "2025-04-05"),  # an offset from elsewhere: 02:00 in England
    ],
)
def test_h24_days_are_days_in_england(instant: str, day: str) -> None:
    assert day_in_england(instant).isoformat() == day


def test_h24_the_delay_is_days_from_the_ready_date_never_negative_never_guessed() -> None:
    assert discharge_delay("2025-04-02", "2025-04-04T14:30:00+01:00").days == 2
    on = discharge_delay("2025-04-04", "2025-04-04T23:30:00+01:00")
    assert (on.days, on.timing) == (0, Timing.ON_READY_DATE)
    late = discharge_delay("2025-04-04", "2025-04-04T23:30:00+00:00")  # 00:30 BST on the 5th
    assert (late.days, late.timing) == (1, Timing.DELAYED)
    early = discharge_delay("2025-04-06", "2025-04-04T10:00:00+01:00")
    assert (early.days, early.timing) == (0, Timing.BEFORE_READY_DATE)
    blank = discharge_delay(None, "2025-04-04T10:00:00+01:00")
    assert (blank.days, blank.timing, blank.discharge_date) == (
        None,
        Timing.READY_DATE_NOT_RECORDED,
        "2025-04-04",
    )


def test_h24_the_return_document_carries_the_ready_date_and_the_delay() -> None:
    summary = assess_summary(_example("return-journey.summary.json")).data
    discharge = assess_discharge(_example("return-journey.discharge.json"), summary).data
    document, _ = build_return_bundles(summary, discharge)
    encounter = next(e["resource"] for e in document["entry"] if e["resource"]["resourceType"] == "Encounter")
    parts = {p["url"]: p for p in encounter["extension"][0]["extension"]}
    assert parts["readyDate"]["valueDate"] == "2025-04-02" and parts["delayDays"]["valueInteger"] == 2
    blank = {k: v for k, v in discharge.items() if k != "dischargeReadyDate"}
    document, _ = build_return_bundles(summary, blank)
    encounter = next(e["resource"] for e in document["entry"] if e["resource"]["resourceType"] == "Encounter")
    assert "extension" not in encounter, "no ready date: no delay written, not a delay of 0"


@pytest.mark.parametrize(
    ("ready", "why"),
    [("2025-04", "whole day"), ("2025-03-29", "before the resident left")],
)
def test_h24_a_ready_date_that_cannot_be_is_refused(ready: str, why: str) -> None:
    summary = assess_summary(_example("return-journey.summary.json")).data
    discharge = {**_example("return-journey.discharge.json"), "dischargeReadyDate": ready}
    with pytest.raises(ContractError, match=why):
        assess_discharge(discharge, summary)
