"""H4: the resuscitation decision is never lost or inverted; its date travels as written (a day or a moment),
or, when not recorded, is marked absent and said wherever people read it."""

from __future__ import annotations

import pytest

from adapter.redbag import build_bundles, document_to_summary
from adapter.redbag.completeness import document_gaps
from adapter.redbag.contract import assess_summary
from adapter.redbag.elements import absent_reason
from tests.safety.conftest import example


def _flag(document: dict) -> dict:
    return next(e["resource"] for e in document["entry"] if e["resource"]["resourceType"] == "Flag")


@pytest.mark.parametrize("decision", ["dnacpr", "for-cpr"])
def test_h4_a_decision_without_its_date_travels_warned_and_marked(decision: str) -> None:
    summary = example("dementia-dnacpr")
    summary["resuscitation"] = {"decision": decision}
    checked = assess_summary(summary)
    assert [w.path for w in checked.warnings] == ["$.resuscitation.recordedAt"]
    document, _ = build_bundles(checked.data)
    flag = _flag(document)
    assert "start" not in flag["period"]
    assert absent_reason(flag["period"]["_start"]) == "unknown"
    section = next(
        s for s in document["entry"][0]["resource"]["section"] if s["title"] == "Resuscitation decision"
    )
    assert "Date NOT RECORDED, ask" in section["text"]["div"]
    assert document_to_summary(document)["resuscitation"] == {"decision": decision}


@pytest.mark.parametrize("day", ["2025-06-01", "2025-06", "2024"])
def test_h4_a_decision_dated_by_day_travels_as_written(day: str) -> None:
    summary = example("dementia-dnacpr")
    summary["resuscitation"]["recordedAt"] = day
    checked = assess_summary(summary)
    assert checked.warnings == []
    document, _ = build_bundles(checked.data)
    assert _flag(document)["period"] == {"start": day}
    assert document_to_summary(document)["resuscitation"]["recordedAt"] == day


def test_h4_an_unmarked_missing_date_is_caught() -> None:
    summary = example("dementia-dnacpr")
    summary["resuscitation"] = {"decision": "dnacpr"}
    document, _ = build_bundles(assess_summary(summary).data)
    del _flag(document)["period"]
    assert any("not marked" in gap for gap in document_gaps(summary, document))


def test_h4_no_decision_recorded_travels_warned() -> None:
    summary = example("dementia-dnacpr")
    del summary["resuscitation"]
    checked = assess_summary(summary)
    assert [w.path for w in checked.warnings] == ["$.resuscitation"]
    document, _ = build_bundles(checked.data)
    assert _flag(document)["code"]["coding"][0]["code"] == "not-recorded"
    assert "Resuscitation decision NOT RECORDED" in _flag(document)["text"]["div"]
    assert document_to_summary(document)["resuscitation"] == {"decision": "not-recorded"}


def test_h4_dnacpr_travels_coded_dated_and_readable() -> None:
    summary = example("dementia-dnacpr")
    document, _ = build_bundles(summary)
    flag = _flag(document)
    assert flag["code"]["coding"][0]["code"] == "450476008"
    assert flag["period"]["start"] == summary["resuscitation"]["recordedAt"]
    section = next(
        s for s in document["entry"][0]["resource"]["section"] if s["title"] == "Resuscitation decision"
    )
    assert "NOT FOR ATTEMPTED CARDIOPULMONARY RESUSCITATION" in section["text"]["div"]
    assert summary["resuscitation"]["recordedAt"] in section["text"]["div"]
    assert document_to_summary(document)["resuscitation"] == summary["resuscitation"]


def test_h4_an_inverted_decision_is_caught() -> None:
    summary = example("dementia-dnacpr")
    document, _ = build_bundles(summary)
    _flag(document)["code"]["coding"][0]["code"] = "450475007"
    assert any("resuscitation decision" in gap for gap in document_gaps(summary, document))


def test_h4_a_dropped_date_is_caught() -> None:
    summary = example("dementia-dnacpr")
    document, _ = build_bundles(summary)
    del _flag(document)["period"]
    assert any("resuscitation decision" in gap for gap in document_gaps(summary, document))
