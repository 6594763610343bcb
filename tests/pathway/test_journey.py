"""The journey as state: each event applied to a stay, the notices it gives, repeats that change nothing."""

from __future__ import annotations

from dataclasses import replace

import pytest

from adapter.errors import ContractError
from adapter.pathway import (
    EventKind,
    Journey,
    NoticeKind,
    PathwayEvent,
    RedBag,
    Resident,
    Rules,
    Stage,
    Visitor,
    VisitStatus,
    apply,
    begin,
    check_event,
    link_red_bag,
    mark_overdue,
)
from adapter.pathway.resources import encounter, visit_task

NHS = "9434765919"
ADMITTED_AT = "2026-03-02T10:15:00+00:00"
BAG = RedBag("transfer-1", "RB-1", "encounter-1")
HOME = Resident(red_bag=BAG, care_home="VAB12", gp="B82005")


def event(kind: EventKind, at: str = ADMITTED_AT, **details: object) -> PathwayEvent:
    return PathwayEvent(kind, NHS, at, "hl7v2", hospital="RHQ", encounter="V100", **details)  # type: ignore[arg-type]


def admitted(resident: Resident = HOME) -> Journey:
    return begin(event(EventKind.ADMITTED, admit_source="85"), resident).journey


def kinds(step: object) -> list[NoticeKind]:
    return [n.kind for n in step.notices]  # type: ignore[attr-defined]


def test_admission_with_a_red_bag_sets_the_visit_due_48_hours_later() -> None:
    step = begin(event(EventKind.ADMITTED), HOME)
    assert kinds(step) == [NoticeKind.ADMITTED, NoticeKind.VISIT_DUE]
    assert step.journey.stage is Stage.ADMITTED and step.journey.red_bag == BAG
    assert step.journey.visit is not None and step.journey.visit.due_at == "2026-03-04T10:15:00+00:00"


def test_the_visit_window_is_configurable() -> None:
    journey = begin(event(EventKind.ADMITTED), HOME, Rules(visit_hours=72)).journey
    assert journey.visit is not None and journey.visit.due_at == "2026-03-05T10:15:00+00:00"


def test_admission_with_an_offset_counts_48_hours_in_utc() -> None:
    journey = begin(event(EventKind.ADMITTED, "2026-03-29T00:30:00+00:00"), HOME).journey
    assert journey.visit is not None and journey.visit.due_at == "2026-03-31T00:30:00+00:00"


def test_admission_without_a_known_care_home_has_no_visit() -> None:
    step = begin(event(EventKind.ADMITTED), Resident())
    assert kinds(step) == [NoticeKind.ADMITTED]
    assert step.journey.visit is None and step.journey.red_bag is None
    assert visit_task(step.journey) is None


def test_a_repeated_admission_changes_nothing() -> None:
    journey = admitted()
    step = apply(journey, event(EventKind.ADMITTED, admit_source="85"))
    assert not step.changed and step.notices == () and step.journey == journey


def test_discharge_finishes_the_stay_and_cancels_a_visit_still_due() -> None:
    step = apply(
        admitted(), event(EventKind.DISCHARGED, "2026-03-03T16:00:00+00:00", discharge_destination="85")
    )
    assert kinds(step) == [NoticeKind.DISCHARGED]
    journey = step.journey
    assert journey.stage is Stage.DISCHARGED and journey.discharged_at == "2026-03-03T16:00:00+00:00"
    assert journey.visit is not None and journey.visit.status is VisitStatus.CANCELLED
    fhir = encounter(journey)
    assert fhir["status"] == "finished" and fhir["period"]["end"] == "2026-03-03T16:00:00+00:00"
    assert fhir["hospitalization"]["dischargeDisposition"]["coding"][0]["code"] == "85"
    assert fhir["id"] == "encounter-1", "the red bag's own transfer Encounter"
    repeated = apply(
        journey, event(EventKind.DISCHARGED, "2026-03-03T16:00:00+00:00", discharge_destination="85")
    )
    assert not repeated.changed and repeated.notices == ()


def test_cancelled_discharge_puts_the_stay_and_its_visit_back() -> None:
    discharged = apply(admitted(), event(EventKind.DISCHARGED, "2026-03-03T16:00:00+00:00")).journey
    step = apply(discharged, event(EventKind.DISCHARGE_CANCELLED, "2026-03-03T17:00:00+00:00"))
    assert kinds(step) == [NoticeKind.DISCHARGE_CANCELLED]
    assert step.journey.stage is Stage.ADMITTED and step.journey.discharged_at is None
    assert step.journey.visit is not None and step.journey.visit.status is VisitStatus.DUE


def test_a_fhir_encounter_in_progress_again_takes_the_discharge_back() -> None:
    discharged = apply(admitted(), event(EventKind.DISCHARGED, "2026-03-03T16:00:00+00:00")).journey
    step = apply(discharged, event(EventKind.ADMITTED))
    assert kinds(step) == [NoticeKind.DISCHARGE_CANCELLED] and step.journey.open


def test_cancelled_admission_cancels_the_visit_and_says_so() -> None:
    step = apply(admitted(), event(EventKind.ADMISSION_CANCELLED, "2026-03-02T11:00:00+00:00"))
    assert kinds(step) == [NoticeKind.ADMISSION_CANCELLED]
    assert step.journey.stage is Stage.CANCELLED
    assert step.journey.visit is not None and step.journey.visit.status is VisitStatus.CANCELLED
    task = visit_task(step.journey)
    assert task is not None and task["status"] == "cancelled"
    assert encounter(step.journey)["status"] == "cancelled"
    again = apply(step.journey, event(EventKind.ADMISSION_CANCELLED))
    assert not again.changed
    later = apply(step.journey, event(EventKind.DISCHARGED, "2026-03-03T16:00:00+00:00"))
    assert not later.changed, "a discharge of a cancelled admission is not applied"


