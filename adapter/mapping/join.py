"""Rows of every source joined on the resident key by one merge pass over key-ordered streams.

Each group holds, for one key, the rows of every source; memory holds one group at a time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from adapter.mapping.compiler import Rows
from adapter.mapping.csvfiles import PreparedSource, Record, read_range


@dataclass
class KeyGroup:
    """Every row with one key, by source name."""

    key: str
    rows: dict[str, Rows]


def join(sources: Sequence[PreparedSource], low: str | None, high: str | None) -> Iterator[KeyGroup]:
    """Groups for every key in ``[low, high)`` present in any source, in key order."""
    streams = [read_range(s, low, high) for s in sources]
    heads: list[Record | None] = [next(st, None) for st in streams]
    names = [s.name for s in sources]
    while True:
        keys = [h[0] for h in heads if h is not None]
        if not keys:
            return
        key = min(keys)
        rows: dict[str, Rows] = {}
        for i, stream in enumerate(streams):
            head = heads[i]
            if head is None or head[0] != key:
                continue
            taken: Rows = []
            while head is not None and head[0] == key:
                taken.append((head[1], head[2]))
                head = next(stream, None)
            heads[i] = head
            rows[names[i]] = taken
        yield KeyGroup(key, rows)
