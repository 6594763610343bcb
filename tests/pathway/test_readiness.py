"""Discharge readiness, matched: the return-journey example gives the expected checklist (who acts, by when,
what is flagged), and each kind of need follows its row of the table in adapter/pathway/readiness.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from adapter.pathway.readiness import Item, ItemOutcome, Need, Owner, Readiness, checklist, readiness
from adapter.pathway.readiness_tasks import parties_of, readiness_tasks

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
Json = dict[str, Any]
MET, HOME, HOSPITAL, NOT = (
    ItemOutcome.MET_BY_HOME,
    ItemOutcome.HOME_ACTION,
    ItemOutcome.HOSPITAL_ACTION,
    ItemOutcome.NOT_POSSIBLE,
)


def _example(name: str) -> Json:
    data: Json = orjson.loads((EXAMPLES / name).read_bytes())
    return data


def return_journey_readiness() -> tuple[Json, Readiness]:
    """The return-journey example's summary and its readiness, matched against the red bag's copy."""
    summary = _example("return-journey.summary.json")
    wanted = _example("return-journey.readiness.json")
    found = readiness(
        ready_date=wanted["dischargeReadyDate"],
        recorded_at=wanted["recordedAt"],
        source="api",
        needs=wanted["needs"],
        planned_return=wanted["plannedReturnAt"],
        capabilities_block=summary["careHome"]["capabilities"],
        capabilities_from="red bag",
    )
    return summary, found


def test_the_return_journey_gives_the_expected_checklist() -> None:
    """The story of the issue: what the home manages, the bed it has, the medicines it collects and the
    transport it arranges are ticked or the home's to do; what it cannot give is flagged, never ticked."""
    _, found = return_journey_readiness()
    got = [(i.need.kind, i.need.code, i.outcome, i.owner, i.due) for i in found.items]
    assert got == [
        ("care", "bowel-care", MET, Owner.HOME, "2025-04-02"),
        ("equipment", "profiling-bed", MET, Owner.HOME, "2025-04-02"),
        ("care", "oxygen-therapy", NOT, Owner.HOSPITAL, "2025-04-02"),
        ("medicines", None, HOME, Owner.HOME, "2025-04-02"),
        ("transport", None, HOME, Owner.HOME, "2025-04-02"),
        ("follow-up", None, HOSPITAL, Owner.HOSPITAL, "2025-04-16"),
        ("return", None, MET, Owner.HOME, "2025-04-02"),
    ]
    assert found.not_possible == 1


def test_the_tasks_are_owned_by_the_organisation_that_must_act() -> None:
    summary, found = return_journey_readiness()
    tasks = readiness_tasks(parties_of(summary), found.items, found.recorded_at)
    owners = [t["owner"]["identifier"]["value"] for t in tasks]
    assert owners == ["VR8D2", "VR8D2", "RZZ06", "VR8D2", "VR8D2", "RZZ06", "VR8D2"]  # home, hospital
    statuses = [(t["status"], t["businessStatus"]["coding"][0]["code"], t["priority"]) for t in tasks]
    assert statuses[2] == ("requested", "not-possible", "urgent")
    assert [s for s, _, _ in statuses] == ["completed", "completed", "requested", "requested", "requested",
                                          "requested", "completed"]  # fmt: skip
    assert all(t["restriction"]["period"]["end"] == i.due for t, i in zip(tasks, found.items, strict=True))
    assert tasks[0]["code"]["coding"][0]["code"] == "bowel-care"
    assert tasks[3]["code"]["coding"][0]["code"] == "medicines"
    assert {t["for"]["identifier"]["value"] for t in tasks} == {"9990835624"}
    assert len({t["id"] for t in tasks}) == 7
    assert tasks == readiness_tasks(parties_of(summary), found.items, found.recorded_at), "deterministic"


