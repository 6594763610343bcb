"""What care homes can manage, and each red bag's discharge readiness and delay.

``care_home_capabilities``: one row per care home (ODS code), the capabilities it published last.

``discharge_readiness``: one row per outbound transfer (red bag), written when the hospital records the
Discharge Ready Date (API or A08) and again when the return journey is accepted. Its columns are there for
SQL (the measures read them): ``ready_date`` (YYYY-MM-DD, the Discharge Ready Date; NULL not recorded),
``ready_source`` (api, hl7v2, discharge), ``needs_recorded``, ``not_possible`` (needs the home cannot meet),
``discharged_at`` (ISO 8601 with offset), ``discharge_date`` (the day in England), ``delay_days`` (days from
the ready date to the discharge, 0 on it or before; NULL without a ready date) and ``discharge_timing``
(on-ready-date, delayed, before-ready-date, ready-date-not-recorded). ``readiness`` is the whole record as
JSON (the checklist included). A readiness and the notifications it queues are stored in one transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from adapter.store.database import Database, Row, Tx, first
from adapter.store.stay_facts import write_ready_date
from adapter.store.subscriptions import NotificationTx

_COLUMNS = (
    "transfer_id, journey_id, nhs_number, care_home, hospital, ready_date, ready_source, recorded_at, "
    "needs_recorded, not_possible, readiness, discharged_at, discharge_date, delay_days, discharge_timing, "
    "version"
)


@dataclass(frozen=True, slots=True)
class ReadinessRow:
    """A red bag's discharge readiness and, once it is back, its delay."""

    transfer_id: str
    journey_id: str | None
    nhs_number: str | None
    care_home: str
    hospital: str
    ready_date: str | None = None
    ready_source: str | None = None
    recorded_at: str | None = None
    needs_recorded: bool = False
    not_possible: int = 0
    readiness: bytes | None = None
    discharged_at: str | None = None
    discharge_date: str | None = None
    delay_days: int | None = None
    discharge_timing: str | None = None
    version: int = 1


@dataclass(frozen=True, slots=True)
class Published:
    """A care home's published capabilities (the contract's block, as JSON) and when they were stored."""

    ods_code: str
    client: str
    capabilities: bytes
    confirmed_on: str | None
    updated_at: float


def _row(row: Row) -> ReadinessRow:
    text = row["readiness"]
    return ReadinessRow(
        **{
            **row,
            "needs_recorded": bool(row["needs_recorded"]),
            "readiness": text.encode("utf-8") if text is not None else None,
        }
    )


