"""What each measure counts, in words: its definition, its figures, and what it cannot count.

The texts are shown in the report and in docs/measures.md (generated from here), so the words and the code
cannot drift apart: :mod:`adapter.measures.compute` makes exactly the figures listed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

CALLED_OUT_KINDS = ("hearing-aid", "dentures", "glasses")


class Form(StrEnum):
    """How a figure is made, which decides how it is rounded and when it is suppressed."""

    COUNT = "count"  # a number of stays, items, visits
    PERCENT = "percent"  # numerator / denominator x 100; suppressed with either, or their difference
    PER_100 = "per-100"  # numerator per 100 of the denominator
    MEAN = "mean"  # an average over a number of stays


@dataclass(frozen=True, slots=True)
class Statistic:
    """One figure of a measure."""

    id: str
    label: str
    form: Form
    unit: str = ""


@dataclass(frozen=True, slots=True)
class Measure:
    """A measure: what it is, which figures it gives, what it cannot count."""

    id: str
    title: str
    definition: str
    cannot_count: str
    statistics: tuple[Statistic, ...]
    splits: tuple[str, ...] = ("all",)  # "with"/"without" a red bag, or the kinds of belonging

    def statistic(self, statistic_id: str) -> Statistic:
        """One of its figures."""
        return next(s for s in self.statistics if s.id == statistic_id)


S = Statistic
SPLIT_RED_BAG = ("all", "with", "without")

TRANSFERS = Measure(
    "transfers",
    "Transfers to hospital",
    "Stays in hospital of care-home residents that started in the period: every red bag sent, and every "
    "admission a hospital announced (HL7 v2 ADT, FHIR, the events API). A red bag and the admission it "
    "went with are one stay. 'Without a red bag' is an admission with no red bag sent in the matching "
    "window. 'Still in hospital' had no discharge recorded when the measures were taken.",
    "Admissions no hospital announced and no red bag recorded; 'without a red bag' is not recorded when "
    "no admission events reach redbag (a FHIR server holding red bags knows only the stays that had one); "
    "an admission cancelled by the hospital (A11) does not count.",
    (
        S("stays", "Transfers", Form.COUNT),
        S("with-red-bag", "With a red bag", Form.COUNT),
        S("without-red-bag", "Without a red bag", Form.COUNT),
        S("with-red-bag-percent", "With a red bag (%)", Form.PERCENT, "%"),
        S("in-hospital", "Still in hospital", Form.COUNT),
    ),
)
LENGTH_OF_STAY = Measure(
    "length-of-stay",
    "Length of stay",
    "Days from departure from the care home (the red bag's departedAt, else the hospital's admission time) "
    "to discharge (the hospital's discharge event, else the return journey's dischargedAt), for stays "
    "that ended; with and without a red bag.",
    "Stays still in hospital; a stay with a discharge but no departure or admission time (counted in "
    "'ended, no start time'); a discharge recorded before the departure.",
    (
        S("stays", "Stays ended", Form.COUNT),
        S("mean-days", "Mean length (days)", Form.MEAN, "days"),
        S("no-start", "Ended, no start time", Form.COUNT),
    ),
    SPLIT_RED_BAG,
)
READY_TO_DISCHARGE = Measure(
    "ready-to-discharge",
    "Discharge Ready Date to discharge",
    "For stays with a Discharge Ready Date and a discharge: whole days from the ready date to the day of "
    "discharge (0 when discharged on or before the ready date); the share discharged on their ready date; "
    "residents with a ready date still waiting in hospital.",
    "Stays whose hospital recorded no Discharge Ready Date (shown as not recorded when none has one); days "
    "are calendar days in England, not hours.",
    (
        S("stays", "Stays with a ready date, ended", Form.COUNT),
        S("mean-days", "Mean days ready to discharge", Form.MEAN, "days"),
        S("on-ready-date", "Discharged on the ready date", Form.COUNT),
        S("on-ready-date-percent", "Discharged on the ready date (%)", Form.PERCENT, "%"),
        S("waiting", "Ready, still in hospital", Form.COUNT),
    ),
)
VISITS = Measure(
    "visits",
    "48-hour visits",
    "Stays whose care home's 48-hour visit was due (its time has passed, or it was made): visited by the "
    "due time, visited late, or missed (not visited by the end of the stay, or still not visited).",
    "Stays without an admission event or with no known care home (no visit is set); visits not recorded "
    "through redbag; a stay that ended before its visit was due.",
    (
        S("due", "Visits due", Form.COUNT),
        S("on-time", "Visited on time", Form.COUNT),
        S("late", "Visited late", Form.COUNT),
        S("missed", "Not visited", Form.COUNT),
        S("on-time-percent", "Visited on time (%)", Form.PERCENT, "%"),
    ),
)
BELONGINGS = Measure(
    "belongings",
    "Belongings missing or retained",
    "Of the items that went out in red bags whose return journey was recorded: those missing (including "
    "items the hospital did not account for) and those retained by the hospital, per 100 transfers that "
    "came back, overall and by kind of item (hearing aids, dentures and glasses called out; the items "
    "that went out are counted overall only).",
    "Red bags whose return journey was not recorded; items never listed in the red bag; items found "
    "after the return journey was sent.",
    (
        S("returns", "Transfers that came back", Form.COUNT),
        S("items", "Items that went out", Form.COUNT),
        S("missing", "Missing", Form.COUNT),
        S("retained", "Retained", Form.COUNT),
        S("missing-per-100", "Missing per 100 transfers", Form.PER_100),
        S("retained-per-100", "Retained per 100 transfers", Form.PER_100),
    ),
)
MEDICINES = Measure(
    "medicines",
    "Medicines changed on discharge",
    "Of the return journeys recorded: those with at least one medicine started, stopped or its dose "
    "changed, and how many of each kind of change.",
    "Changes the hospital did not list in the return journey; return journeys not recorded.",
    (
        S("returns", "Return journeys", Form.COUNT),
        S("with-change", "With a medicine changed", Form.COUNT),
        S("with-change-percent", "With a medicine changed (%)", Form.PERCENT, "%"),
        S("started", "Medicines started", Form.COUNT),
        S("stopped", "Medicines stopped", Form.COUNT),
        S("dose-changed", "Doses changed", Form.COUNT),
    ),
)
READMISSIONS = Measure(
    "readmissions",
    "Readmissions within 30 days",
    "Of the stays that ended at least 30 days before the measures were taken: those followed by another "
    "stay of the same resident (same NHS number) starting within 30 days after the discharge; with and "
    "without a red bag (of the first stay).",
    "Residents without an NHS number (their stays cannot be linked); readmissions to hospitals whose "
    "admissions do not reach redbag and that had no red bag; stays that ended in the last 30 days.",
    (
        S("stays", "Stays followed for 30 days", Form.COUNT),
        S("readmitted", "Readmitted within 30 days", Form.COUNT),
        S("readmitted-percent", "Readmitted within 30 days (%)", Form.PERCENT, "%"),
    ),
    SPLIT_RED_BAG,
)

MEASURES: tuple[Measure, ...] = (
    TRANSFERS,
    LENGTH_OF_STAY,
    READY_TO_DISCHARGE,
    VISITS,
    BELONGINGS,
    MEDICINES,
    READMISSIONS,
)


def measure(measure_id: str) -> Measure:
    """A measure by its id."""
    return next(m for m in MEASURES if m.id == measure_id)
