"""Where converted red bags go: bundle files per resident, or NDJSON files per resource type.

Bundles are written as the JSON path writes them (``<bagNumber>.document.json`` and
``<bagNumber>.transaction.json``, same bytes). NDJSON follows FHIR Bulk Data: one resource per line, one file
per resource type (``Patient.ndjson``, ...), references as ``Type/id``; records shared between residents
(the care home, GP practice and hospital Organizations, the care home Location) appear once.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, Protocol

import orjson

from adapter.fhir.jsonio import dumps
from adapter.redbag.context import SHARED_TYPES

Json = dict[str, Any]

_RESOURCE_FILE = re.compile(r"[A-Z][A-Za-z]+\.ndjson")


class Sink(Protocol):
    """Receives each converted resident's bundles; returns how many resources it wrote."""

    #: True: :meth:`write` writes each resource on its own, so it takes the document built with ``Type/id``
    #: references and no transaction (``None``). False: it takes the document and the transaction Bundle.
    resources_alone: bool

    def write(self, bag_number: str, document: Json, transaction: Json | None) -> int: ...

    def discard(self, bag_number: str) -> None: ...

    def close(self) -> None: ...


class BundleFiles:
    """``<bag>.document.json`` / ``<bag>.transaction.json`` (or ``.xml``) per resident in ``out_dir``."""

    def __init__(self, out_dir: Path, fmt: str = "json") -> None:
        self.out_dir, self.fmt = out_dir, fmt
        out_dir.mkdir(parents=True, exist_ok=True)

    def _encode(self, resource: Json) -> bytes:
        if self.fmt == "xml":
            from adapter.fhir.xml import to_xml  # XML is a cold path: load its models only when asked

            return to_xml(resource)
        return dumps(resource)

    resources_alone = False

    def write(self, bag_number: str, document: Json, transaction: Json | None) -> int:
        if transaction is None:  # the worker builds it because resources_alone is False
            raise TypeError("bundle files need the transaction Bundle")
        (self.out_dir / f"{bag_number}.document.{self.fmt}").write_bytes(self._encode(document))
        (self.out_dir / f"{bag_number}.transaction.{self.fmt}").write_bytes(self._encode(transaction))
        return len(document["entry"])

    def discard(self, bag_number: str) -> None:
        """Remove a previous run's bundles of a resident held back now: no stale red bag is left behind."""
        for kind in ("document", "transaction"):
            (self.out_dir / f"{bag_number}.{kind}.{self.fmt}").unlink(missing_ok=True)

    def close(self) -> None:
        return None


_MARK = b'"reference":"urn:uuid:'
_UUID_LENGTH = 36


def ndjson_lines(
    document: Json, skip: Callable[[str, str], bool] | None = None
) -> Iterator[tuple[str, str, bytes]]:
    """``(resourceType, id, line)`` for every resource of a red bag (but those ``skip(type, id)`` names).

    References are ``Type/id``: a document built with relative references has nothing else, and a
    ``urn:uuid`` reference to a resource of the document is rewritten here.
    """
    entries = document["entry"]
    relative: dict[bytes, bytes] | None = None
    for e in entries:
        resource = e["resource"]
        rtype, rid = resource["resourceType"], resource["id"]
        if skip is not None and skip(rtype, rid):
            continue
        line = orjson.dumps(resource, option=orjson.OPT_APPEND_NEWLINE)
        if _MARK in line:
            if relative is None:
                relative = {
                    o["resource"]["id"].encode(): b'"reference":"'
                    + o["resource"]["resourceType"].encode()
                    + b"/"
                    for o in entries
                }
            line = _relative_references(line, relative)
        yield rtype, rid, line


def _relative_references(line: bytes, relative: dict[bytes, bytes]) -> bytes:
    """``urn:uuid`` references to the resources in ``relative`` (id -> reference start) made ``Type/id``.

    orjson escapes every newline and quote inside strings, so the marker can only be a reference's start.
    """
    pieces = line.split(_MARK)
    parts = [pieces[0]]
    for piece in pieces[1:]:  # a reference to something outside the document stays as it is
        parts += (relative.get(piece[:_UUID_LENGTH], _MARK), piece)
    return b"".join(parts)


class NdjsonParts:
    """One worker's NDJSON: ``<Type>.<n>.ndjson`` and ``<Type>.<n>.shared.ndjson`` in a parts folder."""

    def __init__(self, parts_dir: Path, worker: int) -> None:
        self.parts_dir, self.worker = parts_dir, worker
        self.handles: dict[str, IO[bytes]] = {}
        self.seen_shared: set[str] = set()

    def _open(self, rtype: str) -> IO[bytes]:
        suffix = ".shared.ndjson" if rtype in SHARED_TYPES else ".ndjson"
        handle = (self.parts_dir / f"{rtype}.{self.worker:03d}{suffix}").open("wb", buffering=1 << 17)
        self.handles[rtype] = handle
        return handle

    resources_alone = True

    def _written_before(self, rtype: str, rid: str) -> bool:
        """A shared record (an organisation, the care home) this worker has written already."""
        if rtype not in SHARED_TYPES:
            return False
        if rid in self.seen_shared:
            return True
        self.seen_shared.add(rid)
        return False

    def write(self, bag_number: str, document: Json, transaction: Json | None) -> int:
        written = 0
        handles = self.handles
        for rtype, _, line in ndjson_lines(document, self._written_before):
            (handles.get(rtype) or self._open(rtype)).write(line)
            written += 1
        return written

    def discard(self, bag_number: str) -> None:
        return None  # nothing of a held-back resident is ever written

    def close(self) -> None:
        for handle in self.handles.values():
            handle.close()


def merge_ndjson(parts_dir: Path, out_dir: Path, workers: int) -> tuple[list[Path], int]:
    """Concatenate the workers' parts per resource type in worker (= key) order; shared records once.

    Returns the files written and how many shared records two workers had both written (dropped here).
    """
    types = sorted({p.name.split(".", 1)[0] for p in parts_dir.glob("*.ndjson")})
    for old in out_dir.glob("*.ndjson"):  # a type written by an earlier run and absent now must not linger
        if _RESOURCE_FILE.fullmatch(old.name) and old.name.split(".", 1)[0] not in types:
            old.unlink()
    written, dropped = [], 0
    for rtype in types:
        target = out_dir / f"{rtype}.ndjson"
        shared = [p for w in range(workers) if (p := parts_dir / f"{rtype}.{w:03d}.shared.ndjson").exists()]
        pieces = [p for w in range(workers) if (p := parts_dir / f"{rtype}.{w:03d}.ndjson").exists()]
        if shared:
            with target.open("wb") as out:
                dropped += _merge_shared(shared, out)
        if pieces:  # the first part becomes the file (a rename), the others are appended to it
            with pieces[0].open("ab") as out:
                for piece in pieces[1:]:
                    with piece.open("rb") as handle:
                        shutil.copyfileobj(handle, out, 1 << 20)
            if shared:  # a type is either shared between residents or not; never both, but be safe
                with target.open("ab") as out, pieces[0].open("rb") as handle:
                    shutil.copyfileobj(handle, out, 1 << 20)
            else:
                pieces[0].replace(target)
        written.append(target)
    return written, dropped


def _merge_shared(paths: Sequence[Path], out: IO[bytes]) -> int:
    seen: set[str] = set()
    dropped = 0
    for path in paths:
        with path.open("rb") as handle:
            for line in handle:
                rid = orjson.loads(line)["id"]
                if rid in seen:
                    dropped += 1
                else:
                    seen.add(rid)
                    out.write(line)
    return dropped
