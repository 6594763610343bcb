"""Notification Bundles are valid FHIR R4 (core and the pathway-event extension), carry their event number,
and are the same bytes every time they are built (a re-delivery is byte-identical)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from adapter.notify import event_number_of, notification_bundle, sign, verify
from adapter.pathway import (
    EventKind,
    Journey,
    Notice,
    NoticeKind,
    PathwayEvent,
    RedBag,
    Resident,
    Visitor,
    apply,
    begin,
)

NHS = "9990341818"


def event(kind: EventKind, at: str, **more: Any) -> PathwayEvent:
    return PathwayEvent(kind, NHS, at, "hl7v2", hospital="RZZ01", encounter="V1", **more)


def journeys() -> list[tuple[Journey, Notice]]:
    """A stay through every notice it can give."""
    step = begin(
        event(EventKind.ADMITTED, "2026-03-29T03:40:00+01:00", admit_source="85"),
        Resident(RedBag("t", "RB-1", "878c5a27-0f84-58b8-a56d-e4198dff3193"), "VN4R7", "B99017"),
    )
    found = [(step.journey, n) for n in step.notices]
    for kind, at, more in [
        (EventKind.RED_BAG_RECEIVED, "2026-03-29T04:00:00+01:00", {}),
        (EventKind.VISITED, "2026-03-30T10:00:00+01:00", {"visitor": Visitor("Sam", "carer", "settled")}),
        (EventKind.UPDATED, "2026-03-31T10:00:00+01:00", {"planned_discharge": "2026-04-02T12:00:00+01:00"}),
        (EventKind.DISCHARGED, "2026-04-02T14:25:00+01:00", {"discharge_destination": "85"}),
        (EventKind.DISCHARGE_CANCELLED, "2026-04-02T15:00:00+01:00", {}),
        (EventKind.DISCHARGED, "2026-04-03T11:00:00+01:00", {"discharge_destination": "85"}),
        (EventKind.RED_BAG_RETURNED, "2026-04-03T11:00:00+01:00", {"belongings_missing": 1}),
        (EventKind.ADMISSION_CANCELLED, "2026-04-03T12:00:00+01:00", {}),
    ]:
        step = apply(step.journey, event(kind, at, **more))
        found += [(step.journey, n) for n in step.notices]
    return found


STAYS = journeys()


def test_every_notice_is_given() -> None:
    given = {n.kind for _, n in STAYS}
    # overdue: tests/pathway, tests/events; discharge-ready: tests/notify/test_readiness_notification.py
    assert given == set(NoticeKind) - {NoticeKind.VISIT_OVERDUE, NoticeKind.DISCHARGE_READY}


@pytest.fixture(scope="module")
def validator() -> Any:
    from adapter.validation import Validator

    return Validator.load()


@pytest.mark.parametrize(("journey", "notice"), STAYS, ids=[n.kind.value for _, n in STAYS])
def test_notifications_are_valid_fhir(validator: Any, journey: Journey, notice: Notice) -> None:
    bundle = notification_bundle(
        base="https://redbag.example",
        subscription_id="s1",
        event_number=7,
        notice=notice,
        journey=journey,
        timestamp="2026-04-03T12:00:00.000+00:00",
    )
    outcome = validator.validate(bundle)
    errors = [i for i in outcome["issue"] if i["severity"] in ("error", "fatal")]
    assert errors == []
    assert event_number_of(bundle) == 7


def test_the_same_notification_is_the_same_bytes() -> None:
    journey, notice = STAYS[0]
    build = lambda: orjson.dumps(  # noqa: E731
        notification_bundle(
            base="https://r.example",
            subscription_id="s",
            event_number=1,
            notice=notice,
            journey=journey,
            timestamp="2026-04-03T12:00:00.000+00:00",
        )
    )
    first, second = build(), build()
    assert first == second
    assert verify("key", first, sign("key", second)) and not verify("other", first, sign("key", first))
