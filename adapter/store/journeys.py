"""The pathway's durable side: events (each stored once, by its source key), journeys, the residents'
care homes and GPs; read and written inside one transaction per batch of events (:class:`Unit`), so
that an event, the journey it moves and the notifications it queues are stored together or not at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import count
from typing import Any

import orjson

from adapter.store.database import Database, Row, Tx, first
from adapter.store.pathway_records import EventRow, JourneyRow, SentRedBag
from adapter.store.stay_facts import write_journey
from adapter.store.subscriptions import NotificationTx

_JOURNEY = (
    "id, nhs_number, hospital, encounter, transfer_id, stage, care_home, gp, visit_status, visit_due_at, "
    "version, state"
)
_EVENT = "id, source_key, source, kind, journey_id, outcome, note, received_at, event"
_SAVEPOINTS = count()


def _journey(row: Row) -> JourneyRow:
    return JourneyRow(**{**row, "state": row["state"].encode("utf-8")})


def _event(row: Row) -> EventRow:
    return EventRow(**{**row, "event": row["event"].encode("utf-8")})


class JourneyTx:
    """The pathway's reads and writes inside one open transaction."""

    def __init__(self, tx: Tx, now: float) -> None:
        self.tx = tx
        self.now = now

    # -- events ---------------------------------------------------------------------------------

    def seen(self, source_key: str) -> tuple[str, str | None] | None:
        """The digest and journey of an event already stored under ``source_key``, or None."""
        row = first(
            self.tx.execute(
                "SELECT digest, journey_id FROM pathway_events WHERE source_key = ?", (source_key,)
            )
        )
        return (row["digest"], row["journey_id"]) if row else None

    def record_event(
        self,
        *,
        source_key: str,
        digest: str,
        source: str,
        kind: str,
        nhs_number: str,
        journey_id: str | None,
        outcome: str,
        note: str | None,
        event: bytes,
    ) -> None:
        """Store an event (its source key is unique: the caller has checked :meth:`seen`)."""
        self.tx.execute(
            "INSERT INTO pathway_events (source_key, digest, source, kind, nhs_number, journey_id, outcome, "
            "note, received_at, event) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                source_key,
                digest,
                source,
                kind,
                nhs_number,
                journey_id,
                outcome,
                note,
                self.now,
                event.decode(),
            ),
        )

    # -- journeys -------------------------------------------------------------------------------

    def journey(self, journey_id: str) -> JourneyRow | None:
        """One journey."""
        row = first(self.tx.execute(f"SELECT {_JOURNEY} FROM journeys WHERE id = ?", (journey_id,)))
        return _journey(row) if row else None

    def journey_of_stay(self, hospital: str, encounter: str) -> JourneyRow | None:
        """The journey of a hospital stay (the hospital's own id for it)."""
        row = first(
            self.tx.execute(
                f"SELECT {_JOURNEY} FROM journeys WHERE hospital = ? AND encounter = ? "
                "ORDER BY created_at DESC LIMIT 1",
                (hospital, encounter),
            )
        )
        return _journey(row) if row else None

    def latest_journey(self, nhs_number: str, hospital: str | None) -> JourneyRow | None:
        """The resident's latest journey (at that hospital, when given)."""
        where, params = "nhs_number = ?", [nhs_number]
        if hospital is not None:
            where += " AND hospital = ?"
            params.append(hospital)
        row = first(
            self.tx.execute(
                f"SELECT {_JOURNEY} FROM journeys WHERE {where} ORDER BY created_at DESC, id LIMIT 1", params
            )
        )
        return _journey(row) if row else None

    def save_journey(self, journey: JourneyRow) -> None:
        """Insert or update a journey (by id)."""
        values = (
            journey.nhs_number,
            journey.hospital,
            journey.encounter,
            journey.transfer_id,
            journey.stage,
            journey.care_home,
            journey.gp,
            journey.visit_status,
            journey.visit_due_at,
            journey.version,
            self.now,
            journey.state.decode(),
        )
        self.tx.execute(
            "INSERT INTO journeys (nhs_number, hospital, encounter, transfer_id, stage, care_home, gp, "
            "visit_status, visit_due_at, version, updated_at, state, id, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET nhs_number = excluded.nhs_number, hospital = excluded.hospital, "
            "encounter = excluded.encounter, transfer_id = excluded.transfer_id, stage = excluded.stage, "
            "care_home = excluded.care_home, gp = excluded.gp, visit_status = excluded.visit_status, "
            "visit_due_at = excluded.visit_due_at, version = excluded.version, "
            "updated_at = excluded.updated_at, state = excluded.state",
            (*values, journey.id, self.now),
        )
        if journey.facts is not None:
            write_journey(self.tx, journey.facts)

    # -- what is known of the resident ---------------------------------------------------------------

    def red_bags_sent(self, nhs_number: str, since: float) -> list[SentRedBag]:
        """Red bags sent for the resident since ``since`` that no journey has taken yet, newest first."""
        rows = self.tx.execute(
            "SELECT t.id, t.bag_number, t.created_at, t.input FROM transfers t "
            "WHERE t.nhs_number = ? AND t.kind = 'transfer' AND t.created_at >= ? "
            "AND NOT EXISTS (SELECT 1 FROM journeys j WHERE j.transfer_id = t.id) "
            "AND NOT EXISTS (SELECT 1 FROM transfers r WHERE r.parent_id = t.id) "
            "ORDER BY t.created_at DESC",
            (nhs_number, since),
        )
        return [SentRedBag(r["id"], r["bag_number"], r["created_at"], r["input"].encode()) for r in rows]

    def last_red_bag(self, nhs_number: str) -> SentRedBag | None:
        """The resident's latest red bag, whenever it was sent."""
        row = first(
            self.tx.execute(
                "SELECT id, bag_number, created_at, input FROM transfers WHERE nhs_number = ? AND kind "
                "= 'transfer' "
                "ORDER BY created_at DESC LIMIT 1",
                (nhs_number,),
            )
        )
        return (
            SentRedBag(row["id"], row["bag_number"], row["created_at"], row["input"].encode())
            if row
            else None
        )

    def registration(self, nhs_number: str) -> tuple[str | None, str | None] | None:
        """The care home and GP practice a resident was registered with (by a subscriber), or None."""
        row = first(
            self.tx.execute("SELECT care_home, gp FROM pathway_residents WHERE nhs_number = ?", (nhs_number,))
        )
        return (row["care_home"], row["gp"]) if row else None


