"""H4: the resuscitation decision is never lost, inverted, or shown without its date."""

from __future__ import annotations

import pytest

from adapter.redbag import build_bundles, document_to_summary, summary_violations
from adapter.redbag.completeness import document_gaps
from tests.safety.conftest import example


def _flag(document: dict) -> dict:
    return next(e["resource"] for e in document["entry"] if e["resource"]["resourceType"] == "Flag")


@pytest.mark.parametrize("decision", ["dnacpr", "for-cpr"])
def test_h4_a_recorded_decision_needs_its_date(decision: str) -> None:
    summary = example("dementia-dnacpr")
    summary["resuscitation"] = {"decision": decision}
    assert any(v.path == "$.resuscitation.recordedAt" for v in summary_violations(summary))


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
