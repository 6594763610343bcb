"""Care homes' capabilities and the red bags' discharge readiness on both databases: published once and
replaced, readiness upserted with its notifications in one transaction, the discharge recorded against the
ready date, and the columns the measures read by plain SQL."""

from __future__ import annotations

from dataclasses import replace

import pytest

from adapter.store import Kind, Outbox, ReadinessRow, ReadinessStore, SubscriptionStore
from adapter.store.subscriptions import QueuedNotification
from tests.store.clock import Clock
from tests.store.test_outbox import new_transfer
from tests.store.test_pathway_store import subscription


def _red_bag(outbox: Outbox) -> str:
    transfer, _ = outbox.enqueue(new_transfer(bag="RB-READY-1", kind=Kind.TRANSFER))
    return transfer.id


def _readiness(transfer_id: str, ready: str = "2025-04-02") -> ReadinessRow:
    return ReadinessRow(
        transfer_id=transfer_id,
        journey_id="j-1",
        nhs_number="9990835624",
        care_home="VR8D2",
        hospital="RZZ06",
        ready_date=ready,
        ready_source="api",
        recorded_at="2025-04-01T16:20:00+01:00",
        needs_recorded=True,
        not_possible=1,
        readiness=b'{"dischargeReadyDate": "' + ready.encode() + b'"}',
    )


def test_capabilities_published_and_replaced(outbox: Outbox, clock: Clock) -> None:
    store = ReadinessStore(outbox.db, clock=clock)
    assert store.published("VR8D2") is None
    assert store.publish("VR8D2", "care-home", b'{"care": []}', None)
    clock.advance(60)
    assert store.publish("VR8D2", "care-home", b'{"care": ["bowel-care"]}', "2025-03-03")
    found = store.published("VR8D2")
    assert found is not None
    assert (found.capabilities, found.confirmed_on, found.updated_at) == (
        b'{"care": ["bowel-care"]}',
        "2025-03-03",
        clock.now,
    )


def test_readiness_and_its_notifications_are_one_transaction(outbox: Outbox, clock: Clock) -> None:
    store = ReadinessStore(outbox.db, clock=clock)
    SubscriptionStore(outbox.db, clock=clock).create(subscription("s-1", "VR8D2"))
    transfer_id = _red_bag(outbox)
    with pytest.raises(RuntimeError), store.unit() as unit:
        unit.readiness.save_readiness(_readiness(transfer_id))
        number = unit.notifications.reserve("s-1", 1)
        unit.notifications.queue(
            [QueuedNotification("s-1", number, "9990835624", None, "discharge-ready", b"{}")]
        )
        raise RuntimeError("the process dies before the commit")
    assert store.get(transfer_id) is None
    with outbox.db.transaction() as tx:
        assert tx.execute("SELECT count(*) AS n FROM notifications")[0]["n"] == 0
    with store.unit() as unit:
        unit.readiness.save_readiness(_readiness(transfer_id))
        unit.readiness.save_readiness(_readiness(transfer_id, "2025-04-03"))
    row = store.get(transfer_id)
    assert row is not None and (row.ready_date, row.version, row.needs_recorded) == ("2025-04-03", 2, True)


def test_the_discharge_is_recorded_against_the_ready_date(outbox: Outbox, clock: Clock) -> None:
    store = ReadinessStore(outbox.db, clock=clock)
    transfer_id = _red_bag(outbox)
    with store.unit() as unit:
        unit.readiness.save_readiness(_readiness(transfer_id))
    back = ReadinessRow(
        transfer_id=transfer_id,
        journey_id=None,
        nhs_number="9990835624",
        care_home="VR8D2",
        hospital="RZZ06",
        discharged_at="2025-04-04T14:30:00+01:00",
        discharge_date="2025-04-04",
        delay_days=2,
        discharge_timing="delayed",
    )
    store.save_discharge(back)
    row = store.get(transfer_id)
    assert row is not None
    assert (row.ready_date, row.ready_source, row.delay_days, row.discharge_timing, row.journey_id) == (
        "2025-04-02", "api", 2, "delayed", "j-1",
    )  # fmt: skip
    # The discharge stating its own ready date replaces the one recorded before, and says where it came from.
    store.save_discharge(replace(back, ready_date="2025-04-03", ready_source="discharge", delay_days=1))
    row = store.get(transfer_id)
    assert row is not None and (row.ready_date, row.ready_source, row.delay_days) == (
        "2025-04-03",
        "discharge",
        1,
    )
    # What the measures read: plain columns, by SQL.
    with outbox.db.transaction() as tx:
        found = tx.execute(
            "SELECT ready_date, discharge_date, delay_days, discharge_timing, care_home, hospital "
            "FROM discharge_readiness WHERE transfer_id = ?",
            (transfer_id,),
        )
    assert found == [
        {
            "ready_date": "2025-04-03",
            "discharge_date": "2025-04-04",
            "delay_days": 1,
            "discharge_timing": "delayed",
            "care_home": "VR8D2",
            "hospital": "RZZ06",
        }
    ]


def test_a_return_without_readiness_is_recorded_too(outbox: Outbox, clock: Clock) -> None:
    store = ReadinessStore(outbox.db, clock=clock)
    transfer_id = _red_bag(outbox)
    store.save_discharge(
        ReadinessRow(
            transfer_id=transfer_id,
            journey_id=None,
            nhs_number=None,
            care_home="VR8D2",
            hospital="RZZ06",
            discharged_at="2025-04-04T14:30:00+01:00",
            discharge_date="2025-04-04",
            discharge_timing="ready-date-not-recorded",
        )
    )
    row = store.get(transfer_id)
    assert row is not None and (row.ready_date, row.delay_days, row.discharge_timing) == (
        None, None, "ready-date-not-recorded",
    )  # fmt: skip


def test_h21_another_client_cannot_replace_a_care_homes_capabilities(outbox: Outbox, clock: Clock) -> None:
    store = ReadinessStore(outbox.db, clock=clock)
    assert store.publish("VR8D2", "care-home", b'{"care": ["bowel-care"]}', "2025-03-03")
    assert not store.publish("VR8D2", "someone-else", b'{"care": []}', None)
    found = store.published("VR8D2")
    assert found is not None
    assert (found.client, found.capabilities) == ("care-home", b'{"care": ["bowel-care"]}')