@dataclass
class Unit:
    """One write transaction: the pathway's tables and the notification queue, with savepoints so that
    one bad event in a batch is undone alone."""

    journeys: JourneyTx
    notifications: NotificationTx

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Undo what the block wrote if it raises (the exception goes on)."""
        name = f"event_{next(_SAVEPOINTS)}"
        tx = self.journeys.tx
        tx.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            tx.execute(f"ROLLBACK TO SAVEPOINT {name}")
            tx.execute(f"RELEASE SAVEPOINT {name}")
            raise
        tx.execute(f"RELEASE SAVEPOINT {name}")


class JourneyStore:
    """The pathway's tables on the outbox's database."""

    def __init__(self, db: Database, *, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self._clock = clock

    @contextmanager
    def unit(self) -> Iterator[Unit]:
        """A write transaction (committed on leaving the block, rolled back on an exception)."""
        now = self._clock()
        with self.db.transaction(write=True) as tx:
            yield Unit(JourneyTx(tx, now), NotificationTx(tx, now))

    def journey(self, journey_id: str) -> JourneyRow | None:
        """One journey, or None."""
        with self.db.transaction() as tx:
            return JourneyTx(tx, self._clock()).journey(journey_id)

    def journey_of_transfer(self, transfer_id: str) -> JourneyRow | None:
        """The stay a red bag went with, or None."""
        with self.db.transaction() as tx:
            row = first(tx.execute(f"SELECT {_JOURNEY} FROM journeys WHERE transfer_id = ?", (transfer_id,)))
        return _journey(row) if row else None

    def journeys(
        self, *, nhs_number: str | None = None, care_home: str | None = None, limit: int = 50
    ) -> list[JourneyRow]:
        """Journeys, newest first, of one resident or one care home."""
        where, params = [], []
        for column, value in (("nhs_number", nhs_number), ("care_home", care_home)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        with self.db.transaction() as tx:
            rows = tx.execute(
                f"SELECT {_JOURNEY} FROM journeys{clause} ORDER BY created_at DESC, id LIMIT ?",
                (*params, limit),
            )
        return [_journey(r) for r in rows]

    def events(self, journey_id: str) -> list[EventRow]:
        """The events applied to a journey, oldest first."""
        with self.db.transaction() as tx:
            rows = tx.execute(
                f"SELECT {_EVENT} FROM pathway_events WHERE journey_id = ? ORDER BY id", (journey_id,)
            )
        return [_event(r) for r in rows]

    def visits_due_by(self, now: float, limit: int = 100) -> list[JourneyRow]:
        """Journeys whose visit is still due at ``now`` though its time has passed."""
        with self.db.transaction() as tx:
            rows = tx.execute(
                f"SELECT {_JOURNEY} FROM journeys WHERE visit_status = 'due' AND visit_due_at <= ? "
                "ORDER BY visit_due_at LIMIT ?",
                (now, limit),
            )
        return [_journey(r) for r in rows]

    def organisations_of(self, nhs_number: str) -> set[str]:
        """The ODS codes a resident is known at: their registration's care home and GP practice, their
        latest stay's, and those of the latest red bag sent for them."""
        with self.db.transaction() as tx:
            journeys = JourneyTx(tx, self._clock())
            registered = journeys.registration(nhs_number) or (None, None)
            latest = journeys.latest_journey(nhs_number, None)
            sent = journeys.last_red_bag(nhs_number)
        found = {*registered, *((latest.care_home, latest.gp) if latest else ())}
        if sent is not None:
            summary = orjson.loads(sent.input)
            found |= {summary["careHome"]["odsCode"], ((summary["resident"].get("gp") or {}).get("odsCode"))}
        return {code for code in found if code}

    def register(self, nhs_number: str, care_home: str | None, gp: str | None, client: str) -> None:
        """Record the care home and GP practice of a resident (a subscriber says so)."""
        with self.db.transaction(write=True) as tx:
            tx.execute(
                "INSERT INTO pathway_residents (nhs_number, care_home, gp, client, updated_at) VALUES "
                "(?, ?, ?, ?, ?) "
                "ON CONFLICT (nhs_number) DO UPDATE SET care_home = excluded.care_home, gp = excluded.gp, "
                "client = excluded.client, updated_at = excluded.updated_at",
                (nhs_number, care_home, gp, client, self._clock()),
            )

    def counts(self) -> dict[str, Any]:
        """Journeys by stage and events by outcome (for /readyz and the benchmark)."""
        with self.db.transaction() as tx:
            stages = tx.execute("SELECT stage, count(*) AS n FROM journeys GROUP BY stage")
            outcomes = tx.execute("SELECT outcome, count(*) AS n FROM pathway_events GROUP BY outcome")
        return {
            "journeys": {r["stage"]: int(r["n"]) for r in stages},
            "events": {r["outcome"]: int(r["n"]) for r in outcomes},
        }
