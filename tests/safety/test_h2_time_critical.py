"""H2: a time-critical medicine carries its last dose time, with its offset, unshifted; or, when the time
is not recorded, travels with that gap marked in the FHIR and said wherever people read it."""

from __future__ import annotations

import pytest

from adapter.errors import CompletenessError
from adapter.redbag import build_bundles, document_to_summary, summary_violations
from adapter.redbag import build_clinical as clinical_builders
from adapter.redbag.contract import assess_summary
from adapter.redbag.elements import absent_reason
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


def _without_last_dose() -> dict:
    summary = example("insulin-parkinsons")
    med = next(m for m in summary["medications"] if m["timeCritical"])
    del med["lastDoseGiven"]
    return summary


def test_h2_missing_last_dose_travels_warned_and_marked() -> None:
    checked = assess_summary(_without_last_dose())
    assert [w.path for w in checked.warnings] == ["$.medications[0].lastDoseGiven"]
    assert "time-critical" in checked.warnings[0].message
    document, _ = build_bundles(checked.data)
    resources = [e["resource"] for e in document["entry"]]
    dose = next(r for r in resources if r["resourceType"] == "MedicationAdministration")
    assert dose["status"] == "unknown"
    assert "effectiveDateTime" not in dose
    assert absent_reason(dose["effectivePeriod"]) == "unknown"
    medicines = next(
        s
        for s in resources[0]["section"]
        if s["code"]["coding"][0]["code"] == "medications-and-medical-devices"
    )
    assert {"reference": next(e["fullUrl"] for e in document["entry"] if e["resource"] is dose)} in (
        medicines["entry"]
    )
    phone = checked.data["careHome"]["phone"]
    assert f"NOT RECORDED, ask {checked.data['careHome']['name']} on {phone}" in medicines["text"]["div"]
    assert "last dose of time-critical" in resources[0]["text"]["div"]  # the document's own heading
    assert "lastDoseGiven" not in document_to_summary(document)["medications"][0]


def test_h2_an_unmarked_missing_last_dose_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    original = clinical_builders.add_medications

    def losing_the_mark(ctx, org_ref):  # type: ignore[no-untyped-def]
        statements, _ = original(ctx, org_ref)
        return statements, []  # the administration that marks the gap is dropped

    monkeypatch.setattr("adapter.redbag.bundles.add_medications", losing_the_mark)
    with pytest.raises(CompletenessError, match="does not mark the gap"):
        build_bundles(assess_summary(_without_last_dose()).data)


def test_h2_a_date_without_its_time_is_refused_for_the_last_dose() -> None:
    violations = summary_violations(_time_critical_summary("2025-10-26"))
    assert any(v.path.endswith("lastDoseGiven") and "time matters" in v.message for v in violations)


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
