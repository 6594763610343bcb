"""What the pathway measures read: a few facts per red bag, return journey and hospital stay, kept in
narrow tables beside the payloads so that the measures are SQL aggregates, never a parse of stored JSON.

Each source writes only its own table: the red bag when it is accepted (``transfer_facts``), the return
journey when it is accepted (the same row's return columns and ``belonging_facts``), the journey each time
it is saved (``journey_facts``). The measures join them when they are read, so nothing written here is ever
merged or moved. Times are epoch seconds (UTC); ``*_day`` columns are the local calendar day in England,
as days since 1970-01-01, so that "days from the ready date to discharge" is a plain subtraction.

The facts are computed outside the store (:mod:`adapter.measures.facts`): the store reads no payload.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date

from adapter.store.database import Database, Row, Tx

_FACTS = """
CREATE TABLE IF NOT EXISTS transfer_facts (
    transfer_id             TEXT PRIMARY KEY,
    resident                TEXT,
    care_home               TEXT,
    care_home_name          TEXT,
    hospital                TEXT,
    hospital_name           TEXT,
    departed_at             {real},
    departed_day            INTEGER,
    ready_day               INTEGER,
    returned                INTEGER NOT NULL DEFAULT 0,
    returned_at             {real},
    returned_day            INTEGER,
    belongings_out          INTEGER,
    belongings_missing      INTEGER,
    belongings_retained     INTEGER,
    medicines_started       INTEGER,
    medicines_stopped       INTEGER,
    medicines_dose_changed  INTEGER
);
CREATE INDEX IF NOT EXISTS transfer_facts_by_resident ON transfer_facts (resident);
-- only the items that did not come back (missing or retained): the exceptions are what is counted by
-- kind and shown on the board, and they are few (a table of every item would be ten times the rows)
CREATE TABLE IF NOT EXISTS belonging_facts (
    transfer_id  TEXT NOT NULL,
    position     INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    status       TEXT NOT NULL,
    PRIMARY KEY (transfer_id, position)
);
CREATE TABLE IF NOT EXISTS journey_facts (
    journey_id      TEXT PRIMARY KEY,
    transfer_id     TEXT,
    resident        TEXT NOT NULL,
    care_home       TEXT,
    hospital        TEXT,
    cancelled       INTEGER NOT NULL,
    admitted_at     {real},
    admitted_day    INTEGER,
    discharged_at   {real},
    discharged_day  INTEGER,
    ready_day       INTEGER,
    visit           TEXT,
    visit_due_at    {real},
    visited_at      {real}
);
CREATE INDEX IF NOT EXISTS journey_facts_by_transfer ON journey_facts (transfer_id)
"""


def facts_script() -> str:
    """The facts tables' DDL, with ``{real}`` left for the dialect (part of the store's schema)."""
    return _FACTS


@dataclass(frozen=True, slots=True)
class TransferFacts:
    """A red bag sent: whose, from which care home, to which hospital, when it left."""

    resident: str | None  # the NHS number: links a resident's stays (readmissions); None without one
    care_home: str | None  # ODS code
    care_home_name: str | None
    hospital: str | None  # ODS code of the destination
    hospital_name: str | None
    departed_at: float | None
    departed_day: int | None
    ready_day: int | None = None  # the Discharge Ready Date, when the red bag's record carries one


@dataclass(frozen=True, slots=True)
class ReturnFacts:
    """The return journey of a red bag: when the resident was discharged, what changed, what came back."""

    returned_at: float | None
    returned_day: int | None
    medicines_started: int
    medicines_stopped: int
    medicines_dose_changed: int
    belongings: tuple[tuple[str, str], ...]  # (kind, status) of every item that went out
    ready_day: int | None = None


@dataclass(frozen=True, slots=True)
class JourneyFacts:
    """A hospital stay as the hospital's events describe it (one row per journey)."""

    journey_id: str
    transfer_id: str | None
    resident: str
    care_home: str | None
    hospital: str | None
    cancelled: bool
    admitted_at: float | None
    admitted_day: int | None
    discharged_at: float | None
    discharged_day: int | None
    ready_day: int | None
    visit: str | None  # due, visited, overdue, missed, not-needed (see adapter.measures.facts)
    visit_due_at: float | None
    visited_at: float | None


_TRANSFER_COLUMNS = tuple(f.name for f in fields(TransferFacts))
_JOURNEY_COLUMNS = tuple(f.name for f in fields(JourneyFacts))


def _upsert(table: str, key: str, columns: tuple[str, ...]) -> str:
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    # A ready date, once known, is not forgotten by a later write that does not carry one.
    updates = ", ".join(
        f"{c} = coalesce(excluded.{c}, {table}.{c})" if c == "ready_day" else f"{c} = excluded.{c}"
        for c in columns
        if c != key
    )
    return f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT ({key}) DO UPDATE SET {updates}"


