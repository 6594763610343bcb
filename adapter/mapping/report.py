"""The row-level report in ``errors.csv`` and ``errors.json``: severity, file, line, column, value, reason.

Severity ``error``: the row (and its resident) was refused. ``warning``: the resident's red bag went with a
gap, marked in the FHIR (a field that travels absent, :mod:`adapter.redbag.policy`). ``note``: the export
lacks a column the mapping uses only when present. Workers append to JSON-lines parts as they go;
:func:`write_reports` streams the notes and the parts, in key order, into the two reports. Cells that a
spreadsheet would run as a formula are neutralised in ``errors.csv`` (OWASP "CSV injection"): they get a
leading apostrophe.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

#: Characters that make a spreadsheet treat a cell as a formula or command (with full-width forms).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%", "\uff1d", "\uff0b", "\uff0d", "\uff20")
#: Longest value shown in a report.
MAX_VALUE = 200
WITHHELD = "(withheld: personal data)"

ERROR_FIELDS = ("severity", "file", "line", "column", "value", "reason", "resident")
ERROR, WARNING, NOTE = "error", "warning", "note"


@dataclass(frozen=True, slots=True)
class RowError:
    """One failing row (or cell) of the export, a gap its red bag travels with, or a note on the export."""

    file: str
    line: int | None
    column: str
    value: str
    reason: str
    resident: str
    severity: str = ERROR

    def as_list(self) -> list[Any]:
        return [self.severity, self.file, self.line, self.column, self.value, self.reason, self.resident]


@dataclass(frozen=True, slots=True)
class HeldBack:
    """A resident not converted because some of their rows failed."""

    resident: str
    bag_number: str
    file: str
    line: int
    errors: int


def shown_value(value: str, personal: bool) -> str:
    """A cell as the report shows it: withheld when personal, shortened when long."""
    if not value:
        return ""
    if personal:
        return WITHHELD
    return value if len(value) <= MAX_VALUE else value[: MAX_VALUE - 1] + "…"


def neutralise(cell: Any) -> Any:
    """A cell safe to open in a spreadsheet: text that starts like a formula gets a leading apostrophe."""
    if isinstance(cell, str) and cell.lstrip(" ").startswith(FORMULA_START):
        return "'" + cell
    return cell


class PartWriter:
    """A worker's share of the report: errors and held-back residents as JSON lines."""

    def __init__(self, errors_path: Path, held_path: Path) -> None:
        self.errors_path, self.held_path = errors_path, held_path
        self._errors: IO[bytes] = errors_path.open("wb")
        self._held: IO[bytes] = held_path.open("wb")
        self.error_count = 0
        self.warning_count = 0

    def errors(self, items: Iterable[RowError]) -> None:
        """Append rows of any severity."""
        for e in items:
            self._errors.write(orjson.dumps(e.as_list()) + b"\n")
            if e.severity == ERROR:
                self.error_count += 1
            elif e.severity == WARNING:
                self.warning_count += 1

    def held_back(self, item: HeldBack) -> None:
        self._held.write(
            orjson.dumps([item.resident, item.bag_number, item.file, item.line, item.errors]) + b"\n"
        )

    def close(self) -> None:
        self._errors.close()
        self._held.close()


def _lines(paths: Sequence[Path]) -> Iterator[list[Any]]:
    for path in paths:
        with path.open("rb") as handle:
            for raw in handle:
                yield orjson.loads(raw)


def _rows(notes: Sequence[RowError], error_parts: Sequence[Path]) -> Iterator[list[Any]]:
    for note in notes:
        yield note.as_list()
    yield from _lines(error_parts)


def write_reports(
    out_dir: Path,
    error_parts: Sequence[Path],
    held_parts: Sequence[Path],
    summary: dict[str, Any],
    notes: Sequence[RowError] = (),
) -> tuple[Path, Path]:
    """Merge the notes and the parts into ``errors.csv`` and ``errors.json`` in ``out_dir`` (written even
    when empty)."""
    csv_path, json_path = out_dir / "errors.csv", out_dir / "errors.json"
    with csv_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(ERROR_FIELDS)
        for row in _rows(notes, error_parts):
            writer.writerow([neutralise(c) for c in row])
    with json_path.open("wb") as out:
        head = orjson.dumps(summary, option=orjson.OPT_INDENT_2)
        out.write(head[:-2].rstrip() + b',\n  "errors": [')
        _write_array(
            out,
            ({k: v for k, v in zip(ERROR_FIELDS, row, strict=True)} for row in _rows(notes, error_parts)),
        )
        out.write(b',\n  "residentsHeldBack": [')
        fields = ("resident", "bagNumber", "file", "line", "errors")
        _write_array(out, ({k: v for k, v in zip(fields, row, strict=True)} for row in _lines(held_parts)))
        out.write(b"\n}\n")
    return csv_path, json_path


def _write_array(out: IO[bytes], items: Iterable[dict[str, Any]]) -> None:
    first = True
    for item in items:
        out.write(b"\n    " if first else b",\n    ")
        out.write(orjson.dumps(item))
        first = False
    out.write(b"]" if first else b"\n  ]")
