"""Streaming CSV reading for exports: encodings, line numbers, key order, external sort, a sparse index.

Every source file is read once up front (:func:`prepare`): its encoding is settled (UTF-8 with or without a
byte-order mark, else Windows-1252), its rows are checked to be in key order, and every ``INDEX_EVERY``-th
record's key, byte offset and line number is kept. A file out of key order is sorted on disk (runs of
``SORT_RUN`` rows merged with :func:`heapq.merge`) into a JSON-lines copy. Workers then read any key range
of any file by seeking, so memory stays flat however many residents the export holds.

Line numbers are physical lines as an editor shows them (the header is line 1); a record with a quoted line
break is reported at the line where it starts.
"""

from __future__ import annotations

import csv
import heapq
import itertools
import time
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import orjson

from adapter.errors import MappingError

#: Keep one index entry per this many records.
INDEX_EVERY = 256
#: Rows held in memory per run when a file must be sorted on disk.
SORT_RUN = 50_000
#: A single cell larger than this is a runaway quote, not data.
csv.field_size_limit(1 << 24)

UTF8, CP1252 = "utf-8", "cp1252"

Record = tuple[str, int, list[str]]  # (key, line, cells)


@dataclass(frozen=True)
class Checkpoint:
    """Where a record starts: its key, byte offset and line number."""

    key: str
    offset: int
    line: int


@dataclass(frozen=True)
class PreparedSource:
    """A source file ready to be read by key range."""

    name: str
    file: str  # the file name in the export, for reports
    path: str  # what is read: the CSV itself, or its sorted JSON-lines copy
    sorted_copy: bool
    encoding: str
    delimiter: str
    header: tuple[str, ...]
    key_index: int
    start: Checkpoint
    index: tuple[Checkpoint, ...]
    rows: int


@dataclass(frozen=True)
class Header:
    """What the first record of a file says, and how the file is encoded as far as the header shows."""

    columns: tuple[str, ...]
    encoding: str
    data_offset: int
    data_line: int


class _Lines:
    """Decoded physical lines of a binary file; ``offset``: where the next starts; ``line``: the last read."""

    __slots__ = ("encoding", "handle", "line", "offset")

    def __init__(self, handle: IO[bytes], encoding: str, offset: int, line: int) -> None:
        self.handle, self.encoding, self.offset, self.line = handle, encoding, offset, line

    def __iter__(self) -> Iterator[str]:
        encoding = self.encoding
        for raw in self.handle:
            self.offset += len(raw)
            self.line += 1
            yield raw.decode(encoding)


def _bom(head: bytes, path: Path) -> int:
    if head.startswith(b"\xef\xbb\xbf"):
        return 3
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise MappingError(f"{path}: UTF-16 text is not supported: save the file as CSV UTF-8")
    return 0


