"""H26: aggregated measures must not let a reader pick out a resident: counts from 1 to 4 are withheld, and
so is every figure that would reveal one (a percentage through its complement, a rate, a mean)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from adapter.measures import measure_database, suppression
from adapter.report import render_csv, render_report
from adapter.store import Outbox, open_outbox
from tests.measures.hand_fixture import AS_OF, load


@pytest.fixture
def store(tmp_path: Path) -> Outbox:
    outbox = open_outbox(f"sqlite:///{tmp_path / 'store.db'}")
    load(outbox)
    return outbox


def test_h26_counts_under_the_threshold_are_withheld_and_what_reveals_them(store: Outbox) -> None:
    found = measure_database(store.db, as_of=AS_OF)  # the default threshold, 5
    assert found.threshold == 5
    assert found.get("transfers", "stays").text == "8"
    assert found.get("transfers", "with-red-bag").text == "6"
    assert found.get("transfers", "without-red-bag").text == "<5"
    assert found.get("transfers", "with-red-bag-percent").text == "suppressed"  # 6 of 8 tells 2 without
    assert found.get("length-of-stay", "mean-days", split="with").text == "suppressed"  # a mean of 3 stays
    assert found.get("belongings", "missing").text == "<5"
    assert found.get("belongings", "missing-per-100").text == "suppressed"
    assert found.get("readmissions", "readmitted").text == "<5"
    assert found.get("ready-to-discharge", "waiting").text == "0"  # zero identifies no one
    withheld = [f for f in found.figures if f.shown.value is None]
    assert all(f.shown.text in ("suppressed", "<5", "–", "not recorded") for f in withheld)
    for f in found.figures:  # nothing shown is a count from 1 to 4
        if f.shown.value is not None and f.shown.text.isdigit():
            assert not 0 < int(f.shown.text) < 5, f


def test_h26_a_percentage_is_withheld_when_its_numerator_denominator_or_difference_is_small() -> None:
    assert suppression.percent(6, 8, 5).text == "suppressed"  # 2 without
    assert suppression.percent(3, 40, 5).text == "suppressed"
    assert suppression.percent(40, 43, 5).text == "suppressed"
    assert suppression.percent(10, 10, 5).text == "100.0"
    assert suppression.percent(0, 10, 5).text == "0.0"
    assert suppression.percent(30, 40, 5).text == "75.0"
    assert suppression.mean(20.0, 4, 5).text == "suppressed" and suppression.mean(20.0, 5, 5).text == "4.0"
    assert suppression.per_100(3, 50, 5).text == "suppressed" and suppression.per_100(5, 50, 5).text == "10.0"
    assert suppression.count(4, 5).text == "<5" and suppression.count(0, 5).text == "0"


def test_h26_the_report_and_csv_show_only_withheld_small_numbers(store: Outbox) -> None:
    found = measure_database(store.db, as_of=AS_OF)
    html, table = render_report(found, source="test"), render_csv(found)
    assert "Small numbers are withheld" in html
    for line in table.splitlines()[1:]:
        value = line.rsplit(",", 2)[-2]
        assert not (value.isdigit() and 0 < int(value) < 5), line


def test_h26_without_suppression_the_report_says_so(store: Outbox) -> None:
    html = render_report(measure_database(store.db, threshold=1, as_of=AS_OF), source="test")
    assert "Small numbers are NOT withheld" in html


def test_h26_a_chart_draws_no_withheld_figure(store: Outbox) -> None:
    """The months with 1 to 4 transfers are drawn as nothing and labelled <5."""
    found = measure_database(store.db, as_of=AS_OF)
    assert [(m, w.text, wo.text) for m, w, wo in found.monthly] == [
        ("2025-03", "<5", "<5"),
        ("2025-04", "<5", "0"),
        ("2025-05", "<5", "0"),
        ("2025-06", "0", "<5"),
    ]
    from adapter.report.charts import monthly_transfers

    svg = monthly_transfers(found)
    assert svg.count("&lt;5") == 5


def test_h26_a_withheld_bar_is_labelled_in_every_kind_of_chart_and_no_axis_goes_below_zero() -> None:
    """Care homes' bars (horizontal, stacked or side by side) say "<5" or "suppressed" where they are
    withheld, in their series' colour, so a withheld figure is never read as none."""
    from adapter.measures.suppression import Shown
    from adapter.report.charts import MISSING, WITH, WITHOUT, paired_bars

    small, hidden, seven = Shown("<5", None), Shown("suppressed", None), Shown("7", 7.0)
    homes = ["Ash House", "Beech Court"]
    for stacked in (True, False):
        svg = paired_bars(
            "By care home",
            homes,
            [("with", WITH, [seven, small]), ("without", WITHOUT, [small, hidden])],
            ylabel="transfers",
            stacked=stacked,
            horizontal=True,
        )
        notes = re.findall(r'<text style="[^"]*fill: (#[0-9a-f]{6})"[^>]*>(&lt;5|suppressed)</text>', svg)
        expected = [(WITH, "&lt;5"), (WITHOUT, "&lt;5"), (WITHOUT, "suppressed")]
        assert sorted(notes) == sorted(expected), stacked
    withheld_only = paired_bars("Months", ["2025-03"], [("missing", MISSING, [small])], ylabel="n")
    assert "&lt;5" in withheld_only and "\N{MINUS SIGN}" not in withheld_only  # no axis below 0