def test_readmission_after_a_cancellation_starts_a_new_visit() -> None:
    cancelled = apply(admitted(), event(EventKind.ADMISSION_CANCELLED)).journey
    step = apply(cancelled, event(EventKind.ADMITTED, "2026-03-02T12:00:00+00:00"))
    assert kinds(step) == [NoticeKind.ADMITTED, NoticeKind.VISIT_DUE]
    assert step.journey.visit is not None and step.journey.visit.due_at == "2026-03-04T12:00:00+00:00"


def test_visit_recorded_once_with_who_and_notes() -> None:
    visitor = Visitor("Sam Carer", "senior carer", "Settled, glasses with her")
    step = apply(admitted(), event(EventKind.VISITED, "2026-03-03T09:00:00+00:00", visitor=visitor))
    assert kinds(step) == [NoticeKind.VISITED]
    task = visit_task(step.journey)
    assert task is not None and task["status"] == "completed"
    assert task["businessStatus"]["coding"][0]["code"] == "visited"
    assert task["note"][0]["text"] == "Settled, glasses with her"
    assert not apply(step.journey, event(EventKind.VISITED, visitor=visitor)).changed


def test_overdue_only_after_48_hours_and_only_once() -> None:
    journey = admitted()
    assert journey.visit is not None
    due = journey.visit.due_epoch
    assert not mark_overdue(journey, due - 1).changed
    step = mark_overdue(journey, due)
    assert kinds(step) == [NoticeKind.VISIT_OVERDUE]
    assert step.journey.visit is not None and step.journey.visit.status is VisitStatus.OVERDUE
    assert not mark_overdue(step.journey, due + 3600).changed
    late = apply(step.journey, event(EventKind.VISITED, "2026-03-05T09:00:00+00:00", visitor=Visitor("Sam")))
    assert late.journey.visit is not None and late.journey.visit.status is VisitStatus.VISITED


def test_a_discharged_resident_is_never_overdue() -> None:
    journey = apply(admitted(), event(EventKind.DISCHARGED, "2026-03-03T16:00:00+00:00")).journey
    assert not mark_overdue(journey, 2e9).changed


def test_expected_discharge_date_is_a_planned_discharge_once() -> None:
    step = apply(admitted(), event(EventKind.UPDATED, planned_discharge="2026-03-06T12:00:00+00:00"))
    assert kinds(step) == [NoticeKind.DISCHARGE_PLANNED]
    assert not apply(
        step.journey, event(EventKind.UPDATED, planned_discharge="2026-03-06T12:00:00+00:00")
    ).changed


def test_ward_transfer_updates_the_location_without_a_notice() -> None:
    step = apply(admitted(), event(EventKind.TRANSFERRED, location="Ward 7"))
    assert (
        step.changed
        and step.notices == ()
        and encounter(step.journey)["location"][0]["location"] == {"display": "Ward 7"}
    )


def test_red_bag_received_and_returned_with_missing_belongings() -> None:
    received = apply(admitted(), event(EventKind.RED_BAG_RECEIVED))
    assert kinds(received) == [NoticeKind.RED_BAG_RECEIVED]
    assert not apply(received.journey, event(EventKind.RED_BAG_RECEIVED)).changed
    returned = apply(received.journey, event(EventKind.RED_BAG_RETURNED, belongings_missing=2))
    assert kinds(returned) == [NoticeKind.RED_BAG_RETURNED] and returned.journey.belongings_missing == 2


def test_no_red_bag_received_without_a_red_bag() -> None:
    assert not apply(admitted(Resident(care_home="VAB12")), event(EventKind.RED_BAG_RECEIVED)).changed


def test_a_red_bag_sent_after_admission_is_linked() -> None:
    journey = link_red_bag(admitted(Resident()), HOME)
    assert journey.red_bag == BAG and journey.care_home == "VAB12" and journey.gp == "B82005"


def test_h15_an_event_for_another_resident_is_never_applied() -> None:
    other = replace(event(EventKind.DISCHARGED), nhs_number="9990000018")
    with pytest.raises(ValueError, match="another resident"):
        apply(admitted(), other)


def test_every_change_moves_the_version_on() -> None:
    journey = admitted()
    step = apply(journey, event(EventKind.DISCHARGED, "2026-03-03T16:00:00+00:00"))
    assert step.journey.version == journey.version + 1


def test_journeys_and_events_survive_json() -> None:
    journey = apply(
        admitted(), event(EventKind.VISITED, "2026-03-03T09:00:00+00:00", visitor=Visitor("Sam", "carer"))
    ).journey
    assert Journey.from_json(journey.to_json()) == journey
    original = event(EventKind.ADMITTED, warnings=("PV1-14: code 'X' is not a UK Core source of admission",))
    assert PathwayEvent.from_json(original.to_json()) == original


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"nhs_number": "9434765918"}, "nhsNumber"),
        ({"occurred_at": "2026-03-02T10:15:00"}, "occurred_at"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"kind": EventKind.VISITED}, "visitor"),
    ],
    ids=["bad-check-digit", "no-offset", "not-a-date", "visit-without-visitor"],
)
def test_events_no_journey_can_take_are_refused(changes: dict[str, object], field: str) -> None:
    with pytest.raises(ContractError) as caught:
        check_event(replace(event(EventKind.ADMITTED), **changes))  # type: ignore[arg-type]
    assert caught.value.violations[0].path == field