def read_header(path: Path, delimiter: str) -> Header:
    """The header of ``path``: column names (trimmed), a first guess at the encoding, where data starts."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise MappingError(f"{path}: no such file") from None
    except OSError as exc:
        raise MappingError(f"{path}: cannot read ({exc.strerror})") from None
    with handle:
        skip = _bom(handle.read(4), path)
        for encoding in (UTF8, CP1252):
            handle.seek(skip)
            lines = _Lines(handle, encoding, skip, 0)
            try:
                first = next(csv.reader(lines, delimiter=delimiter), None)
            except UnicodeDecodeError:
                continue
            except csv.Error as exc:
                raise MappingError(f"{path} line 1: malformed CSV header ({exc})") from None
            if not first or not any(c.strip() for c in first):
                raise MappingError(f"{path}: empty file or blank header line")
            return Header(tuple(c.strip() for c in first), encoding, lines.offset, lines.line + 1)
    raise MappingError(f"{path}: header is neither UTF-8 nor Windows-1252 text")


def records(
    path: str, encoding: str, delimiter: str, start: Checkpoint, key_index: int
) -> Iterator[tuple[int, Record]]:
    """``(offset, (key, line, cells))`` per record of a CSV from ``start``: cells trimmed, blanks skipped."""
    with open(path, "rb") as handle:  # noqa: PTH123 - a str path from a pickled work order
        handle.seek(start.offset)
        lines = _Lines(handle, encoding, start.offset, start.line - 1)
        reader = csv.reader(lines, delimiter=delimiter)
        while True:
            offset, line = lines.offset, lines.line + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise MappingError(f"{path} line {line}: malformed CSV ({exc})") from None
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            cells = list(map(str.strip, cells))
            yield offset, (cells[key_index] if key_index < len(cells) else "", line, cells)


def sorted_records(path: str, start: Checkpoint) -> Iterator[tuple[int, Record]]:
    """``(offset, (key, line, cells))`` from a sorted JSON-lines copy, from ``start``."""
    with open(path, "rb") as handle:  # noqa: PTH123
        handle.seek(start.offset)
        offset = start.offset
        for raw in handle:
            key, line, cells = orjson.loads(raw)
            yield offset, (key, line, cells)
            offset += len(raw)


def read_range(source: PreparedSource, low: str | None, high: str | None) -> Iterator[Record]:
    """The records of ``source`` whose key is in ``[low, high)`` (``None``: unbounded), in key order."""
    start = source.start
    if low is not None:
        for point in source.index:
            if point.key >= low:
                break
            start = point
    stream = (
        sorted_records(source.path, start)
        if source.sorted_copy
        else records(source.path, source.encoding, source.delimiter, start, source.key_index)
    )
    for _, record in stream:
        key = record[0]
        if low is not None and key < low:
            continue
        if high is not None and key >= high:
            return
        yield record


@dataclass
class Scan:
    """What one pass over a file found."""

    rows: int
    in_order: bool
    index: list[Checkpoint]
    unique_hashes: array[int] | None


def _scan(
    path: Path, header: Header, encoding: str, delimiter: str, key_index: int, unique: list[int] | None
) -> Scan:
    start = Checkpoint("", header.data_offset, header.data_line)
    rows, in_order, previous = 0, True, ""
    index: list[Checkpoint] = []
    hashes = array("q") if unique else None
    for offset, (key, line, cells) in records(str(path), encoding, delimiter, start, key_index):
        if in_order:
            if key < previous:
                in_order = False
            elif rows % INDEX_EVERY == 0:
                index.append(Checkpoint(key, offset, line))
            previous = key
        if hashes is not None and unique is not None:
            values = tuple(cells[i] if i < len(cells) else "" for i in unique)
            if all(values):
                hashes.append(hash(values))
        rows += 1
    return Scan(rows, in_order, index, hashes)


def _write_run(run: list[Record], folder: Path, n: int) -> Path:
    run.sort(key=lambda r: (r[0], r[1]))
    path = folder / f"run-{n:05d}.jsonl"
    with path.open("wb") as out:
        out.writelines(orjson.dumps(r) + b"\n" for r in run)
    return path


def _read_run(path: Path) -> Iterator[Record]:
    with path.open("rb") as handle:
        for raw in handle:
            key, line, cells = orjson.loads(raw)
            yield key, line, cells


def _sort_on_disk(
    path: Path, header: Header, encoding: str, delimiter: str, key_index: int, folder: Path, name: str
) -> tuple[Path, list[Checkpoint]]:
    """Sort a file's records by (key, line) into a JSON-lines copy; return it with its sparse index."""
    work = folder / f"sort-{name}"
    work.mkdir()
    runs: list[Path] = []
    run: list[Record] = []
    start = Checkpoint("", header.data_offset, header.data_line)
    for _, record in records(str(path), encoding, delimiter, start, key_index):
        run.append(record)
        if len(run) >= SORT_RUN:
            runs.append(_write_run(run, work, len(runs)))
            run = []
    if run or not runs:
        runs.append(_write_run(run, work, len(runs)))
    merged: Iterable[Record] = heapq.merge(*(_read_run(r) for r in runs), key=lambda r: (r[0], r[1]))
    target = folder / f"{name}.sorted.jsonl"
    index: list[Checkpoint] = []
    offset = 0
    with target.open("wb") as out:
        for n, record in enumerate(merged):
            data = orjson.dumps(record) + b"\n"
            if n % INDEX_EVERY == 0:
                index.append(Checkpoint(record[0], offset, record[1]))
            out.write(data)
            offset += len(data)
    for r in runs:
        r.unlink()
    work.rmdir()
    return target, index


@dataclass(frozen=True)
class PrepareOrder:
    """Everything needed to prepare one source (picklable, for a worker process)."""

    name: str
    path: str
    delimiter: str
    key: str
    unique: tuple[str, ...]
    work_dir: str


@dataclass(frozen=True)
class Prepared:
    """A prepared source, and for a file with ``unique`` columns the rows that share their values."""

    source: PreparedSource
    duplicates: tuple[tuple[str, int, str, str], ...]  # (key, line, column, reason)
    cpu_seconds: float = 0.0