def test_a_readiness_reads_back_as_it_was_written() -> None:
    _, found = return_journey_readiness()
    assert Readiness.from_json(orjson.loads(orjson.dumps(found.to_json()))) == found


BLOCK: Json = {
    "care": ["bowel-care"],
    "equipment": ["hoist"],
    "discharge": ["collect-medicines"],
    "returns": [{"days": ["mon", "tue", "wed", "thu", "fri"], "from": "09:00", "until": "17:00"}],
}


def _one(need: Need, block: Json | None, ready: str = "2025-04-02", planned: str | None = None) -> Item:
    return checklist([need], block, ready, planned)[0]


@pytest.mark.parametrize(
    ("need", "block", "outcome", "owner"),
    [
        (Need("care", "bowel-care"), BLOCK, MET, Owner.HOME),
        (Need("care", "peg-feeding"), BLOCK, NOT, Owner.HOSPITAL),
        (Need("care", "peg-feeding"), {"equipment": []}, HOME, Owner.HOME),  # care not stated: ask
        (Need("care", "peg-feeding"), None, HOME, Owner.HOME),
        (Need("equipment", "hoist"), BLOCK, MET, Owner.HOME),
        (Need("equipment", "profiling-bed"), BLOCK, HOSPITAL, Owner.HOSPITAL),
        (Need("equipment", "profiling-bed"), {"care": ["bowel-care"]}, HOME, Owner.HOME),
        (Need("medicines"), BLOCK, HOME, Owner.HOME),
        (Need("medicines"), {"discharge": []}, HOSPITAL, Owner.HOSPITAL),
        (Need("medicines"), None, HOSPITAL, Owner.HOSPITAL),
        (Need("transport"), BLOCK, HOSPITAL, Owner.HOSPITAL),
        (Need("transport"), {"discharge": ["arrange-transport"]}, HOME, Owner.HOME),
        (Need("follow-up", detail="District nurse"), BLOCK, HOSPITAL, Owner.HOSPITAL),
    ],
    ids=lambda v: v.value if isinstance(v, ItemOutcome | Owner) else None,
)
def test_each_need_follows_its_row(
    need: Need, block: Json | None, outcome: ItemOutcome, owner: Owner
) -> None:
    item = _one(need, block)
    assert (item.outcome, item.owner) == (outcome, owner), item.says


@pytest.mark.parametrize(
    ("ready", "planned", "outcome"),
    [
        ("2025-04-02", None, MET),  # a Wednesday
        ("2025-04-05", None, NOT),  # a Saturday: the home takes no one back at weekends
        ("2025-04-02", "2025-04-02T16:30:00+01:00", MET),
        ("2025-04-02", "2025-04-02T18:30:00+01:00", NOT),  # after the latest time of arrival
        ("2025-04-02", "2025-04-02T16:30:00Z", NOT),  # 17:30 in England (BST)
        ("2025-04-02", "2025-04-07T10:00:00+01:00", MET),  # planned for the Monday after
    ],
)
def test_the_return_is_checked_against_when_the_home_takes_residents_back(
    ready: str, planned: str | None, outcome: ItemOutcome
) -> None:
    item = checklist([], BLOCK, ready, planned)[0]
    assert item.need.kind == "return" and item.outcome is outcome, item.says
    if outcome is NOT:
        assert item.owner is Owner.HOSPITAL and "Mon-Fri 09:00-17:00" in item.says


def test_without_stated_returns_the_home_is_asked() -> None:
    item = checklist(None, {"care": []}, "2025-04-05")[0]
    assert (item.outcome, item.owner) == (HOME, Owner.HOME)


def test_a_due_day_of_its_own_is_kept() -> None:
    assert _one(Need("equipment", "profiling-bed", due="2025-04-01"), BLOCK).due == "2025-04-01"


def test_needs_not_recorded_still_check_the_return() -> None:
    items = checklist(None, BLOCK, "2025-04-02")
    assert [i.need.kind for i in items] == ["return"]
