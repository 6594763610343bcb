"""H2: a time-critical medicine always carries its last dose time, with its offset, unshifted."""

from __future__ import annotations

import pytest

from adapter.redbag import build_bundles, document_to_summary, summary_violations
from tests.safety.conftest import example

# The clock changes in the UK: BST ends 26 Oct 2025 (01:00-02:00 happens twice), begins 30 Mar 2025 and
# 29 Mar 2026 (01:00-02:00 never happens).
CLOCK_CHANGE_TIMES = [
    "2025-10-26T01:30:00+01:00",  # first 01:30, still BST
    "2025-10-26T01:30:00+00:00",  # second 01:30, GMT again: an hour later
    "2025-03-30T00:59:59Z",
    "2025-03-30T02:00:00+01:00",
    "2026-03-29T00:30:00+00:00",
    "2026-03-29T03:15:00+01:00",
]


def _time_critical_summary(last_dose: str) -> dict:
    summary = example("insulin-parkinsons")
    med = next(m for m in summary["medications"] if m["timeCritical"])
    med["lastDoseGiven"] = last_dose
    return summary


def test_h2_last_dose_is_required_for_time_critical_medicines() -> None:
    summary = example("insulin-parkinsons")
    med = next(m for m in summary["medications"] if m["timeCritical"])
    del med["lastDoseGiven"]
    assert any(
        v.path.endswith(".lastDoseGiven") and v.rule == "time-critical" for v in summary_violations(summary)
    )


@pytest.mark.parametrize("when", ["2025-10-26T01:30:00", "2025-10-26 01:30", "26/10/2025 01:30"])
def test_h2_a_time_without_its_offset_is_refused(when: str) -> None:
    violations = summary_violations(_time_critical_summary(when))
    assert any("UTC offset" in v.message for v in violations)


@pytest.mark.parametrize("when", CLOCK_CHANGE_TIMES)
def test_h2_time_kept_verbatim_across_clock_changes(when: str) -> None:
    summary = _time_critical_summary(when)
    assert summary_violations(summary) == []
    document, transaction = build_bundles(summary)
    administrations = [
        e["resource"]
        for e in document["entry"]
        if e["resource"]["resourceType"] == "MedicationAdministration"
    ]
    assert when in [a["effectiveDateTime"] for a in administrations]
    assert any(when in a["text"]["div"] for a in administrations)
    sent = [
        e["resource"]["effectiveDateTime"]
        for e in transaction["entry"]
        if e["resource"]["resourceType"] == "MedicationAdministration"
    ]
    assert when in sent
    back = document_to_summary(document)
    assert when in [m.get("lastDoseGiven") for m in back["medications"]]


def test_h2_the_repeated_hour_stays_two_different_instants() -> None:
    first, second = CLOCK_CHANGE_TIMES[:2]
    docs = [build_bundles(_time_critical_summary(t))[0] for t in (first, second)]
    times = [
        [
            e["resource"]["effectiveDateTime"]
            for e in d["entry"]
            if e["resource"]["resourceType"] == "MedicationAdministration"
        ]
        for d in docs
    ]
    assert first in times[0] and second in times[1] and second not in times[0]
