"""Gaps that people see: every field a red bag travels without (``contract.summary_warnings``) is said on
the form beside its item, in words a nurse acts on ("NOT RECORDED, ask <care home> on <phone>"), and the
first page's box lists them all, the time-critical medicines, resuscitation decision and allergies first;
from the summary and from its FHIR document alike (hazards H2 and H4). A complete red bag shows none."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from lxml import html as lxml_html

from adapter.redbag import build_bundles, build_return_bundles, check_discharge
from adapter.redbag.contract import summary_warnings
from adapter.render import render_summary_html, render_transfer_html
from tests.render.cases import example, examples
from tests.render.gap_cases import ALL_AT_ONCE, GAPS, NOT_GAPS, GapCase, gap_case, gap_cases
from tests.render.gap_words import TIME_CRITICAL, expectation, fact, not_recorded, section

Json = dict[str, Any]
CASES = [pytest.param(c, id=c.name) for c in gap_cases() if c.gap not in NOT_GAPS]


def page(markup: str) -> Any:
    return lxml_html.fromstring(markup)


def words(elements: list[Any]) -> str:
    return " ".join(" ".join(e.text_content().split()) for e in elements)


def box_entries(tree: Any) -> tuple[list[str], list[str]]:
    """The first page's box: the urgent gaps (one per line) and the others (one line, ``; ``-separated)."""
    urgent = [words([li]) for li in tree.xpath("//section[contains(@class, 'gaps')]//li")]
    other = words(tree.xpath("//section[contains(@class, 'gaps')]/p"))
    other = re.sub(r"^(Also not recorded|Not recorded): ", "", other).removesuffix(".")
    return urgent, other.split("; ") if other else []


def both_pages(case: GapCase) -> dict[str, Any]:
    return {
        "summary": page(render_summary_html(case.summary)),
        "document": page(render_transfer_html(case.document)),
    }


@pytest.mark.parametrize("case", CASES)
def test_h2_h4_each_gap_is_said_beside_its_item_and_in_the_first_page_box(case: GapCase) -> None:
    assert case.warnings, f"{case.name} has gaps"
    expected = [expectation(w, case.summary) for w in case.warnings]
    for source, tree in both_pages(case).items():
        for beside, _, _ in expected:
            for xpath, said in beside:
                shown = words(tree.xpath(xpath))
                assert said in shown, f"{source}: {said!r} not beside its item ({xpath}): {shown[:400]!r}"
        urgent, other = box_entries(tree)
        assert sorted(urgent) == sorted(what for _, what, first in expected if first), source
        assert sorted(other) == sorted(what for _, what, first in expected if not first), source
        heading = words(tree.xpath("//h2[@id='h-gaps']"))
        assert heading == f"NOT RECORDED in this red bag: {not_recorded(case.summary).split(', ', 1)[1]}"
        assert tree.xpath("//section[contains(@class, 'gaps')]/following::section[contains(@class, 'resus')]")


@pytest.mark.parametrize("case", CASES)
def test_document_and_summary_give_the_same_page_with_gaps(case: GapCase) -> None:
    assert render_transfer_html(case.document) == render_summary_html(case.summary)


def _not_known_codes(document: Json) -> set[str]:
    """The codes for "not known" that a document carries where a value was not recorded."""
    found = set()
    for entry in document["entry"]:
        r = entry["resource"]
        if r["resourceType"] == "Patient" and r["gender"] == "unknown":
            found.add("gender")
        if r["resourceType"] == "AllergyIntolerance" and r.get("criticality") == "unable-to-assess":
            found.add("criticality")
    return found


@pytest.mark.parametrize("case", [p for p in CASES if _not_known_codes(p.values[0].document)])
def test_codes_for_not_known_are_never_shown_as_if_recorded(case: GapCase) -> None:
    """The document carries a gender or criticality not recorded as FHIR's own code (``unknown``,
    ``unable-to-assess``, required bindings): the form says NOT RECORDED, never the code."""
    tree = page(render_transfer_html(case.document))
    body = words(tree.xpath("//body"))
    assert "unable-to-assess" not in body and "unable to assess" not in body.lower()
    assert words(tree.xpath(fact("Gender"))).lower() != "unknown"
    assert "not-recorded" not in body


@pytest.mark.parametrize("ex", [pytest.param(e, id=e.name) for e in examples()])
def test_a_complete_red_bag_shows_no_gap(ex: Any) -> None:
    """The bundled examples: a gap is shown only where the contract warns (no-known-allergies has no
    resuscitation decision recorded, the others none)."""
    warnings = summary_warnings(ex.summary)
    for markup in (render_summary_html(ex.summary), render_transfer_html(ex.document)):
        tree = page(markup)
        urgent, other = box_entries(tree)
        assert len(urgent) + len(other) == len(warnings)
        if not warnings:
            assert not tree.xpath("//*[contains(@class, 'gap')]")
            assert "NOT RECORDED" not in markup


