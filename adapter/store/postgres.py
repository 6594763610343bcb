"""PostgreSQL, when a database URL says so: a connection pool, shared by every thread of a process.

Several service processes share one queue safely: claiming work locks the chosen rows with
``SELECT ... FOR UPDATE SKIP LOCKED``, so each transfer is claimed by exactly one process at a time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from adapter.store.database import Database, Params, Row
from adapter.store.errors import DatabaseError

CONNECT_TIMEOUT = 15.0


@cache
def _dialect(sql: str) -> str:
    """``?`` placeholders as psycopg's ``%s`` (the outbox's statements hold no other ``?`` or ``%``)."""
    return re.sub(r"\?", "%s", sql)


class _PostgresTx:
    def __init__(self, cursor: psycopg.Cursor[Row]) -> None:
        self._cursor = cursor

    def execute(self, sql: str, params: Params = ()) -> list[Row]:
        self._cursor.execute(_dialect(sql), tuple(params))
        return self._cursor.fetchall() if self._cursor.description else []

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount


class PostgresDatabase(Database):
    """A PostgreSQL database reached through a pool of at most ``max_connections`` connections."""

    dialect = "postgresql"

    def __init__(self, url: str, *, max_connections: int = 8) -> None:
        self._where = describe_url(url)
        self._pool: ConnectionPool[psycopg.Connection[Row]] = ConnectionPool(
            url,
            min_size=1,
            max_size=max_connections,
            kwargs={"row_factory": dict_row, "connect_timeout": int(CONNECT_TIMEOUT)},
            connection_class=psycopg.Connection[Row],
            check=ConnectionPool.check_connection,
            open=False,
            name="redbag-outbox",
        )
        try:
            self._pool.open(wait=True, timeout=CONNECT_TIMEOUT)
        except (PoolTimeout, psycopg.Error) as exc:
            self._pool.close()
            raise DatabaseError(f"cannot connect to PostgreSQL at {self._where}: {exc}") from exc

    @contextmanager
    def transaction(self, *, write: bool = False) -> Iterator[_PostgresTx]:
        try:
            with (
                self._pool.connection(timeout=CONNECT_TIMEOUT) as connection,
                connection.transaction(),
                connection.cursor() as cursor,
            ):
                yield _PostgresTx(cursor)
        except (PoolTimeout, psycopg.Error) as exc:
            raise DatabaseError(f"PostgreSQL at {self._where}: {exc}") from exc

    def close(self) -> None:
        self._pool.close()

    def describe(self) -> str:
        return f"postgresql {self._where}"

    def __repr__(self) -> str:
        return f"PostgresDatabase({self._where!r})"


def describe_url(url: str) -> str:
    """``host:port/dbname`` of a PostgreSQL URL, without user or password."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "(unreadable URL)"
    return f"{parts.get('host', 'localhost')}:{parts.get('port', 5432)}/{parts.get('dbname', '')}"
