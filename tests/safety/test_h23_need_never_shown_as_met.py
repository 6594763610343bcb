"""H23: a need the care home cannot meet is never shown as met.

Only a capability the home has stated and listed makes a need "met by the care home"; a list not stated
never does; every checklist is read again against the capabilities (``shown_as_met_without_capability``)
and refused (ShownAsMetError) when it ticks what the home did not state; the profile's rb-ready-1 refuses
a completed Task whose need is not met by the home; a need not possible at this home is the hospital's,
requested and urgent."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapter.pathway import readiness as matching
from adapter.pathway.readiness import (
    Item,
    ItemOutcome,
    Need,
    Owner,
    ShownAsMetError,
    checklist,
    readiness,
    shown_as_met_without_capability,
)
from adapter.pathway.readiness_tasks import Parties, readiness_tasks
from adapter.redbag import capabilities
from tests.strategies import care_home_capabilities

Json = dict[str, Any]
PARTIES = Parties(
    "00000000-0000-5000-8000-000000000001",
    {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9990835624"},
    ("VR8D2", "Oakwood Lodge"),
    ("RZZ06", "Frome Valley Hospital"),
)

needs = st.lists(
    st.one_of(
        st.sampled_from(list(capabilities.CARE)).map(lambda c: Need("care", c)),
        st.sampled_from(list(capabilities.EQUIPMENT)).map(lambda c: Need("equipment", c)),
        st.sampled_from(["medicines", "transport", "follow-up"]).map(Need),
    ),
    max_size=8,
)
days = st.dates().filter(lambda d: 2000 <= d.year <= 2030).map(lambda d: d.isoformat())


@settings(max_examples=400, deadline=None)
@given(wanted=needs, block=st.none() | care_home_capabilities(), ready=days)
def test_h23_only_what_the_home_stated_and_listed_is_met(
    wanted: list[Need], block: Json | None, ready: str
) -> None:
    for item in checklist(wanted, block, ready):
        need = item.need
        if item.outcome is ItemOutcome.MET_BY_HOME:
            assert item.owner is Owner.HOME
            if need.kind == "return":
                assert block and block.get("returns"), "a return met although the home stated no times"
            else:
                assert need.kind in ("care", "equipment"), (
                    "medicines, transport, follow-up need someone to act"
                )
                assert need.code in (block or {}).get(need.kind, []), f"{need.code} met but not stated"
        stated_care = (block or {}).get("care")
        if need.kind == "care" and isinstance(stated_care, list) and need.code not in stated_care:
            assert item.outcome is ItemOutcome.NOT_POSSIBLE and item.owner is Owner.HOSPITAL


def test_h23_a_checklist_that_ticks_what_the_home_did_not_state_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The second reading does not trust the first: a matcher that ticks everything is caught."""

    def ticks_everything(need: Need, block: Json | None, due: str) -> Item:
        return Item(need, ItemOutcome.MET_BY_HOME, Owner.HOME, due, "met")

    monkeypatch.setitem(matching._MATCH, "care", ticks_everything)
    with pytest.raises(ShownAsMetError, match="oxygen-therapy"):
        readiness(
            ready_date="2025-04-02",
            recorded_at="2025-04-01T16:20:00+01:00",
            source="api",
            needs=[{"kind": "care", "code": "oxygen-therapy"}],
            planned_return=None,
            capabilities_block={"care": ["bowel-care"]},
            capabilities_from="red bag",
        )
    wrong = [Item(Need("medicines"), ItemOutcome.MET_BY_HOME, Owner.HOME, "2025-04-02", "met")]
    assert shown_as_met_without_capability(wrong, {"discharge": ["collect-medicines"]}) == ["medicines"]


def test_h23_not_possible_is_requested_urgent_and_the_hospitals() -> None:
    items = checklist([Need("care", "peg-feeding")], {"care": ["bowel-care"]}, "2025-04-02")
    (task, _) = readiness_tasks(PARTIES, items, "2025-04-01T16:20:00+01:00")
    assert (task["status"], task["priority"], task["owner"]["identifier"]["value"]) == (
        "requested",
        "urgent",
        "RZZ06",
    )
    assert task["businessStatus"]["coding"][0]["code"] == "not-possible"


@pytest.fixture(scope="module")
def validator() -> Any:
    from adapter.validation import Validator

    return Validator.load()


def test_h23_the_profile_refuses_a_completed_task_for_a_need_not_met(validator: Any) -> None:
    items = checklist(
        [Need("care", "peg-feeding"), Need("care", "bowel-care")], {"care": ["bowel-care"]}, "2025-04-02"
    )
    not_possible, met, _ = readiness_tasks(PARTIES, items, "2025-04-01T16:20:00+01:00")
    for task in (not_possible, met):
        assert [i for i in validator.validate(task)["issue"] if i["severity"] == "error"] == []
    ticked = {**not_possible, "status": "completed"}
    errors = [i for i in validator.validate(ticked)["issue"] if i["severity"] == "error"]
    assert errors and "rb-ready-1" in errors[0]["diagnostics"]
    unticked = {**met, "status": "requested"}
    assert any("rb-ready-1" in i["diagnostics"] for i in validator.validate(unticked)["issue"])
