"""What the commands share: reading inputs, writing FHIR files, reporting errors, progress."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from adapter.errors import ContractError, RedbagError, Violation
from adapter.fhir.jsonio import dumps

T = TypeVar("T")
Json = dict[str, Any]

OK, FAILED, USAGE = 0, 1, 2


def report(source: str, error: Exception) -> None:
    """Print one failed input to stderr: file, then each JSON path and reason."""
    if isinstance(error, ContractError):
        print(f"{source}: {len(error.violations)} problem(s):", file=sys.stderr)
        for v in error.violations:
            print(f"  {v.path}: {v.message}", file=sys.stderr)
    elif isinstance(error, RedbagError):
        message = str(error)
        print(message if message.startswith(source) else f"{source}: {message}", file=sys.stderr)
    else:
        print(f"{source}: {type(error).__name__}: {error}", file=sys.stderr)


def report_warnings(source: str, warnings: list[Violation]) -> None:
    """Print an input's gaps to stderr: what travels not recorded (the red bag was still written)."""
    if not warnings:
        return
    print(f"{source}: {len(warnings)} warning(s): not recorded, marked in the red bag:", file=sys.stderr)
    for w in warnings:
        print(f"  warning {w.path}: {w.message}", file=sys.stderr)


def add_strict_option(parser: Any) -> None:
    """``--strict``: refuse an input that has warnings (a field that would travel not recorded)."""
    parser.add_argument(
        "--strict",
        action="store_true",
        help="refuse on warnings too: an input (or CSV resident) whose red bag would travel with a gap "
        "marked 'not recorded' is not converted",
    )


def write_resource(out_dir: Path, stem: str, resource: Json, fmt: str) -> Path:
    """Write ``resource`` as ``<stem>.json`` or ``<stem>.xml`` in ``out_dir``; return the path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if fmt == "xml":
        from adapter.fhir.xml import to_xml

        path = out_dir / f"{stem}.xml"
        path.write_bytes(to_xml(resource))
    else:
        path = out_dir / f"{stem}.json"
        path.write_bytes(dumps(resource))
    return path


def progress(items: Iterable[T], total: int, label: str) -> Iterator[T]:
    """Yield ``items``, drawing a progress line on stderr when it is a terminal (quiet otherwise)."""
    if not sys.stderr.isatty() or total < 2:
        yield from items
        return
    for n, item in enumerate(items, 1):
        yield item
        sys.stderr.write(f"\r{label}: {n}/{total}")
        sys.stderr.flush()
    sys.stderr.write("\n")


def add_format_option(parser: Any) -> None:
    """``--format json|xml`` for commands that write FHIR."""
    parser.add_argument(
        "--format", choices=("json", "xml"), default="json", help="FHIR output format (default: json)"
    )
