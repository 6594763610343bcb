"""H14: a gap read as "none": allergies, medicines or belongings not recorded taken for "no allergies",
"no medicines" or "nothing went with the resident".

A list that was not recorded is empty with emptyReason ``notasked`` and says NOT RECORDED; a list recorded
as empty is ``nilknown`` ("no known allergies" is an entry of its own). The two never look alike, in the
FHIR or in the words.
"""

from __future__ import annotations

from typing import Any

import pytest

from adapter.redbag import assess_summary, build_bundles
from adapter.redbag.completeness import document_gaps
from tests.safety.conftest import example

LISTS = {
    "medications": "1102411000000102",
    "allergies": "886921000000105",
    "belongings": "belongings",
}


def _list(document: dict[str, Any], code: str) -> dict[str, Any]:
    return next(
        e["resource"]
        for e in document["entry"]
        if e["resource"]["resourceType"] == "List"
        and code in {c["code"] for c in e["resource"]["code"]["coding"]}
    )


@pytest.mark.parametrize("field", sorted(LISTS))
def test_h14_not_recorded_is_never_shown_as_none(field: str) -> None:
    summary = example("dementia-dnacpr")
    del summary[field]
    document, _ = build_bundles(assess_summary(summary).data)
    listed = _list(document, LISTS[field])
    assert "entry" not in listed
    assert listed["emptyReason"]["coding"][0]["code"] == "notasked"
    assert "NOT RECORDED" in listed["text"]["div"]


@pytest.mark.parametrize("field", ["medications", "belongings"])
def test_h14_recorded_as_none_is_nil_known(field: str) -> None:
    summary = example("dementia-dnacpr")
    summary[field] = []
    checked = assess_summary(summary)
    assert checked.warnings == []
    listed = _list(build_bundles(checked.data)[0], LISTS[field])
    assert listed["emptyReason"]["coding"][0]["code"] == "nilknown"
    assert "NOT RECORDED" not in listed["text"]["div"]


def test_h14_a_gap_dressed_as_none_is_caught() -> None:
    summary = example("dementia-dnacpr")
    del summary["allergies"]
    document, _ = build_bundles(assess_summary(summary).data)
    listed = _list(document, LISTS["allergies"])
    listed["emptyReason"]["coding"][0]["code"] = "nilknown"  # a builder that said "none known"
    assert any("does not mark the gap" in gap for gap in document_gaps(summary, document))
