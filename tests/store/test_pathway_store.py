"""The pathway's tables on both databases: events stored once, notifications claimed in order per
resident and per subscription, a failing subscriber backed off, an upgrade from the version 1 schema."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from adapter.store import (
    CriteriaKind,
    JourneyStore,
    NotificationJob,
    Outbox,
    SubscriptionRow,
    SubscriptionStore,
)
from adapter.store.subscriptions import QueuedNotification
from tests.store.clock import Clock

OWNER = "test-process"


def subscription(subscription_id: str, care_home: str = "VN4R7") -> SubscriptionRow:
    return SubscriptionRow(
        id=subscription_id,
        client="care-home",
        status="active",
        criteria_kind=CriteriaKind.CARE_HOME,
        criteria_value=care_home,
        endpoint="https://care-home.example/hook",
        headers=("Authorization: Bearer x",),
        secret="key",
        resource=b"{}",
        events=0,
        failures=0,
        error=None,
        created_at=0.0,
    )


def queue(journeys: JourneyStore, subscription_id: str, *residents: str) -> None:
    """One notification per resident given, in that order."""
    with journeys.unit() as unit:
        for nhs in residents:
            number = unit.notifications.reserve(subscription_id, 1)
            unit.notifications.queue(
                [QueuedNotification(subscription_id, number, nhs, None, "admitted", b"{}")]
            )


def numbers(jobs: list[NotificationJob]) -> list[int]:
    return [j.event_number for j in jobs]


@pytest.fixture
def stores(outbox: Outbox, clock: Clock) -> tuple[JourneyStore, SubscriptionStore]:
    return JourneyStore(outbox.db, clock=clock), SubscriptionStore(outbox.db, clock=clock)


def test_h16_notifications_of_one_resident_go_one_at_a_time_in_order(
    stores: tuple[JourneyStore, SubscriptionStore],
) -> None:
    journeys, subscriptions = stores
    subscriptions.create(subscription("s1"))
    queue(journeys, "s1", "A", "B", "A", "A", "B")  # numbers 1..5
    first = subscriptions.claim(OWNER, 60, limit=10)
    assert numbers(first) == [1, 2], "the head of each resident's line only"
    assert subscriptions.claim(OWNER, 60, limit=10) == [], "nothing else is due while they are out"
    subscriptions.settle(OWNER, first, [], lambda n: 1.0)
    assert numbers(subscriptions.claim(OWNER, 60, limit=10)) == [3, 5]


def test_h16_a_failing_subscriber_is_backed_off_and_nothing_is_given_up(
    stores: tuple[JourneyStore, SubscriptionStore], clock: Clock
) -> None:
    journeys, subscriptions = stores
    subscriptions.create(subscription("s1"))
    queue(journeys, "s1", "A", "B")
    for failures in range(1, 6):
        jobs = subscriptions.claim(OWNER, 60, limit=10)
        assert numbers(jobs) == [1, 2]
        subscriptions.settle(OWNER, [], [(j, "HTTP 503") for j in jobs], lambda n: 10.0 * n)
        state = subscriptions.get("s1")
        assert state is not None and (state.status, state.failures) == ("error", failures)
        assert subscriptions.claim(OWNER, 60, limit=10) == [], "left alone during its backoff"
        clock.advance(10.0 * failures)
    jobs = subscriptions.claim(OWNER, 60, limit=10)
    subscriptions.settle(OWNER, jobs, [], lambda n: 1.0)
    state = subscriptions.get("s1")
    assert state is not None and (state.status, state.failures, state.error) == ("active", 0, None)
    assert [n.status for n in subscriptions.notifications("s1")] == ["delivered", "delivered"]


def test_h16_a_claim_left_by_a_dead_process_is_taken_over_when_its_lease_ends(
    stores: tuple[JourneyStore, SubscriptionStore], clock: Clock
) -> None:
    journeys, subscriptions = stores
    subscriptions.create(subscription("s1"))
    queue(journeys, "s1", "A")
    assert numbers(subscriptions.claim("dead-process", 30, limit=1)) == [1]
    assert subscriptions.claim(OWNER, 30, limit=1) == []
    clock.advance(31)
    again = subscriptions.claim(OWNER, 30, limit=1)
    assert numbers(again) == [1] and again[0].attempt == 2 and again[0].body == b"{}"


def test_an_ended_subscription_is_not_delivered(stores: tuple[JourneyStore, SubscriptionStore]) -> None:
    journeys, subscriptions = stores
    subscriptions.create(subscription("s1"))
    queue(journeys, "s1", "A")
    assert subscriptions.end("s1") and not subscriptions.end("s1")
    assert subscriptions.claim(OWNER, 30, limit=5) == []
    assert [n.status for n in subscriptions.notifications("s1")] == ["cancelled"]


def test_subscribers_are_found_by_resident_care_home_or_gp(
    stores: tuple[JourneyStore, SubscriptionStore],
) -> None:
    journeys, subscriptions = stores
    subscriptions.create(subscription("home", "VN4R7"))
    subscriptions.create(subscription("other-home", "VX3C6"))
    with journeys.unit() as unit:
        found = unit.notifications.subscribers("9990341818", "VN4R7", None)
    assert [s.id for s in found] == ["home"]


def test_a_savepoint_undoes_one_event_alone(stores: tuple[JourneyStore, SubscriptionStore]) -> None:
    journeys, subscriptions = stores
    subscriptions.create(subscription("s1"))
    with journeys.unit() as unit:
        with pytest.raises(RuntimeError), unit.savepoint():
            unit.notifications.reserve("s1", 1)
            raise RuntimeError("this event fails")
        with unit.savepoint():
            unit.notifications.reserve("s1", 1)
    state = subscriptions.get("s1")
    assert state is not None and state.events == 1


def test_a_version_1_database_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    with sqlite3.connect(path) as connection:
        connection.executescript(
            "CREATE TABLE outbox_schema (version INTEGER NOT NULL); INSERT INTO outbox_schema VALUES (1);"
        )
    from adapter.store import open_outbox
    from adapter.store.schema import SCHEMA_VERSION

    outbox = open_outbox(f"sqlite:///{path}")
    try:
        with outbox.db.transaction() as tx:
            tables = {r["name"] for r in tx.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            version = tx.execute("SELECT max(version) AS v FROM outbox_schema")[0]["v"]
    finally:
        outbox.close()
    assert {"journeys", "pathway_events", "subscriptions", "notifications"} <= tables
    assert {"transfer_facts", "belonging_facts", "journey_facts"} <= tables
    assert {"care_home_capabilities", "discharge_readiness"} <= tables and version == SCHEMA_VERSION


def test_h22_an_operator_ends_a_failing_subscribers_backoff(
    stores: tuple[JourneyStore, SubscriptionStore], clock: Clock
) -> None:
    """What requeueing is for notifications: they never fail, but a subscriber that failed waits for its
    backoff; ``redbag outbox retry-subscription`` makes what waits for it due now."""
    journeys, subscriptions = stores
    subscriptions.create(subscription("s1"))
    queue(journeys, "s1", "A", "B")
    claimed = subscriptions.claim(OWNER, 60, limit=10)
    subscriptions.settle(OWNER, [], [(job, "HTTP 503") for job in claimed], lambda n: 300.0)
    assert subscriptions.claim(OWNER, 60, limit=10) == []  # backing off for 300 s
    assert subscriptions.subscription_counts() == {"error": 1}
    assert subscriptions.oldest_waiting() == clock.now
    assert subscriptions.retry_now("s1") == 2
    assert numbers(subscriptions.claim(OWNER, 60, limit=10)) == [1, 2]
    assert subscriptions.retry_now("no-such") is None
