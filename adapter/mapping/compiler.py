"""A mapping's ``summary:`` template compiled once into closures that build one resident summary.

Node forms (see docs/care-home-csv.md, "Writing a mapping"):

- ``"column_name"`` or ``{column: ..., transform: ..., required: ..., default: ..., when: ...}``: a cell of
  the current row (the resident's row, or the item's row inside ``each``); ``column: [a, b]`` gives the
  list of non-empty cells; ``const``, ``option`` (``--set``), ``template`` (``"RB-{Id}"``, ``{@option}``)
  and ``count`` (rows merged by ``distinct_by``) instead of ``column``;
- ``{each: source, where: ..., item: node, distinct_by: ..., omit_empty: ...}``: one item per row;
- ``{any: source, where: ..., value: v}`` / ``{none: ...}``: ``v`` when some (no) row matches;
- a YAML list: a fixed list of items; a mapping of field names: an object (``$required``, ``$when``).

A value that is empty is omitted (an object with nothing in it too), unless ``default`` or ``required``
says otherwise. Every cell that fails its transform is recorded as a problem; the resident is then held back.
"""

from __future__ import annotations

import operator
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any, Final

import orjson

from adapter.errors import MappingError
from adapter.mapping.spec import AS_OF, MappingSpec
from adapter.mapping.transforms import CellError, Context, Transform, chain, parse_date
from adapter.redbag.contract import SUMMARY_SCHEMA, schema_text

Json = dict[str, Any]
Row = list[str]
Rows = list[tuple[int, Row]]
Group = Mapping[str, Rows]


class _Missing:
    """The value of a field that is omitted from the summary."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()


@dataclass(frozen=True, slots=True)
class CellProblem:
    """A cell (or row) that cannot go into the summary: source, line, column, raw value and why."""

    source: str
    line: int | None
    column: str
    value: str
    reason: str


class Problems:
    """The problems found while building one resident's summary."""

    __slots__ = ("items", "seen")

    def __init__(self) -> None:
        self.items: list[CellProblem] = []
        self.seen: set[tuple[str, int | None, str, str]] = set()

    def add(self, source: str, line: int | None, column: str, value: Any, reason: str) -> None:
        mark = (source, line, column, reason)
        if mark in self.seen:  # a row read by two fields (a list and a flag) is reported once
            return
        self.seen.add(mark)
        shown = "; ".join(value) if isinstance(value, list) else str(value)
        self.items.append(CellProblem(source, line, column, shown, reason))


# fn(row, line, problems, count, group, provenance) -> value | MISSING
Node = Callable[[Row, int, Problems, int, Group, dict[str, list[int]]], Any]
Predicate = Callable[[Row, int, Problems], bool]


#: The index of an optional column the export does not have: past the end of every row, so it reads empty.
ABSENT: Final = sys.maxsize


