"""H25: what a care home can manage read wrong: a list the home has not stated taken for "it cannot" (or
"it can"), or an old list taken for today's.

A list not stated and a list stated empty are told apart everywhere: in the contract (absent / []), in the
FHIR (the care-home-capabilities extension names the lists stated), on the form and in the narrative
("Not stated: ask ..." / "None of these"), and by discharge readiness (the home is asked, never ticked,
never ruled out). The date the home confirmed its list travels and is shown beside it."""

from __future__ import annotations

import copy
from typing import Any

from adapter.pathway.readiness import ItemOutcome, Need, checklist
from adapter.redbag import assess_summary, build_bundles, document_to_summary
from adapter.render import render_transfer_html
from tests.redbag.test_field_policy import _example

Json = dict[str, Any]


def _with(block: Json | None) -> Json:
    summary = _example("return-journey.summary.json")
    if block is None:
        del summary["careHome"]["capabilities"]
    else:
        summary["careHome"]["capabilities"] = block
    return summary


def _document(summary: Json) -> Json:
    document, _ = build_bundles(assess_summary(summary).data)
    return document


def _service(document: Json) -> Json | None:
    found = [e["resource"] for e in document["entry"] if e["resource"]["resourceType"] == "HealthcareService"]
    return found[0] if found else None


def test_h25_not_stated_and_stated_empty_are_told_apart_in_the_fhir() -> None:
    stated_none = _document(_with({"care": [], "confirmedOn": "2025-03-03"}))
    service = _service(stated_none)
    assert service is not None
    lists = [e["valueCode"] for e in service["extension"][0]["extension"] if e["url"] == "stated"]
    assert lists == ["care"], "care stated (empty); equipment and discharge not stated"
    assert document_to_summary(stated_none)["careHome"]["capabilities"] == {
        "confirmedOn": "2025-03-03",
        "care": [],
    }
    nothing = _document(_with(None))
    assert _service(nothing) is None
    section = next(
        s
        for s in nothing["entry"][0]["resource"]["section"]
        if s["code"]["coding"][0]["code"] == "care-home-capabilities"
    )
    assert section["emptyReason"]["coding"][0]["code"] == "notasked" and "entry" not in section
    assert "has not stated what it can manage" in section["text"]["div"]


def test_h25_the_form_says_not_stated_beside_none_and_shows_the_date() -> None:
    html = render_transfer_html(_document(_with({"care": [], "confirmedOn": "2025-03-03"})))
    manage = html[html.index('id="h-can-manage"') :]
    manage = manage[: manage.index("</section>")]
    assert "(as Oakwood Lodge Nursing Home said on 3 Mar 2025)" in manage
    assert "<dt>Care we give</dt><dd>None of these</dd>" in manage
    assert (
        "<dt>Equipment we have</dt><dd>Not stated: ask Oakwood Lodge Nursing Home on 0117 496 0139</dd>"
        in manage
    )
    html = render_transfer_html(_document(_with(None)))
    assert "Not stated by the care home: ask Oakwood Lodge Nursing Home on 0117 496 0139" in html


def test_h25_readiness_asks_the_home_about_a_list_it_has_not_stated() -> None:
    block = {"equipment": ["hoist"]}  # care not stated
    (care, bed, _) = checklist(
        [Need("care", "oxygen-therapy"), Need("equipment", "profiling-bed")],
        copy.deepcopy(block),
        "2025-04-02",
    )
    assert care.outcome is ItemOutcome.HOME_ACTION and "has not stated" in care.says
    assert bed.outcome is ItemOutcome.HOSPITAL_ACTION, "equipment stated without a bed: the hospital provides"