def test_every_gap_is_covered_alone_and_at_once() -> None:
    """Each deletion made at least one red bag that the contract accepts, and warns about."""
    made = {c.gap for c in gap_cases()}
    assert set(GAPS) | set(NOT_GAPS) | set(ALL_AT_ONCE) <= made
    every = gap_case("insulin-parkinsons:every-gap")
    assert len(every.warnings) >= 12


@pytest.mark.parametrize(
    ("case", "xpath", "said", "unsaid"),
    [
        ("insulin-parkinsons:no-medicines", section("h-medicines"), "No current medicines.", "NOT RECORDED"),
        ("insulin-parkinsons:no-medicines", TIME_CRITICAL, "None.", "NOT RECORDED"),
        ("many-belongings:no-belongings", section("h-belongings"), "No belongings went with the resident.",
         "NOT RECORDED"),
        ("dementia-dnacpr:decision-dated-by-day", "//section[contains(@class, 'resus')]",
         "Date of decision: 1 Jun 2025", "NOT RECORDED"),
        ("dementia-dnacpr:decision-dated-by-month", "//section[contains(@class, 'resus')]",
         "Date of decision: Jun 2025", "NOT RECORDED"),
        ("dementia-dnacpr:birth-month", fact("Date of birth"), "Feb 1938 Day NOT RECORDED", "aged"),
        ("dementia-dnacpr:birth-year", fact("Date of birth"), "1938 Day and month NOT RECORDED", "aged"),
    ],
)  # fmt: skip
def test_none_and_dates_known_by_day_or_month_are_said_as_recorded(
    case: str, xpath: str, said: str, unsaid: str
) -> None:
    for source, tree in both_pages(gap_case(case)).items():
        shown = words(tree.xpath(xpath))
        assert said in shown and unsaid not in shown, f"{source}: {shown!r}"


def _return_with_gaps(mutate: Callable[[Json], None]) -> dict[str, Any]:
    """The return-journey example with ``mutate`` applied to its summary, on every way in."""
    ex = example("return-journey")
    assert ex.discharge
    summary = {**ex.summary, "resident": dict(ex.summary["resident"])}
    mutate(summary)
    discharge = check_discharge(ex.discharge, summary)
    outbound, _ = build_bundles(summary)
    back, _ = build_return_bundles(summary, discharge)
    return {
        "summary+discharge": page(render_summary_html(summary, discharge=discharge)),
        "document+return document": page(render_transfer_html(outbound, return_document=back)),
        "return document": page(render_transfer_html(back)),
    }


def test_the_return_journey_says_the_residents_gaps() -> None:
    """The return document alone carries the Patient: a birth date or gender not recorded is said there
    too (the reader meets the marked Patient, no crash)."""

    def no_birth_date_or_gender(s: Json) -> None:
        del s["resident"]["birthDate"], s["resident"]["gender"]

    pages = _return_with_gaps(no_birth_date_or_gender)
    gap = not_recorded(example("return-journey").summary)
    for source, tree in pages.items():
        assert words(tree.xpath(fact("Date of birth"))) == gap, source
        assert words(tree.xpath(fact("Gender"))) == gap, source
        assert box_entries(tree)[1] == ["Date of birth", "Gender"], source


def test_the_return_journey_of_a_red_bag_without_medicines_or_belongings() -> None:
    """Medicines and belongings not recorded on the way out: the return form says so, and lists no
    medicine as unreported and no belonging as missing."""
    ex = example("return-journey")
    case = gap_case("return-journey:every-other-gap")
    summary = {k: v for k, v in case.summary.items() if k != "belongings"}
    assert ex.discharge
    started = [c for c in ex.discharge["medicationChanges"] if c["change"] == "started"]
    discharge = check_discharge(
        {**ex.discharge, "medicationChanges": started, "belongingsReturned": []}, summary
    )
    back, _ = build_return_bundles(summary, discharge)
    outbound, _ = build_bundles(summary)
    for markup in (
        render_summary_html(summary, discharge=discharge),
        render_transfer_html(outbound, return_document=back),
    ):
        tree = page(markup)
        assert f"Medicines: {not_recorded(summary)}" in words(tree.xpath(section("h-medicines")))
        assert f"Belongings that went with the resident: {not_recorded(summary)}" in words(
            tree.xpath(section("h-belongings"))
        )
        assert not tree.xpath("//section[contains(@class, 'missing')]//li")


def test_belongings_the_hospital_lists_are_shown_when_none_were_recorded_going_out() -> None:
    """A return document that lists belongings for a red bag whose outbound list was not recorded: the
    hospital's list is shown as it is, never dropped for want of the outbound one."""
    ex = example("return-journey")
    assert ex.return_document
    outbound, _ = build_bundles({k: v for k, v in ex.summary.items() if k != "belongings"})
    tree = page(render_transfer_html(outbound, return_document=ex.return_document))
    rows = tree.xpath("//table[contains(@class, 'belongings')]/tbody/tr")
    listed = [b["item"] for b in ex.discharge["belongingsReturned"]] if ex.discharge else []
    assert listed and len(rows) == len(listed)
    assert "MISSING: Hearing aid (left ear)" in words(tree.xpath("//section[contains(@class, 'missing')]"))