class ReadinessTx:
    """Reads and writes of readiness inside one open transaction."""

    def __init__(self, tx: Tx, now: float) -> None:
        self.tx = tx
        self.now = now

    def get(self, transfer_id: str) -> ReadinessRow | None:
        """A red bag's readiness row, or None."""
        row = first(
            self.tx.execute(
                f"SELECT {_COLUMNS} FROM discharge_readiness WHERE transfer_id = ?", (transfer_id,)
            )
        )
        return _row(row) if row else None

    def save_readiness(self, row: ReadinessRow) -> None:
        """Insert or update the readiness part of a row (a discharge already recorded is kept)."""
        self.tx.execute(
            "INSERT INTO discharge_readiness (transfer_id, journey_id, nhs_number, care_home, hospital, "
            "ready_date, ready_source, recorded_at, needs_recorded, not_possible, readiness, version, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) "
            "ON CONFLICT (transfer_id) DO UPDATE SET journey_id = COALESCE(excluded.journey_id, "
            "discharge_readiness.journey_id), ready_date = excluded.ready_date, "
            "ready_source = excluded.ready_source, recorded_at = excluded.recorded_at, "
            "needs_recorded = excluded.needs_recorded, not_possible = excluded.not_possible, "
            "readiness = excluded.readiness, version = discharge_readiness.version + 1, "
            "updated_at = excluded.updated_at",
            (
                row.transfer_id,
                row.journey_id,
                row.nhs_number,
                row.care_home,
                row.hospital,
                row.ready_date,
                row.ready_source,
                row.recorded_at,
                int(row.needs_recorded),
                row.not_possible,
                row.readiness.decode("utf-8") if row.readiness is not None else None,
                self.now,
                self.now,
            ),
        )
        write_ready_date(self.tx, row.transfer_id, row.ready_date)

    def save_discharge(self, row: ReadinessRow) -> None:
        """Insert or update the discharge part of a row: when, the day, the delay and the timing; a ready
        date the discharge itself states replaces the one recorded before."""
        self.tx.execute(
            "INSERT INTO discharge_readiness (transfer_id, journey_id, nhs_number, care_home, hospital, "
            "ready_date, ready_source, discharged_at, discharge_date, delay_days, discharge_timing, version, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) "
            "ON CONFLICT (transfer_id) DO UPDATE SET "
            "ready_date = COALESCE(excluded.ready_date, discharge_readiness.ready_date), "
            "ready_source = CASE WHEN excluded.ready_date IS NULL "
            "OR excluded.ready_date = discharge_readiness.ready_date THEN discharge_readiness.ready_source "
            "ELSE excluded.ready_source END, "
            "discharged_at = excluded.discharged_at, discharge_date = excluded.discharge_date, "
            "delay_days = excluded.delay_days, discharge_timing = excluded.discharge_timing, "
            "version = discharge_readiness.version + 1, updated_at = excluded.updated_at",
            (
                row.transfer_id,
                row.journey_id,
                row.nhs_number,
                row.care_home,
                row.hospital,
                row.ready_date,
                row.ready_source,
                row.discharged_at,
                row.discharge_date,
                row.delay_days,
                row.discharge_timing,
                self.now,
                self.now,
            ),
        )
        if row.ready_date is not None:
            write_ready_date(self.tx, row.transfer_id, row.ready_date)

    def published(self, ods_code: str) -> Published | None:
        """A care home's published capabilities, or None."""
        row = first(
            self.tx.execute(
                "SELECT ods_code, client, capabilities, confirmed_on, updated_at FROM care_home_capabilities "
                "WHERE ods_code = ?",
                (ods_code,),
            )
        )
        return Published(**{**row, "capabilities": row["capabilities"].encode("utf-8")}) if row else None

    def transfer_input(self, transfer_id: str) -> bytes | None:
        """The summary a red bag was sent with."""
        row = first(self.tx.execute("SELECT input FROM transfers WHERE id = ?", (transfer_id,)))
        return row["input"].encode("utf-8") if row else None


@dataclass
class ReadinessUnit:
    """One write transaction: readiness and the notification queue."""

    readiness: ReadinessTx
    notifications: NotificationTx


class ReadinessStore:
    """Care homes' capabilities and the red bags' discharge readiness, on the outbox's database."""

    def __init__(self, db: Database, *, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self._clock = clock

    @contextmanager
    def unit(self) -> Iterator[ReadinessUnit]:
        """A write transaction (committed on leaving the block, rolled back on an exception)."""
        now = self._clock()
        with self.db.transaction(write=True) as tx:
            yield ReadinessUnit(ReadinessTx(tx, now), NotificationTx(tx, now))

    def get(self, transfer_id: str) -> ReadinessRow | None:
        """A red bag's readiness (and delay), or None."""
        with self.db.transaction() as tx:
            return ReadinessTx(tx, self._clock()).get(transfer_id)

    def published(self, ods_code: str) -> Published | None:
        """A care home's published capabilities, or None."""
        with self.db.transaction() as tx:
            return ReadinessTx(tx, self._clock()).published(ods_code)

    def publish(self, ods_code: str, client: str, capabilities: bytes, confirmed_on: str | None) -> bool:
        """Store what a care home can manage, replacing what the same client published before; False (and
        nothing stored) when another client publishes for this care home (H21)."""
        with self.db.transaction(write=True) as tx:
            stored = tx.execute(
                "INSERT INTO care_home_capabilities (ods_code, client, capabilities, confirmed_on, "
                "updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (ods_code) DO UPDATE SET "
                "capabilities = excluded.capabilities, confirmed_on = excluded.confirmed_on, "
                "updated_at = excluded.updated_at WHERE care_home_capabilities.client = excluded.client "
                "RETURNING ods_code",
                (ods_code, client, capabilities.decode("utf-8"), confirmed_on, self._clock()),
            )
        return bool(stored)

    def save_discharge(self, row: ReadinessRow) -> None:
        """Record a red bag's discharge against its ready date (see :meth:`ReadinessTx.save_discharge`)."""
        with self.db.transaction(write=True) as tx:
            ReadinessTx(tx, self._clock()).save_discharge(row)
