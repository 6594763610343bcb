"""The facts of what a database held before it had facts (a store from before schema version 3): written
once, from the stored transaction Bundles and journeys, when the service starts."""

from __future__ import annotations

import orjson

from adapter.measures.facts import journey_facts, red_bag_facts, return_journey_facts
from adapter.pathway import Journey
from adapter.store.database import Database
from adapter.store.stay_facts import (
    JourneyFacts,
    ReturnFacts,
    TransferFacts,
    journeys_without_facts,
    ready_dates_without_facts,
    transfers_without_facts,
    write_all,
    write_ready_date,
)

BATCH = 500


def catch_up(db: Database, batch: int = BATCH) -> int:
    """Write the missing facts, a batch per transaction; how many transfers and journeys were caught up."""
    done = 0
    while rows := transfers_without_facts(db, batch):
        items: list[tuple[str, TransferFacts | ReturnFacts] | JourneyFacts] = []
        for row in rows:
            bundle = orjson.loads(row["bundle"])
            if row["kind"] == "transfer":
                items.append((row["id"], red_bag_facts(bundle)))
            else:
                items.append((row["parent_id"], return_journey_facts(bundle)))
        write_all(db, items)
        done += len(rows)
    while rows := journeys_without_facts(db, batch):
        write_all(db, [journey_facts(Journey.from_json(orjson.loads(row["state"]))) for row in rows])
        done += len(rows)
    ready = ready_dates_without_facts(db)
    if ready:
        with db.transaction(write=True) as tx:
            for row in ready:
                write_ready_date(tx, row["transfer_id"], row["ready_date"])
    return done + len(ready)
