"""H7: a belonging is never recorded as returned when it went missing."""

from __future__ import annotations

import pytest

from adapter.errors import ContractError
from adapter.redbag import build_return_bundles, check_discharge, reconcile_belongings
from adapter.redbag.discharge import UNREPORTED
from tests.safety.conftest import example


def _returned_list(document: dict) -> dict:
    return next(
        e["resource"]
        for e in document["entry"]
        if e["resource"]["resourceType"] == "List"
        and e["resource"]["code"]["coding"][0]["code"] == "belongings-returned"
    )


def test_h7_an_item_without_return_status_is_missing_not_returned() -> None:
    summary = example("return-journey")
    discharge = example("return-journey.discharge.json")
    dropped = discharge["belongingsReturned"].pop(0)
    statuses, notes = reconcile_belongings(summary, discharge)
    assert statuses[dropped["item"]] == "missing"
    assert notes[dropped["item"]] == UNREPORTED


def test_h7_every_item_that_went_out_is_flagged_item_by_item() -> None:
    summary = example("return-journey")
    discharge = example("return-journey.discharge.json")
    document, _ = build_return_bundles(summary, discharge)
    entries = _returned_list(document)["entry"]
    assert [e["item"]["display"] for e in entries] == [b["item"] for b in summary["belongings"]]
    reported = {b["item"]: b["status"] for b in discharge["belongingsReturned"]}
    for entry in entries:
        assert entry["flag"]["coding"][0]["code"] == reported.get(entry["item"]["display"], "missing")
    missing = [i for i, s in reported.items() if s == "missing"]
    assert missing and all(
        m in document["entry"][0]["resource"]["section"][0]["text"]["div"] for m in missing
    )


def test_h7_matching_ignores_case_but_not_spelling() -> None:
    summary = example("return-journey")
    discharge = example("return-journey.discharge.json")
    first = summary["belongings"][0]["item"]
    for b in discharge["belongingsReturned"]:
        if b["item"] == first:
            b["item"] = first.upper()
    statuses, _ = reconcile_belongings(summary, discharge)
    assert statuses[first] != "missing" or any(
        b["status"] == "missing" for b in discharge["belongingsReturned"] if b["item"] == first.upper()
    )


def test_h7_a_returned_item_that_did_not_go_out_is_rejected_by_the_discharge_contract() -> None:
    summary = example("return-journey")
    discharge = example("return-journey.discharge.json")
    discharge["belongingsReturned"].append({"item": "Hearing aid (left)", "status": "returned"})
    with pytest.raises(ContractError) as info:
        check_discharge(discharge, summary)
    [violation] = info.value.violations
    assert (violation.path, violation.rule) == (
        f"$.belongingsReturned[{len(discharge['belongingsReturned']) - 1}].item",
        "belongings",
    )
    assert "did not go out in this bag" in violation.message