def _column_index(header: Header, column: str, path: Path) -> int:
    wanted = column.casefold()
    for i, c in enumerate(header.columns):
        if c.casefold() == wanted:
            return i
    raise MappingError(f"{path}: no column {column!r}")


def prepare(order: PrepareOrder) -> Prepared:
    """Settle encoding and key order of one file, sorting it on disk when needed; index it."""
    started = time.process_time()
    path = Path(order.path)
    header = read_header(path, order.delimiter)
    key_index = _column_index(header, order.key, path)
    unique = [_column_index(header, c, path) for c in order.unique] or None
    encoding = header.encoding
    try:
        scan = _scan(path, header, encoding, order.delimiter, key_index, unique)
    except UnicodeDecodeError:
        encoding = CP1252  # not UTF-8 after all: a spreadsheet's "CSV" is often Windows-1252
        try:
            scan = _scan(path, header, encoding, order.delimiter, key_index, unique)
        except UnicodeDecodeError as exc:
            raise MappingError(
                f"{path}: neither UTF-8 nor Windows-1252 (byte 0x{exc.object[exc.start]:02x}); "
                "save it as CSV UTF-8"
            ) from None
    read_path, index, sorted_copy = path, scan.index, False
    if not scan.in_order:
        read_path, index = _sort_on_disk(
            path, header, encoding, order.delimiter, key_index, Path(order.work_dir), order.name
        )
        sorted_copy = True
    start = Checkpoint("", 0, 0) if sorted_copy else Checkpoint("", header.data_offset, header.data_line)
    source = PreparedSource(
        name=order.name,
        file=path.name,
        path=str(read_path),
        sorted_copy=sorted_copy,
        encoding=encoding,
        delimiter=order.delimiter,
        header=header.columns,
        key_index=key_index,
        start=start,
        index=tuple(index),
        rows=scan.rows,
    )
    duplicates: tuple[tuple[str, int, str, str], ...] = ()
    if unique and scan.unique_hashes is not None:
        duplicates = _find_duplicates(path, header, encoding, order, key_index, unique, scan.unique_hashes)
    return Prepared(source, duplicates, time.process_time() - started)


_HASHES_PER_BUCKET = 16_384


def _find_duplicates(
    path: Path,
    header: Header,
    encoding: str,
    order: PrepareOrder,
    key_index: int,
    unique: list[int],
    hashes: array[int],
) -> tuple[tuple[str, int, str, str], ...]:
    """Rows whose ``unique`` columns repeat another row's (a second pass only when hashes collide)."""
    # Sorted a bucket at a time: sorting all hashes at once would hold a Python int per resident.
    buckets = [array("q") for _ in range(max(1, len(hashes) // _HASHES_PER_BUCKET))]
    for h in hashes:
        buckets[h % len(buckets)].append(h)
    clashing: set[int] = set()
    for bucket in buckets:
        ordered = sorted(bucket)
        clashing.update(a for a, b in itertools.pairwise(ordered) if a == b)
    del buckets
    if not clashing:
        return ()
    seen: dict[tuple[str, ...], list[tuple[str, int]]] = {}
    start = Checkpoint("", header.data_offset, header.data_line)
    for _, (key, line, cells) in records(str(path), encoding, order.delimiter, start, key_index):
        values = tuple(cells[i] if i < len(cells) else "" for i in unique)
        if all(values) and hash(values) in clashing:
            seen.setdefault(values, []).append((key, line))
    names = ", ".join(order.unique)
    found = []
    for rows in seen.values():
        if len(rows) < 2:
            continue
        for key, line in rows:
            others = "; ".join(f"line {ln} (resident {k!r})" for k, ln in rows if ln != line)
            found.append((key, line, order.unique[0], f"duplicate {names}: also on {others}"))
    return tuple(found)


def partition(root: PreparedSource, parts: int) -> list[tuple[str | None, str | None]]:
    """Split the key space into up to ``parts`` ranges holding about as many residents each."""
    points = sorted({p.key for p in root.index[1:]})
    if parts <= 1 or not points:
        return [(None, None)]
    step = len(points) / parts
    bounds = sorted({points[min(int(step * i), len(points) - 1)] for i in range(1, parts)})
    edges: list[str | None] = [None, *bounds, None]
    return list(itertools.pairwise(edges))
