"""The embedded default: one SQLite file in WAL mode, one connection per thread.

WAL lets readers run beside the single writer; writers from several processes queue on the file lock
(``busy_timeout``), and claiming work takes the write lock first (``BEGIN IMMEDIATE``), so two
processes can never claim the same transfer. ``synchronous=FULL``: an accepted transfer survives a
power cut, not only a killed process.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from adapter.store.database import Database, Params, Row
from adapter.store.errors import DatabaseError

BUSY_TIMEOUT_MS = 30_000


class _SqliteTx:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        self._rowcount = 0

    def execute(self, sql: str, params: Params = ()) -> list[Row]:
        cursor = self._connection.execute(sql, tuple(params))
        rows = [dict(row) for row in cursor.fetchall()]
        self._rowcount = cursor.rowcount
        return rows

    @property
    def rowcount(self) -> int:
        return self._rowcount


class SqliteDatabase(Database):
    """A SQLite file shared by every thread and process that opens the same path."""

    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                # Resident data at rest: readable by the service's own user only.
                path.touch(mode=0o600)
            self._connection().execute("PRAGMA journal_mode=WAL")
        except (OSError, sqlite3.Error) as exc:
            raise DatabaseError(f"cannot open the SQLite database {path}: {exc}") from exc

    @classmethod
    def from_url(cls, url: str) -> SqliteDatabase:
        """``sqlite:///relative.db`` or ``sqlite:////absolute/path.db``."""
        return cls(Path(url.removeprefix("sqlite:///")).expanduser())

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None or getattr(self._local, "pid", None) != os.getpid():
            connection = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
            )
            connection.row_factory = sqlite3.Row
            connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            connection.execute("PRAGMA synchronous=FULL")
            connection.execute("PRAGMA foreign_keys=ON")
            self._local.connection = connection
            self._local.pid = os.getpid()
            with self._lock:
                self._all.append(connection)
        return connection

    @contextmanager
    def transaction(self, *, write: bool = False) -> Iterator[_SqliteTx]:
        try:
            connection = self._connection()
            connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        except sqlite3.Error as exc:
            raise DatabaseError(f"SQLite {self.path}: {exc}") from exc
        try:
            yield _SqliteTx(connection)
        except sqlite3.Error as exc:
            _rollback(connection)
            raise DatabaseError(f"SQLite {self.path}: {exc}") from exc
        except BaseException:
            _rollback(connection)
            raise
        try:
            connection.execute("COMMIT")
        except sqlite3.Error as exc:
            raise DatabaseError(f"SQLite {self.path}: commit failed: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            connections, self._all = self._all, []
        for connection in connections:
            connection.close()
        self._local = threading.local()

    def describe(self) -> str:
        return f"sqlite {self.path}"

    def __repr__(self) -> str:
        return f"SqliteDatabase({str(self.path)!r})"


def _rollback(connection: sqlite3.Connection) -> None:
    if connection.in_transaction:  # SQLite may have rolled back already (e.g. disk full)
        connection.execute("ROLLBACK")