_TRANSFER_UPSERT = _upsert("transfer_facts", "transfer_id", ("transfer_id", *_TRANSFER_COLUMNS))
_JOURNEY_UPSERT = _upsert("journey_facts", "journey_id", _JOURNEY_COLUMNS)
_RETURN_COLUMNS = (
    "transfer_id",
    "returned",
    "returned_at",
    "returned_day",
    "belongings_out",
    "belongings_missing",
    "belongings_retained",
    "medicines_started",
    "medicines_stopped",
    "medicines_dose_changed",
    "ready_day",
)
_RETURN_UPSERT = _upsert("transfer_facts", "transfer_id", _RETURN_COLUMNS)


def write_transfer(tx: Tx, transfer_id: str, facts: TransferFacts) -> None:
    """Record (or replace) the facts of a red bag sent; its return columns are left as they are."""
    tx.execute(_TRANSFER_UPSERT, (transfer_id, *(getattr(facts, c) for c in _TRANSFER_COLUMNS)))


def write_return(tx: Tx, transfer_id: str, facts: ReturnFacts) -> None:
    """Record the return journey of the red bag ``transfer_id`` (before or after its own facts)."""
    tx.execute(
        _RETURN_UPSERT,
        (
            transfer_id,
            1,
            facts.returned_at,
            facts.returned_day,
            len(facts.belongings),
            sum(1 for _, status in facts.belongings if status == "missing"),
            sum(1 for _, status in facts.belongings if status == "retained"),
            facts.medicines_started,
            facts.medicines_stopped,
            facts.medicines_dose_changed,
            facts.ready_day,
        ),
    )
    tx.execute("DELETE FROM belonging_facts WHERE transfer_id = ?", (transfer_id,))
    for position, (kind, status) in enumerate(facts.belongings):
        if status == "returned":
            continue
        tx.execute(
            "INSERT INTO belonging_facts (transfer_id, position, kind, status) VALUES (?, ?, ?, ?)",
            (transfer_id, position, kind, status),
        )


def write_ready_date(tx: Tx, transfer_id: str, ready_date: str | None) -> None:
    """The Discharge Ready Date recorded for a red bag's stay (``YYYY-MM-DD``, a day in England; None: not
    recorded), as the measures read it."""
    day = (date.fromisoformat(ready_date) - date(1970, 1, 1)).days if ready_date else None
    tx.execute("UPDATE transfer_facts SET ready_day = ? WHERE transfer_id = ?", (day, transfer_id))


def ready_dates_without_facts(db: Database) -> list[Row]:
    """Ready dates recorded before the facts held them (an older database): transfer and date."""
    with db.transaction() as tx:
        return tx.execute(
            "SELECT r.transfer_id, r.ready_date FROM discharge_readiness r "
            "JOIN transfer_facts f ON f.transfer_id = r.transfer_id "
            "WHERE r.ready_date IS NOT NULL AND f.ready_day IS NULL"
        )


def write_journey(tx: Tx, facts: JourneyFacts) -> None:
    """Record (or replace) the facts of a journey."""
    values = [getattr(facts, c) for c in _JOURNEY_COLUMNS]
    values[_JOURNEY_COLUMNS.index("cancelled")] = int(facts.cancelled)
    tx.execute(_JOURNEY_UPSERT, values)


def transfers_without_facts(db: Database, limit: int) -> list[Row]:
    """Transfers accepted before the facts existed (an older database), oldest first: red bags without
    facts, and return journeys whose red bag's facts lack them. Their id, kind, parent and transaction."""
    with db.transaction() as tx:
        return tx.execute(
            "SELECT t.id, t.kind, t.parent_id, t.bundle FROM transfers t "
            "WHERE (t.kind = 'transfer' "
            "       AND NOT EXISTS (SELECT 1 FROM transfer_facts f WHERE f.transfer_id = t.id)) "
            "   OR (t.kind = 'return' "
            "       AND EXISTS (SELECT 1 FROM transfer_facts f WHERE f.transfer_id = t.parent_id "
            "                   AND f.returned = 0)) "
            "ORDER BY t.created_at, t.id LIMIT ?",
            (limit,),
        )


def journeys_without_facts(db: Database, limit: int) -> list[Row]:
    """Journeys saved before the facts existed: their id and state (JSON)."""
    with db.transaction() as tx:
        return tx.execute(
            "SELECT j.id, j.state FROM journeys j "
            "WHERE NOT EXISTS (SELECT 1 FROM journey_facts f WHERE f.journey_id = j.id) "
            "ORDER BY j.created_at LIMIT ?",
            (limit,),
        )


def write_all(db: Database, items: Iterable[tuple[str, TransferFacts | ReturnFacts] | JourneyFacts]) -> None:
    """Write a batch of facts in one transaction (the catch-up of an older database, a server's read)."""
    with db.transaction(write=True) as tx:
        for item in items:
            if isinstance(item, JourneyFacts):
                write_journey(tx, item)
            elif isinstance(item[1], TransferFacts):
                write_transfer(tx, item[0], item[1])
            else:
                write_return(tx, item[0], item[1])