class Layout:
    """Column positions per source, from the files' headers; records what a mapping reads, and what it does
    without the optional columns an export lacks."""

    def __init__(
        self,
        headers: Mapping[str, Sequence[str]] | None = None,
        optional: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        self.headers = (
            {s: {c.strip().casefold(): i for i, c in enumerate(cols)} for s, cols in headers.items()}
            if headers is not None
            else None
        )
        self.optional = optional or {}
        self.read: dict[str, set[str]] = {}
        #: (source, column) of each optional column the export lacks -> what the mapping does without it.
        self.missing: dict[tuple[str, str], list[str]] = {}

    def is_optional(self, source: str, column: str) -> bool:
        return column.casefold() in self.optional.get(source, frozenset())

    def index(self, source: str, column: str) -> int:
        """Where ``column`` is in ``source``'s rows (:data:`ABSENT`: an optional column the export lacks)."""
        self.read.setdefault(source, set()).add(column)
        if self.headers is None:
            return 0
        try:
            return self.headers[source][column.casefold()]
        except KeyError:
            if self.is_optional(source, column):
                self.missing.setdefault((source, column), [])
                return ABSENT
            raise MappingError(f"source {source!r} has no column {column!r}") from None

    def without(self, source: str, column: str, outcome: str) -> None:
        """Record what a field does because an optional column is absent (for the report's notes)."""
        self.missing.setdefault((source, column), []).append(outcome)


@dataclass
class Built:
    """One resident's summary (None when the mapping's ``where`` leaves the resident out) and its problems."""

    summary: Json | None
    problems: list[CellProblem]
    provenance: dict[str, list[int]] = field(default_factory=dict)


_TEMPLATE = re.compile(r"\{(@?)([A-Za-z_][A-Za-z0-9_]*)\}")
_INDEX = re.compile(r"\[\d+\]")


def _cell(row: Row, i: int) -> str:
    return row[i] if i < len(row) else ""


def _field(path: str) -> str:
    """A path as the policy table writes it: ``$.allergies[*].reaction`` -> ``allergies[].reaction``."""
    return path.removeprefix("$.").replace("[*]", "[]")


def _describe(spec: Json) -> str:
    """A value node in words, for the report's notes."""
    if "const" in spec:
        return repr(spec["const"])
    if "option" in spec:
        return f"the --set {spec['option']} value"
    if "template" in spec:
        return f"the template {spec['template']!r}"
    return f"column {spec.get('column')}"


@cache
def _contract_schema() -> Json:
    schema: Json = orjson.loads(schema_text(SUMMARY_SCHEMA))
    return schema


def _resolve_schema(node: Any) -> Json:
    """A schema node with ``$ref`` and ``allOf`` folded in (enough to list an object's properties)."""
    if not isinstance(node, dict):
        return {}
    if "$ref" in node:
        ref = str(node["$ref"])
        target = _contract_schema()
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        return _resolve_schema(target)
    if "allOf" in node:
        merged: Json = {"properties": {}}
        for sub in node["allOf"]:
            resolved = _resolve_schema(sub)
            merged["properties"].update(resolved.get("properties", {}))
            merged.update({k: v for k, v in resolved.items() if k not in ("properties",)})
        return merged
    return node


class Compiler:
    """Turns a mapping's summary template into closures, checking every reference on the way."""

    def __init__(self, spec: MappingSpec, ctx: Context, options: Mapping[str, str], layout: Layout) -> None:
        self.spec = spec
        self.ctx = ctx
        self.options = options
        self.layout = layout
        #: JSON path pattern (list indices as ``[*]``) -> (source, column or "") that feeds it.
        self.fed_by: dict[str, tuple[str, str]] = {}

    # --- predicates ------------------------------------------------------------------------------------
    def predicate(self, spec: Any, scope: str, where: str) -> Predicate | None:
        if spec is None:
            return None
        parts = [self._one_predicate(p, scope, where) for p in (spec if isinstance(spec, list) else [spec])]
        if len(parts) == 1:
            return parts[0]
        return lambda row, line, problems: all(p(row, line, problems) for p in parts)

    def _one_predicate(self, spec: Json, scope: str, where: str) -> Predicate:
        if "active_on" in spec:
            return self._active_on(spec["active_on"], scope)
        if "value" in spec:
            value_spec = spec["value"]
        elif "column" in spec:
            value_spec = {"column": spec["column"]}
        else:
            value_spec = {"option": spec["option"]}
        get = self.value(value_spec, scope, f"{where} (where)", register=False)

        def norm(v: Any) -> Any:
            return v.casefold() if isinstance(v, str) else v

        if "empty" in spec:
            want_empty = bool(spec["empty"])
            return lambda row, line, p: (get(row, line, p, 1, {}, {}) is MISSING) == want_empty
        if "equals" in spec or "not_equals" in spec:
            negate = "not_equals" in spec
            target = norm(spec["not_equals" if negate else "equals"])
            return lambda row, line, p: (norm(get(row, line, p, 1, {}, {})) == target) != negate
        negate = "not_in" in spec
        targets = {norm(v) for v in spec["not_in" if negate else "in"]}
        return lambda row, line, p: (norm(get(row, line, p, 1, {}, {})) in targets) != negate

    def _active_on(self, spec: Json, scope: str) -> Predicate:
        """Started on or before the as-of date, and not stopped by then (a stop on that date has stopped)."""
        as_of: date = self.ctx.as_of.date()
        start_col, stop_col = spec["start"], spec.get("stop")
        self._not_optional(scope, [start_col, stop_col], "active_on")
        start_i = self.layout.index(scope, start_col)
        stop_i = self.layout.index(scope, stop_col) if stop_col else None

        def active(row: Row, line: int, problems: Problems) -> bool:
            begun = _cell(row, start_i)
            try:
                if begun and parse_date(begun) > as_of:
                    return False
            except CellError as exc:
                problems.add(scope, line, start_col, begun, exc.reason)
                return False
            if stop_i is None or stop_col is None:
                return True
            ended = _cell(row, stop_i)
            try:
                return not ended or parse_date(ended) > as_of
            except CellError as exc:
                problems.add(scope, line, stop_col, ended, exc.reason)
                return False

        return active

    # --- values ----------------------------------------------------------------------------------------
    def value(self, spec: Json, scope: str, path: str, *, register: bool = True) -> Node:
        transform = chain(spec.get("transform"), self.ctx)
        required = bool(spec.get("required", False))
        has_default = "default" in spec
        default = spec.get("default")
        when = self.predicate(spec.get("when"), scope, path)
        if "without_column" in spec:
            self._without_column_allowed(spec, scope, path)

        if "const" in spec:
            const = spec["const"]
            return self._guard(when, lambda row, line, p, n, g, pv: const)
        if "option" in spec:
            return self._guard(when, self._option_value(spec, transform, path))
        if "count" in spec:
            return self._guard(when, lambda row, line, p, n, g, pv: n)

        getter: Callable[[Row], Any]
        if "column" in spec:
            columns = spec["column"] if isinstance(spec["column"], list) else [spec["column"]]
            if (
                required
                and "without_column" not in spec
                and all(self.layout.is_optional(scope, c) for c in columns)
            ):
                self._not_optional(scope, columns, f"{path} (required)")
            positions = [(c, self.layout.index(scope, c)) for c in columns]
            present = [(c, i) for c, i in positions if i != ABSENT]
            if not present:
                return self._guard(when, self._absent_columns(spec, scope, path, columns, register))
            for c, i in positions:
                if i == ABSENT:
                    self.layout.without(scope, c, f"{_field(path)} is read from {present[0][0]} alone")
            indexes = [i for _, i in present]
            if len(indexes) == 1:
                getter = operator.itemgetter(indexes[0])  # a short row's missing cells: see evaluate
            else:

                def getter(row: Row) -> Any:
                    return [row[i] for i in indexes if i < len(row) and row[i]]

            first = present[0][0]
        else:
            getter, first = self._template(spec["template"], scope, path)
        if register:
            self.fed_by[path] = (scope, first)

        def evaluate(
            row: Row, line: int, problems: Problems, n: int, g: Group, pv: dict[str, list[int]]
        ) -> Any:
            try:
                raw = getter(row)
            except IndexError:  # a row shorter than its header (reported as such): missing cells are empty
                raw = ""
            if not raw:
                if has_default:
                    return default
                if required:
                    problems.add(scope, line, first, "", "missing required value")
                return MISSING
            if transform is None:
                return raw
            try:
                return transform(raw)
            except CellError as exc:
                problems.add(scope, line, first, raw, exc.reason)
                return MISSING

        return self._guard(when, evaluate)

    def _option_value(self, spec: Json, transform: Transform | None, path: str) -> Node:
        name = spec["option"]
        if name not in self.spec.options and name != AS_OF:
            raise MappingError(f"{path}: option {name!r} is not declared under `options:`")
        text = self.options.get(name) or None
        value: Any = MISSING
        if text is not None:
            try:
                value = transform(text) if transform else text
            except CellError as exc:
                raise MappingError(f"--set {name}={text!r}: {exc.reason}") from None
        elif "default" in spec:
            value = spec["default"]
        elif spec.get("required"):
            raise MappingError(f"give --set {name}=VALUE (it feeds {path})")
        return lambda row, line, p, n, g, pv: value

    def _not_optional(self, scope: str, columns: Sequence[str | None], use: str) -> None:
        optional = [c for c in columns if c is not None and self.layout.is_optional(scope, c)]
        if optional:
            raise MappingError(
                f"{use}: column(s) {', '.join(optional)} of {scope!r} are listed in optional_columns, "
                "but this use needs them (give the value a `without_column`, or make the column needed)"
            )

    def _without_column_allowed(self, spec: Json, scope: str, path: str) -> None:
        columns = spec.get("column")
        names = columns if isinstance(columns, list) else [columns] if columns else []
        if not names or not all(self.layout.is_optional(scope, c) for c in names):
            raise MappingError(
                f"{path}: `without_column` is for a value read from optional columns "
                f"(list them under sources.{scope}.optional_columns)"
            )

    def _absent_columns(self, spec: Json, scope: str, path: str, columns: list[str], register: bool) -> Node:
        """The value when none of its (optional) columns is in the export: ``without_column``, the default,
        or nothing."""
        if register:
            self.fed_by[path] = (scope, "")
        field = _field(path)
        if "without_column" in spec:
            fallback = spec["without_column"]
            outcome = f"{field} is {_describe(fallback)} (the mapping's value for exports without it)"
            node = self.value(fallback, scope, path, register=False)
        elif "default" in spec:
            default = spec["default"]
            outcome = f"{field} is {default!r} (its default)"
            node = self._guard(None, lambda row, line, p, n, g, pv: default)
        else:
            outcome = f"{field} is left out"
            node = self._guard(None, lambda row, line, p, n, g, pv: MISSING)
        for c in columns:
            self.layout.without(scope, c, outcome)
        return node

    def _template(self, template: str, scope: str, path: str) -> tuple[Callable[[Row], str], str]:
        pieces: list[str | int] = []
        columns: list[str] = []
        at = 0
        for m in _TEMPLATE.finditer(template):
            pieces.append(template[at : m.start()])
            if m.group(1):
                name = m.group(2)
                if name not in self.spec.options and name != AS_OF:
                    raise MappingError(
                        f"{path}: template names option {name!r}, not declared under `options:`"
                    )
                pieces.append(self.options.get(name, ""))
            else:
                columns.append(m.group(2))
                index = self.layout.index(scope, m.group(2))
                if index == ABSENT:
                    self.layout.without(scope, m.group(2), f"{_field(path)} is left out")
                pieces.append(index)
            at = m.end()
        pieces.append(template[at:])
        if not columns:
            raise MappingError(
                f"{path}: a template names at least one column (use `const` or `option` otherwise)"
            )

        def fill(row: Row) -> str:
            out = []
            for piece in pieces:
                if isinstance(piece, int):
                    cell = _cell(row, piece)
                    if not cell:
                        return ""
                    out.append(cell)
                else:
                    out.append(piece)
            return "".join(out)

        return fill, columns[0]

    @staticmethod
    def _guard(when: Predicate | None, node: Node) -> Node:
        if when is None:
            return node

        def guarded(row: Row, line: int, p: Problems, n: int, g: Group, pv: dict[str, list[int]]) -> Any:
            return node(row, line, p, n, g, pv) if when(row, line, p) else MISSING

        return guarded

    # --- structure -------------------------------------------------------------------------------------
    def node(self, spec: Any, scope: str, path: str, schema: Json) -> Node:
        if isinstance(spec, str):
            return self.value({"column": spec}, scope, path)
        if isinstance(spec, list):
            item_schema = _resolve_schema(schema.get("items", {}))
            items = [self.node(s, scope, f"{path}[*]", item_schema) for s in spec]

            def fixed(row: Row, line: int, p: Problems, n: int, g: Group, pv: dict[str, list[int]]) -> Any:
                return [v for v in (item(row, line, p, n, g, pv) for item in items) if v is not MISSING]

            return fixed
        if "each" in spec:
            return self._each(spec, scope, path, schema)
        if "any" in spec or "none" in spec:
            return self._any(spec, scope, path)
        if any(k in spec for k in ("column", "const", "option", "template", "count")):
            return self.value(spec, scope, path)
        return self.object(spec, scope, path, schema)

    def object(self, spec: Mapping[str, Any], scope: str, path: str, schema: Json) -> Node:
        props = schema.get("properties")
        fields: list[tuple[str, Node]] = []
        for name, sub in spec.items():
            if name.startswith("$"):
                continue
            if props is not None and name not in props:
                raise MappingError(f"{path}.{name}: not a field of the resident summary")
            sub_schema = _resolve_schema(props.get(name, {})) if props is not None else {}
            fields.append((name, self.node(sub, scope, f"{path}.{name}", sub_schema)))
        keep_empty = bool(spec.get("$required", False))
        when = self.predicate(spec.get("$when"), scope, path)

        def build(row: Row, line: int, p: Problems, n: int, g: Group, pv: dict[str, list[int]]) -> Any:
            out: Json = {}
            for name, fn in fields:
                v = fn(row, line, p, n, g, pv)
                if v is not MISSING:
                    out[name] = v
            return out if out or keep_empty else MISSING

        return self._guard(when, build)

    def _source(self, name: str, path: str, scope: str) -> str:
        if name not in self.spec.sources:
            raise MappingError(f"{path}: no source named {name!r} (sources: {', '.join(self.spec.sources)})")
        if scope != self.spec.root:
            raise MappingError(f"{path}: rows of {name!r} can only be gathered at the resident level")
        self.layout.index(name, self.spec.sources[name].key)
        return name

    def _each(self, spec: Json, scope: str, path: str, schema: Json) -> Node:
        source = self._source(spec["each"], path, scope)
        self.fed_by[path] = (source, "")
        where = self.predicate(spec.get("where"), source, path)
        item_schema = _resolve_schema(schema.get("items", {}))
        item_spec = spec["item"]
        item = (
            self.object(item_spec, source, f"{path}[*]", item_schema)
            if isinstance(item_spec, dict)
            and not any(k in item_spec for k in ("column", "const", "option", "template", "count"))
            else self.node(item_spec, source, f"{path}[*]", item_schema)
        )
        distinct = spec.get("distinct_by")
        if distinct:
            self._not_optional(
                source, distinct if isinstance(distinct, list) else [distinct], f"{path} distinct_by"
            )
        distinct_idx = (
            [self.layout.index(source, c) for c in (distinct if isinstance(distinct, list) else [distinct])]
            if distinct
            else None
        )
        omit_empty = bool(spec.get("omit_empty", False))

        def gather(row: Row, line: int, p: Problems, n: int, g: Group, pv: dict[str, list[int]]) -> Any:
            picked = [(ln, r) for ln, r in g.get(source, ()) if where is None or where(r, ln, p)]
            counts = [1] * len(picked)
            if distinct_idx is not None:
                firsts: dict[tuple[str, ...], int] = {}
                merged: list[tuple[int, Row]] = []
                counts = []
                for ln, r in picked:
                    k = tuple(_cell(r, i).casefold() for i in distinct_idx)
                    if k in firsts:
                        counts[firsts[k]] += 1
                    else:
                        firsts[k] = len(merged)
                        merged.append((ln, r))
                        counts.append(1)
                picked = merged
            out, lines = [], []
            for (ln, r), count in zip(picked, counts, strict=True):
                v = item(r, ln, p, count, g, pv)
                if v is not MISSING:
                    out.append(v)
                    lines.append(ln)
            pv[path] = lines
            return MISSING if not out and omit_empty else out

        return gather

    def _any(self, spec: Json, scope: str, path: str) -> Node:
        wanted = "any" in spec
        source = self._source(spec["any" if wanted else "none"], path, scope)
        self.fed_by[path] = (source, "")
        where = self.predicate(spec.get("where"), source, path)
        value = spec["value"]

        def check(row: Row, line: int, p: Problems, n: int, g: Group, pv: dict[str, list[int]]) -> Any:
            for ln, r in g.get(source, ()):
                if where is None or where(r, ln, p):
                    pv[path] = [ln]
                    return value if wanted else MISSING
            return MISSING if wanted else value

        return check


class SummaryBuilder:
    """Builds resident summaries from grouped rows with a compiled mapping."""

    def __init__(self, spec: MappingSpec, ctx: Context, options: Mapping[str, str], layout: Layout) -> None:
        self.spec = spec
        compiler = Compiler(spec, ctx, options, layout)
        for source in spec.sources.values():
            layout.index(source.name, source.key)
            for column in source.unique:
                layout.index(source.name, column)
        self.filters: dict[str, Predicate] = {}
        for name, source in spec.sources.items():
            check = compiler.predicate(source.where, name, f"sources.{name}")
            if check is not None:
                self.filters[name] = check
        self.root_node = compiler.object(
            {**spec.summary, "$required": True}, spec.root, "$", _resolve_schema(_contract_schema())
        )
        self.fed_by = compiler.fed_by

    def build(self, group: Group) -> Built:
        """The summary of the resident whose rows are ``group`` (exactly one root row)."""
        problems = Problems()
        ((root_line, root_row),) = group[self.spec.root]
        if self.filters:
            root_filter = self.filters.get(self.spec.root)
            if root_filter is not None and not root_filter(root_row, root_line, problems):
                return Built(None, problems.items)
            group = {
                name: (
                    rows
                    if name not in self.filters
                    else [(ln, r) for ln, r in rows if self.filters[name](r, ln, problems)]
                )
                for name, rows in group.items()
            }
        provenance: dict[str, list[int]] = {}
        summary = self.root_node(root_row, root_line, problems, 1, group, provenance)
        return Built(summary, problems.items, provenance)

    def locate(self, json_path: str, built: Built, root_line: int) -> tuple[str, str, int | None]:
        """Which source, column and line fed a summary path such as ``$.medications[2].lastDoseGiven``."""
        indexes = [int(m.group()[1:-1]) for m in _INDEX.finditer(json_path)]
        pattern = _INDEX.sub("[*]", json_path)
        while pattern not in self.fed_by and len(pattern) > 1:
            cut = max(pattern.rfind("."), pattern.rfind("["))
            pattern = pattern[:cut] if cut > 0 else "$"
        source, column = self.fed_by.get(pattern, (self.spec.root, ""))
        if source == self.spec.root:
            return source, column, root_line
        list_path = pattern.split("[*]")[0]
        lines = built.provenance.get(list_path, [])
        within_item = json_path.startswith(list_path + "[")
        if within_item and indexes and indexes[0] < len(lines):
            return source, column, lines[indexes[0]]
        if not within_item and len(lines) == 1:
            return source, column, lines[0]
        return source, column, None


def referenced_columns(spec: MappingSpec, ctx: Context, options: Mapping[str, str]) -> dict[str, set[str]]:
    """Every column the mapping reads, per source (checks the whole mapping on the way)."""
    layout = Layout(optional={name: s.optional for name, s in spec.sources.items()})
    SummaryBuilder(spec, ctx, options, layout)
    return layout.read


def needed_columns(spec: MappingSpec, ctx: Context, options: Mapping[str, str]) -> dict[str, set[str]]:
    """The columns an export must have, per source: every column read, except the optional ones."""
    return {
        source: {c for c in columns if c.casefold() not in spec.sources[source].optional}
        for source, columns in referenced_columns(spec, ctx, options).items()
    }


def without_optional_columns(
    spec: MappingSpec, ctx: Context, options: Mapping[str, str], headers: Mapping[str, Sequence[str]]
) -> dict[tuple[str, str], list[str]]:
    """For each optional column these headers lack, what the mapping does without it."""
    layout = Layout(headers, {name: s.optional for name, s in spec.sources.items()})
    SummaryBuilder(spec, ctx, options, layout)
    return layout.missing
