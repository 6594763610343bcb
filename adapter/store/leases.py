"""Claiming work under a lease, written once for both queues (transfers, notifications) and both dialects.

A row is claimed by setting its status to ``delivering`` with an owner and a lease; a process killed
mid-delivery loses nothing, because once the lease runs out the row is due again. The owner's heartbeat
renews the leases it holds while it works.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from adapter.store.database import Row, Tx, first


@dataclass(frozen=True, slots=True)
class Queue:
    """A table of work: its name, when a row is due (SQL on alias ``t``), how rows are ordered, the
    columns a claim returns, the column (if any) that records when a row last changed, and the one that
    says since when a row waits."""

    table: str
    due: str
    order: str
    returning: tuple[str, ...]
    changed_at: str | None = None
    waiting_since: str = "created_at"

    def claim(
        self, tx: Tx, dialect: str, due: Sequence[Any], owner: str, now: float, until: float, limit: int
    ) -> list[Row]:
        """Claim up to ``limit`` rows due (``due``: the parameters of the due condition) for ``owner``
        until ``until``; the claimed rows."""
        claim_set = "status = 'delivering', lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1"
        claim_params: tuple[Any, ...] = (owner, until)
        if self.changed_at:
            claim_set += f", {self.changed_at} = ?"
            claim_params += (now,)
        picked = f"SELECT t.id FROM {self.table} t WHERE {self.due} ORDER BY {self.order} LIMIT ?"
        if dialect == "sqlite":
            # The write lock is taken at BEGIN IMMEDIATE, so the select-then-update cannot interleave.
            sql = (
                f"UPDATE {self.table} SET {claim_set} WHERE id IN ({picked}) "
                f"RETURNING {', '.join(self.returning)}"
            )
            return tx.execute(sql, (*claim_params, *due, limit))
        # PostgreSQL: rows another process is claiming are locked, and skipped rather than waited for.
        returned = ", ".join(f"{self.table}.{c}" for c in self.returning)
        sql = (
            f"WITH picked AS ({picked} FOR UPDATE SKIP LOCKED) "
            f"UPDATE {self.table} SET {claim_set} FROM picked WHERE {self.table}.id = picked.id "
            f"RETURNING {returned}"
        )
        return tx.execute(sql, (*due, limit, *claim_params))

    def extend(self, tx: Tx, owner: str, until: float) -> int:
        """Renew every claim ``owner`` holds until ``until``; how many were renewed."""
        tx.execute(
            f"UPDATE {self.table} SET lease_expires_at = ? WHERE lease_owner = ? AND status = 'delivering'",
            (until, owner),
        )
        return tx.rowcount

    def counts(self, tx: Tx) -> dict[str, int]:
        """Rows by status."""
        rows = tx.execute(f"SELECT status, count(*) AS n FROM {self.table} GROUP BY status")
        return {r["status"]: int(r["n"]) for r in rows}

    def oldest_waiting(self, tx: Tx) -> float | None:
        """Since when the longest-waiting row not yet delivered waits (None when none waits)."""
        row = first(
            tx.execute(
                f"SELECT min({self.waiting_since}) AS at FROM {self.table} "
                "WHERE status IN ('queued', 'retrying', 'delivering')"
            )
        )
        return row["at"] if row else None
