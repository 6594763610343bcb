"""The Discharge Ready Date and the delay from it to the discharge (NHS England's measure since April 2023).

The Discharge Ready Date is the day a patient stops meeting the criteria to reside in a hospital bed; the
delay is the number of days from it to the day of discharge. Both days are days in England (Europe/London),
whatever offset the discharge time was written with. NHS England lets a trust leave the date blank for a
patient discharged on it; redbag records such a discharge as ``ready-date-not-recorded`` and leaves the
delay unknown, rather than guessing it was none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Final
from zoneinfo import ZoneInfo

from adapter.redbag import dates, vocab
from adapter.redbag.elements import ext

ENGLAND: Final = ZoneInfo("Europe/London")


class Timing(StrEnum):
    """How a discharge fell against the Discharge Ready Date."""

    ON_READY_DATE = "on-ready-date"
    DELAYED = "delayed"
    BEFORE_READY_DATE = "before-ready-date"  # the date was a forecast that the discharge beat
    READY_DATE_NOT_RECORDED = "ready-date-not-recorded"


@dataclass(frozen=True, slots=True)
class Delay:
    """A discharge measured against its ready date: the day of discharge (England), the days of delay
    (0 on the ready date or before it; None without a ready date) and the timing."""

    discharge_date: str
    ready_date: str | None
    days: int | None
    timing: Timing


def day_in_england(instant: str) -> date:
    """The calendar day in England of a date-time with its offset."""
    return dates.parse_instant(instant).astimezone(ENGLAND).date()


def discharge_delay(ready_date: str | None, discharged_at: str) -> Delay:
    """How far the discharge (a date-time with offset) came after the ready date (``YYYY-MM-DD``)."""
    discharged = day_in_england(discharged_at)
    if ready_date is None:
        return Delay(discharged.isoformat(), None, None, Timing.READY_DATE_NOT_RECORDED)
    gap = (discharged - date.fromisoformat(ready_date)).days
    timing = Timing.DELAYED if gap > 0 else Timing.ON_READY_DATE if gap == 0 else Timing.BEFORE_READY_DATE
    return Delay(discharged.isoformat(), ready_date, max(gap, 0), timing)


def readiness_extension(ready_date: str, delay_days: int | None = None) -> dict[str, Any]:
    """The Encounter's ``discharge-readiness`` extension: the ready date, and on return the days of delay."""
    parts = [ext("readyDate", valueDate=ready_date)]
    if delay_days is not None:
        parts.append(ext("delayDays", valueInteger=delay_days))
    return ext(vocab.EXT_DISCHARGE_READINESS, extension=parts)


def delay_words(delay: Delay) -> str:
    """The delay as people read it: ``discharged 2 days after it`` / ``discharged on it``."""
    if delay.timing is Timing.DELAYED:
        return f"discharged {delay.days} day{'s' if delay.days != 1 else ''} after it"
    if delay.timing is Timing.ON_READY_DATE:
        return "discharged on it"
    if delay.timing is Timing.BEFORE_READY_DATE:
        return "discharged before it"
    return "no ready date recorded"
