"""Mapping files: load, check against their JSON Schema, resolve code maps. Parsed once per process.

A mapping (``mappings/<name>.yaml``, YAML or JSON) describes one CSV layout as data: the files and the
column naming the resident in each (rows join on it), the columns it uses only when an export has them, the
constants a user may set on the command line, code maps, and the resident-summary fields, each fed by a column
(or a constant, an option or a template) through named transforms. No Python is written per layout.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jsonschema
import jsonschema_rs
import orjson
import yaml

from adapter.errors import MappingError
from adapter.mapping.transforms import CodeMap

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's safe loader when built with it

#: Built-in mappings ship in the repository's ``mappings/`` folder, next to the ``adapter`` package.
BUILTIN_DIR = Path(__file__).resolve().parents[2] / "mappings"

#: Reserved option: the as-of instant (``--as-of``), as an ISO date-time with offset.
AS_OF = "as_of"


@dataclass(frozen=True)
class SourceSpec:
    """One CSV file of the export and the column that names the resident in it."""

    name: str
    file: str
    key: str
    where: Any = None
    unique: tuple[str, ...] = ()
    personal: frozenset[str] = frozenset()
    #: Columns the mapping uses when the export has them (case-folded); every other column it reads is needed.
    optional: frozenset[str] = frozenset()


@dataclass(frozen=True)
class OptionSpec:
    """A constant a user gives with ``--set NAME=VALUE``."""

    name: str
    default: str | None = None
    required: bool = False
    description: str = ""


@dataclass(frozen=True)
class MappingSpec:
    """A loaded, schema-checked mapping."""

    name: str
    path: Path
    description: str
    root: str
    sources: Mapping[str, SourceSpec]
    options: Mapping[str, OptionSpec]
    maps: Mapping[str, CodeMap]
    timezone: str
    delimiter: str
    summary: Mapping[str, Any]

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def option_values(self, given: Mapping[str, str]) -> dict[str, str]:
        """The options a run uses: the user's ``--set`` values over the defaults; unknown names refused."""
        unknown = sorted(set(given) - set(self.options) - {AS_OF})
        if unknown:
            known = ", ".join(sorted(self.options)) or "none"
            raise MappingError(
                f"{self.name}: unknown --set name(s) {', '.join(unknown)} (this mapping takes: {known})"
            )
        values = {n: o.default for n, o in self.options.items() if o.default is not None}
        values.update(given)
        missing = [n for n, o in self.options.items() if o.required and not values.get(n)]
        if missing:
            raise MappingError(f"{self.name}: give --set {missing[0]}=VALUE (required by this mapping)")
        return values


@cache
def _mapping_schema() -> Any:
    return orjson.loads(
        resources.files("adapter.mapping").joinpath("schemas/mapping.schema.json").read_bytes()
    )


@cache
def _schema_validator() -> Any:
    schema = _mapping_schema()
    cls = jsonschema.validators.validator_for(schema)  # the schema itself is checked by the tests
    return cls(schema)


@cache
def _fast_validator() -> Any:
    """The same schema compiled by jsonschema-rs: says quickly whether a mapping is valid at all."""
    return jsonschema_rs.validator_for(_mapping_schema())


def builtin_names() -> list[str]:
    """Names of the mappings shipped in ``mappings/``."""
    if not BUILTIN_DIR.is_dir():
        return []
    return sorted(p.stem for p in BUILTIN_DIR.iterdir() if p.suffix in (".yaml", ".yml", ".json"))


