"""The measures of a pathway sent through the service's API (tests/measures/scenario.py): the facts the
service keeps as red bags, events, visits and return journeys arrive give the figures worked out by hand;
a store from before the facts existed catches up when the service starts."""

from __future__ import annotations

from adapter.measures import measure_database
from tests.events.conftest import Start
from tests.measures.scenario import EXPECTED, play


def test_the_measures_of_the_scenario_match_the_hand_count(start: Start) -> None:
    with start() as (client, service):
        play(client)
        found = measure_database(service.require_outbox().db, threshold=1)
    got = {k: found.get(k[0], k[1], split=k[2]).text for k in EXPECTED}
    assert got == EXPECTED
    assert found.get("length-of-stay", "mean-days", split="with").value == 3.1


def test_a_store_without_facts_catches_up_at_start(start: Start) -> None:
    with start() as (client, service):
        play(client)
        db = service.require_outbox().db
        before = measure_database(db, threshold=1, as_of=1.9e9)
        with db.transaction(write=True) as tx:
            for table in ("transfer_facts", "belonging_facts", "journey_facts"):
                tx.execute(f"DELETE FROM {table}")
        emptied = measure_database(db, threshold=1, as_of=1.9e9)
        assert emptied.get("transfers", "stays").text == "0"
    with start() as (_, service):
        after = measure_database(service.require_outbox().db, threshold=1, as_of=1.9e9)
    assert after.figures == before.figures
