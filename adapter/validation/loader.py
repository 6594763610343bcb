"""Definitions: every StructureDefinition, ValueSet and CodeSystem the validator can see, by canonical URL.

Sources, highest precedence first: definitions passed by the caller, the red-bag ``profiles/`` folder,
the extensions pack, R4 core, and HL7 terminology (THO). Package resources are read lazily from the
package cache through its ``.index.json``; caller and profile files are parsed once, given snapshots
when they only carry a differential, and kept in a pickle under ``~/.cache/redbag`` keyed by file
paths, sizes and mtimes, so a warm load only stats files.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from adapter.errors import ValidationSetupError
from adapter.validation import packages
from adapter.validation.package_fixes import fix_loaded
from adapter.validation.snapshot import SnapshotError, SnapshotGenerator
from adapter.validation.structure import SD_PREFIX, ElementNode, StructureInfo, compile_structure
from adapter.validation.xml_input import xml_to_json

DEFINITION_TYPES = frozenset({"StructureDefinition", "ValueSet", "CodeSystem", "ConceptMap", "NamingSystem"})
CACHE_FORMAT = 3  # bump when the cached layout changes
KEEP_CACHE_FILES = 8  # definition sets kept in the cache folder (the most recently written)
PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PROFILES = PROJECT_ROOT / "profiles"


@dataclass(slots=True)
class Entry:
    """Where a definition lives: a file in a package (read on demand) or a resource already parsed."""

    resource_type: str
    url: str
    version: str | None
    file: str | None = None
    resource: dict[str, Any] | None = None
    source: str = ""


def cache_dir() -> Path:
    """``$REDBAG_CACHE_DIR`` or ``~/.cache/redbag``."""
    override = os.environ.get("REDBAG_CACHE_DIR")
    return Path(override).expanduser() if override else Path.home() / ".cache" / "redbag"


def _skipped(f: Path, top: Path) -> bool:
    parts = f.relative_to(top).parts[:-1]
    return any(p == "node_modules" or p.startswith(".") for p in parts)


def _definition_files(paths: Iterable[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(
                sorted(
                    f
                    for f in p.rglob("*")
                    if f.suffix in (".json", ".xml") and f.is_file() and not _skipped(f, p)
                )
            )
        elif p.is_file():
            out.append(p)
        else:
            raise ValidationSetupError(f"definition file {p} does not exist")
    return out


# The code that shapes what is cached (snapshot generation, errata): a change to it is a new cache key.
_CODE = tuple(
    Path(__file__).with_name(n) for n in ("loader.py", "snapshot.py", "package_fixes.py", "xml_input.py")
)


def _fingerprint(items: Sequence[Path]) -> str:
    h = hashlib.sha256(f"redbag-defs-{CACHE_FORMAT}".encode())
    items = [*_CODE, *items]
    for p in items:
        try:
            st = p.stat()
        except OSError:
            h.update(f"{p}:missing".encode())
            continue
        h.update(f"{p.resolve()}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:32]


class Definitions:
    """Canonical resources by URL, with compiled validation plans built on first use."""

    def __init__(self, entries: dict[str, Entry], package_dirs: list[Path]) -> None:
        self._entries = entries
        self.package_dirs = package_dirs
        self._loaded: dict[str, dict[str, Any]] = {}
        self._structures: dict[str, StructureInfo | None] = {}
        self.snapshot_messages: dict[str, list[str]] = {}
        self._kinds: dict[str, str] = {}

    # -- building ---------------------------------------------------------------------------------------

    @classmethod
    def load(
        cls,
        extra: Sequence[str | Path] = (),
        profiles_dir: Path | None = DEFAULT_PROFILES,
        package_root: Path | None = None,
        use_cache: bool = True,
    ) -> Definitions:
        """Core + packages + ``profiles_dir`` + ``extra`` files (JSON or XML, files or folders)."""
        pkg_dirs = packages.require_installed(package_root)
        local_sources = [Path(p) for p in ([profiles_dir] if profiles_dir and profiles_dir.is_dir() else [])]
        profile_files = [f for f in _definition_files(local_sources) if f.suffix == ".json"]
        extra_files = _definition_files(Path(p) for p in extra)
        index_files = [d / ".index.json" for d in pkg_dirs]
        key = _fingerprint([*index_files, *profile_files, *extra_files])
        cache_file = cache_dir() / f"definitions-{key}.pickle"
        if use_cache and cache_file.is_file():
            try:
                with cache_file.open("rb") as fh:
                    entries = pickle.load(fh)
                return cls(entries, pkg_dirs)
            except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
                pass  # rebuild below
        defs = cls(cls._package_entries(pkg_dirs), pkg_dirs)
        for f in profile_files:
            defs.add_file(f, source="profiles", strict=False)
        for f in extra_files:
            defs.add_file(f, source="extra")
        defs.complete_snapshots()
        if use_cache:
            defs._save(cache_file)
        return defs

    @staticmethod
    def _package_entries(pkg_dirs: list[Path]) -> dict[str, Entry]:
        # precedence: extensions pack > core > terminology (PACKAGES order is core, terminology, extensions)
        order = {packages.EXTENSIONS.name: 0, packages.CORE.name: 1, packages.TERMINOLOGY.name: 2}
        ranked = sorted(pkg_dirs, key=lambda d: order.get(d.parent.name.split("#")[0], 9), reverse=True)
        entries: dict[str, Entry] = {}
        for d in ranked:
            index = orjson.loads((d / ".index.json").read_bytes())
            for f in index.get("files", []):
                rtype = f.get("resourceType")
                url = f.get("url")
                if rtype in DEFINITION_TYPES and url:
                    entries[url] = Entry(
                        rtype, url, f.get("version"), file=str(d / f["filename"]), source=d.parent.name
                    )
        return entries

    def _save(self, cache_file: Path) -> None:
        try:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache_file.with_suffix(f".{os.getpid()}.tmp")
            with tmp.open("wb") as fh:
                pickle.dump(self._entries, fh, protocol=pickle.HIGHEST_PROTOCOL)
            tmp.replace(cache_file)
            old = sorted(cache_file.parent.glob("definitions-*.pickle"), key=lambda f: f.stat().st_mtime)
            for stale in old[:-KEEP_CACHE_FILES]:
                stale.unlink(missing_ok=True)
        except OSError:
            pass  # a read-only home is not fatal: the next load rebuilds

    def add_file(self, path: Path, source: str = "extra", strict: bool = True) -> list[dict[str, Any]]:
        """Parse a definition file (JSON or XML; a Bundle contributes its entries) and add its resources.

        ``strict=False`` (the profiles folder) skips files that are not FHIR resources, such as
        package.json or sushi-config files.
        """
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ValidationSetupError(f"cannot read definition file {path}: {exc}") from exc
        try:
            resource = self.parse_definition(raw, str(path))
        except ValidationSetupError:
            if strict:
                raise
            return []
        added = []
        for res in _unbundle(resource):
            if self.add(res, source=f"{source}:{path}"):
                added.append(res)
        return added

    def parse_definition(self, raw: bytes, name: str) -> dict[str, Any]:
        """A definition resource from JSON or XML bytes; ValidationSetupError when unreadable."""
        raw = raw.removeprefix(b"\xef\xbb\xbf")
        text = raw.lstrip()
        if text.startswith(b"<"):
            resource, issues = xml_to_json(raw, self)
            fatal = [i for i in issues if i.severity in ("fatal",)]
            if resource is None or fatal:
                msg = fatal[0].message if fatal else "not a FHIR resource"
                raise ValidationSetupError(f"{name}: {msg}")
            return resource
        try:
            res = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise ValidationSetupError(f"{name}: invalid JSON ({exc})") from exc
        if not isinstance(res, dict) or "resourceType" not in res:
            raise ValidationSetupError(f"{name}: not a FHIR resource (no resourceType)")
        return res

    def add(self, res: dict[str, Any], source: str = "runtime") -> bool:
        """Add (or replace) a canonical resource; False when it is not a definition type."""
        rtype = res.get("resourceType")
        url = res.get("url")
        if rtype not in DEFINITION_TYPES or not isinstance(url, str):
            return False
        res = dict(res)  # a generated snapshot goes on our copy, not the caller's dict
        entry = Entry(str(rtype), url, res.get("version"), resource=res, source=source)
        self._entries[url] = entry
        if res.get("version"):
            self._entries[f"{url}|{res['version']}"] = entry
        self._loaded.pop(url, None)
        if rtype == "StructureDefinition":
            self._invalidate()
        return True

    def _invalidate(self) -> None:
        """Forget compiled plans that may depend on runtime additions (package plans stay)."""
        self._structures = {
            k: v
            for k, v in self._structures.items()
            if v is not None and (e := self._entries.get(v.url)) is not None and e.file is not None
        }

    def complete_snapshots(self) -> None:
        """Generate snapshots for every parsed StructureDefinition that has only a differential."""
        for entry in list(self._entries.values()):
            if entry.resource is not None and entry.resource_type == "StructureDefinition":
                self.structure_definition(entry.url)

    # -- lookup -----------------------------------------------------------------------------------------

    def entry(self, url: str) -> Entry | None:
        """The index entry for a canonical URL (``url|version`` accepted)."""
        e = self._entries.get(url)
        if e is None and "|" in url:
            e = self._entries.get(url.split("|", 1)[0])
        return e

    def resource(self, url: str) -> dict[str, Any] | None:
        """The resource with this canonical URL, loaded on first use."""
        e = self.entry(url)
        if e is None:
            return None
        if e.resource is not None:
            return e.resource
        cached = self._loaded.get(e.url)
        if cached is not None:
            return cached
        assert e.file is not None
        try:
            res: dict[str, Any] = orjson.loads(Path(e.file).read_bytes())
        except (OSError, orjson.JSONDecodeError) as exc:
            raise ValidationSetupError(f"cannot read {e.file} ({e.url}): {exc}") from exc
        self._loaded[e.url] = fix_loaded(res, e.source)
        return res

    def has(self, url: str) -> bool:
        """True when the URL is known."""
        return self.entry(url) is not None

    def structure_definition(self, url: str) -> dict[str, Any] | None:
        """A StructureDefinition by URL or core type name, with a snapshot (generated when missing)."""
        if "/" not in url and ":" not in url:
            url = SD_PREFIX + url
        res = self.resource(url)
        if res is None or res.get("resourceType") != "StructureDefinition":
            return None
        if "snapshot" not in res and res.get("differential"):
            gen = SnapshotGenerator(self.structure_definition)
            key = str(res.get("url"))
            self.snapshot_messages[key] = []  # guards against a profile deriving from itself
            try:
                elements = gen.generate(res)
            except SnapshotError as exc:
                self.snapshot_messages[key] = [str(exc)]
                return None
            res["snapshot"] = {"element": elements}
            self.snapshot_messages[key] = gen.messages
        return res

    def structure(self, url: str) -> StructureInfo | None:
        """The compiled validation plan of a StructureDefinition (URL or core type name)."""
        if url in self._structures:
            return self._structures[url]
        sd = self.structure_definition(url)
        info = compile_structure(sd) if sd is not None and "snapshot" in sd else None
        self._structures[url] = info
        return info

    def holder(self, node: ElementNode, type_code: str | None = None) -> ElementNode | None:
        """The node whose children describe an instance of ``node`` (its own, its type's, or the
        element named by its contentReference)."""
        if node.children:
            return node
        if node.content_ref and node.structure is not None:
            target = node.structure.by_id.get(node.content_ref)
            if target is not None and target is not node:
                return self.holder(target, type_code)
        code = type_code or (node.types[0].code if len(node.types) == 1 else None)
        if not code:
            return None
        info = self.structure(code)
        return info.root if info is not None else None

    def kind(self, type_code: str) -> str:
        """``primitive-type``, ``complex-type``, ``resource``, ``logical`` or '' for unknown types."""
        k = self._kinds.get(type_code)
        if k is None:
            info = self.structure(type_code)
            k = info.kind if info is not None else ""
            self._kinds[type_code] = k
        return k

    def is_primitive(self, type_code: str) -> bool:
        """True for primitive data types (string, code, dateTime, ...)."""
        return self.kind(type_code) == "primitive-type"

    def is_resource_type(self, name: str) -> bool:
        """True for resource type names (Patient, Bundle, Resource, DomainResource, ...)."""
        return self.kind(name) == "resource"

    def value_set(self, url: str) -> dict[str, Any] | None:
        """A ValueSet by canonical URL."""
        res = self.resource(url)
        return res if res is not None and res.get("resourceType") == "ValueSet" else None

    def code_system(self, url: str) -> dict[str, Any] | None:
        """A CodeSystem by canonical URL."""
        res = self.resource(url)
        return res if res is not None and res.get("resourceType") == "CodeSystem" else None

    def copy(self) -> Definitions:
        """A copy that can take extra definitions without changing this one (compiled plans are shared)."""
        twin = Definitions(dict(self._entries), self.package_dirs)
        twin._loaded = self._loaded
        twin._structures = dict(self._structures)
        twin._invalidate()
        twin._kinds = self._kinds
        return twin


def _unbundle(res: dict[str, Any]) -> list[dict[str, Any]]:
    if res.get("resourceType") == "Bundle":
        return [e["resource"] for e in res.get("entry", []) if isinstance(e.get("resource"), dict)]
    return [res]
