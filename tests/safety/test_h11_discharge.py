"""H11: a discharge cannot stop a medicine the resident was not on, or return an item that never went out."""

from __future__ import annotations

import pytest

from adapter.errors import ContractError
from adapter.redbag import check_discharge, discharge_violations
from tests.safety.conftest import example


def test_h11_discharge_rules() -> None:
    summary = example("return-journey")
    discharge = example("return-journey.discharge.json")
    assert discharge_violations(discharge, summary) == []
    stopped = next(c for c in discharge["medicationChanges"] if c["change"] == "stopped")
    stopped["code"] = {
        "system": "https://dmd.nhs.uk",
        "code": "41948311000001104",
        "display": "Doxycycline 100mg capsules",
    }
    if any(m["code"]["code"] == "41948311000001104" for m in summary["medications"]):
        stopped["code"] = {
            "system": "https://dmd.nhs.uk",
            "code": "41946511000001109",
            "display": "Clarithromycin 500mg tablets",
        }
    discharge["belongingsReturned"].append({"item": "A stranger's coat", "status": "returned"})
    discharge["bagNumber"] = "RB-OTHER-1"
    rules = {v.rule for v in discharge_violations(discharge, summary)}
    assert {"medication-change", "belongings", "same-bag"} <= rules


@pytest.mark.parametrize("when", ["before", "at"])
def test_h11_a_discharge_must_come_after_the_departure(when: str) -> None:
    summary = example("return-journey")
    discharge = example("return-journey.discharge.json")
    departed = summary["transfer"]["departedAt"]
    discharge["dischargedAt"] = departed if when == "at" else "2025-03-30T00:49:00+00:00"  # a minute before
    with pytest.raises(ContractError) as info:
        check_discharge(discharge, summary)
    [violation] = info.value.violations
    assert (violation.path, violation.rule) == ("$.dischargedAt", "discharge-after-transfer")