def resolve(name_or_path: str) -> Path:
    """A built-in mapping name (``care-home-csv``, ``synthea``) or a path to a mapping file."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml", ".json") or path.is_file():
        if not path.is_file():
            raise MappingError(f"{path}: no such mapping file")
        return path
    for suffix in (".yaml", ".yml", ".json"):
        candidate = BUILTIN_DIR / f"{name_or_path}{suffix}"
        if candidate.is_file():
            return candidate
    known = ", ".join(builtin_names()) or "none installed"
    raise MappingError(f"no mapping named {name_or_path!r} (built in: {known}; or give a mapping file path)")


def _read_data_file(path: Path) -> Any:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise MappingError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        if path.suffix == ".json":
            return orjson.loads(raw)
        return yaml.load(raw.decode("utf-8"), Loader=_YAML_LOADER)  # a safe loader
    except (yaml.YAMLError, orjson.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MappingError(
            f"{path}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {exc}"
        ) from None


def _schema_errors(data: Any) -> Iterator[str]:
    if _fast_validator().is_valid(data):
        return
    for err in sorted(_schema_validator().iter_errors(data), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in err.absolute_path) or "(top level)"
        # oneOf failures are unhelpful at the top; name the deepest specific problem instead.
        best = jsonschema.exceptions.best_match([err])
        yield f"{where}: {best.message}"


def _load_map(name: str, raw: Mapping[str, Any], base: Path) -> CodeMap:
    ignore_case = bool(raw.get("ignore_case", True))
    if "file" in raw:
        path = base / str(raw["file"])
        data = _read_data_file(path)
        if not isinstance(data, dict) or not isinstance(data.get("values"), dict):
            raise MappingError(f"{path}: a code map file holds `values:` (source value -> target)")
        values = data["values"]
        ignore_case = bool(data.get("ignore_case", ignore_case))
    else:
        values = raw["values"]
    table = {(str(k).casefold() if ignore_case else str(k)): v for k, v in values.items()}
    if len(table) != len(values):
        raise MappingError(f"code map {name!r}: keys differ only in case but the map ignores case")
    return CodeMap(name, table, ignore_case)


def load(name_or_path: str) -> MappingSpec:
    """Load and check a mapping; raise MappingError naming the file and the problem."""
    path = resolve(name_or_path).resolve()
    stat = path.stat()
    return _load(path, stat.st_mtime_ns, stat.st_size)


@cache
def _load(path: Path, _mtime_ns: int, _size: int) -> MappingSpec:
    """Parsed once per process and file version (a file edited in place is read again)."""
    data = _read_data_file(path)
    problems = list(_schema_errors(data))
    if problems:
        raise MappingError(f"{path}: not a valid mapping:\n  " + "\n  ".join(problems))
    sources = {
        name: SourceSpec(
            name=name,
            file=s["file"],
            key=s["key"],
            where=s.get("where"),
            unique=tuple(s.get("unique", ())),
            personal=frozenset(c.casefold() for c in s.get("personal", ())),
            optional=frozenset(c.casefold() for c in s.get("optional_columns", ())),
        )
        for name, s in data["sources"].items()
    }
    for source in sources.values():
        joined = [c for c in (source.key, *source.unique) if c.casefold() in source.optional]
        if joined:
            raise MappingError(
                f"{path}: sources.{source.name}: {', '.join(joined)} cannot be optional "
                "(rows are joined or checked on it)"
            )
    if data["root"] not in sources:
        raise MappingError(f"{path}: root {data['root']!r} is not one of the sources ({', '.join(sources)})")
    options = {
        name: OptionSpec(
            name=name,
            default=None if o.get("default") is None else str(o["default"]),
            required=bool(o.get("required", False)),
            description=str(o.get("description", "")),
        )
        for name, o in (data.get("options") or {}).items()
    }
    if AS_OF in options:
        raise MappingError(f"{path}: option name {AS_OF!r} is reserved (it is --as-of)")
    maps = {name: _load_map(name, m, path.parent) for name, m in (data.get("maps") or {}).items()}
    timezone = str(data.get("timezone", "Europe/London"))
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise MappingError(f"{path}: unknown time zone {timezone!r}") from None
    return MappingSpec(
        name=data["name"],
        path=path,
        description=str(data.get("description", "")).strip(),
        root=data["root"],
        sources=sources,
        options=options,
        maps=maps,
        timezone=timezone,
        delimiter=str(data.get("delimiter", ",")),
        summary=data["summary"],
    )
