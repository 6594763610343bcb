"""What the live board reads: the stays open now, and the belongings that did not come back with the
recent return journeys (from the facts tables, :mod:`adapter.store.stay_facts`)."""

from __future__ import annotations

from adapter.store.database import Database, Row
from adapter.store.measure_queries import STAYS


def open_stays(db: Database, *, sent_since: float, care_home: str | None = None) -> list[Row]:
    """Stays with no discharge: every open journey, and red bags sent since ``sent_since`` (epoch seconds)
    that no admission event or return journey has reached; by care home, longest first."""
    params: list[object] = [sent_since]
    where = ""
    if care_home is not None:
        where, params = " AND care_home = ?", [*params, care_home]
    with db.transaction() as tx:
        return tx.execute(
            f"WITH {STAYS} SELECT id, resident, care_home, hospital, red_bag, transfer_id, started_at, "
            "ready_day, visit, visit_due_at, visited_at FROM stays "
            "WHERE ended_at IS NULL AND (transfer_id IS NULL OR id <> transfer_id OR started_at >= ?)"
            f"{where} ORDER BY care_home, started_at, id",
            params,
        )


def recent_returns(db: Database, *, since: float, care_home: str | None = None) -> list[Row]:
    """Belongings missing or retained on return journeys since ``since``: the red bag, the item's place
    in the red bag's list, its kind and status; newest first."""
    params: list[object] = [since]
    where = ""
    if care_home is not None:
        where, params = " AND t.care_home = ?", [*params, care_home]
    with db.transaction() as tx:
        return tx.execute(
            "SELECT t.transfer_id, t.resident, t.care_home, t.hospital, t.returned_at, b.position, b.kind, "
            "b.status FROM transfer_facts t JOIN belonging_facts b ON b.transfer_id = t.transfer_id "
            "WHERE t.returned = 1 AND t.returned_at >= ? AND b.status IN ('missing', 'retained')"
            f"{where} ORDER BY t.returned_at DESC, t.transfer_id, b.position",
            params,
        )
