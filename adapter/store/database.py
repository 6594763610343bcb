"""The two databases the outbox runs on, behind one small interface: transactions of SQL statements.

Statements are written once with ``?`` placeholders; each backend runs them in its own dialect.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

Row = dict[str, Any]
Params = Sequence[Any]


class Tx(Protocol):
    """One open transaction."""

    def execute(self, sql: str, params: Params = ()) -> list[Row]:
        """Run one statement; the rows it returns (empty for statements without RETURNING)."""

    @property
    def rowcount(self) -> int:
        """Rows changed by the last statement."""


class Database(ABC):
    """A connection source that hands out transactions; safe to share between threads."""

    #: "sqlite" or "postgresql": selects the statements that differ between the two
    dialect: str

    @abstractmethod
    def transaction(self, *, write: bool = False) -> AbstractContextManager[Tx]:
        """A transaction committed on leaving the block, rolled back on an exception.

        ``write=True`` takes the write lock at once (SQLite ``BEGIN IMMEDIATE``), so that a transaction
        which reads then writes cannot fail half-way on a lock upgrade.
        """

    @abstractmethod
    def close(self) -> None:
        """Release every connection."""

    def describe(self) -> str:
        """Where the data lives, without credentials (for logs and /readyz)."""
        return self.dialect


def first(rows: list[Row]) -> Row | None:
    """The first row, or None."""
    return rows[0] if rows else None


def iter_statements(script: str) -> Iterator[str]:
    """The statements of a DDL script (``;``-separated, no ``;`` inside statements)."""
    for statement in script.split(";"):
        if statement.strip():
            yield statement.strip()
