"""Wrong is refused, missing travels: the field policy of the input contracts, as data.

``schemas/field-policy.yaml`` says, for every field of the resident-summary and discharge contracts, what
happens when it is absent: ``refused`` (the input is refused, naming the field), ``travels`` (the red bag
goes without it, the gap marked in the FHIR with a data-absent-reason or a list's emptyReason, and a
warning naming the field), or ``optional``. This module reads that table once and finds the gaps of a
summary: the warnings that the sender and every reader see.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml

from adapter.errors import Violation

Json = dict[str, Any]
Contract = Literal["summary", "discharge", "readiness"]
Absent = Literal["refused", "travels", "optional"]

#: The rule name warnings carry (``Violation.rule``).
GAP_RULE = "absent"


@dataclass(frozen=True)
class Condition:
    """When an entry applies: a sibling field (or ``$.field`` from the top) equals, is in, or is absent."""

    field: str
    equals: Any = None
    among: tuple[Any, ...] | None = None
    absent: bool = False

    def holds(self, parent: Json, top: Json) -> bool:
        source = top if self.field.startswith("$.") else parent
        value = source.get(self.field.removeprefix("$."))
        if self.absent:
            return value is None
        if self.among is not None:
            return value in self.among
        return bool(value == self.equals)


@dataclass(frozen=True)
class FieldRule:
    """One row of the policy table."""

    path: str  # "medications[].lastDoseGiven"
    absent: Absent
    otherwise: Absent | None = None
    when: Condition | None = None
    reason: str | None = None  # data-absent-reason code written on the element
    empty_reason: str | None = None  # list-empty-reason code written on the list or section
    mark: str | None = None  # another mark (e.g. a belonging flagged missing)
    empty_is_absent: bool = False
    fhir: str | None = None
    warning: str | None = None
    why: str | None = None
    parent: str = field(init=False)  # "medications[]" for "medications[].dose"
    name: str = field(init=False)  # "dose"

    def __post_init__(self) -> None:
        parent, _, last = self.path.rpartition(".")
        object.__setattr__(self, "parent", parent)
        object.__setattr__(self, "name", last.removesuffix("[]"))

    @property
    def expected_mark(self) -> str | None:
        """What the FHIR carries where the value is absent (for the tests)."""
        return self.reason or self.empty_reason or self.mark

    def status(self, parent: Json, top: Json) -> Absent:
        """What absence means here, given the item's siblings."""
        if self.when is None or self.when.holds(parent, top):
            return self.absent
        return self.otherwise or "optional"


_KEYS = frozenset(
    {
        "absent",
        "why",
        "when",
        "otherwise",
        "reason",
        "empty-reason",
        "mark",
        "empty-is-absent",
        "fhir",
        "warning",
    }
)


@cache
def _table() -> Json:
    raw = resources.files("adapter.redbag").joinpath("schemas/field-policy.yaml").read_text("utf-8")
    data: Json = yaml.safe_load(raw)
    for contract in ("summary", "discharge", "readiness"):
        for path, row in data[contract].items():
            unknown = set(row) - _KEYS
            if unknown or row.get("absent") not in ("refused", "travels", "optional"):
                raise ValueError(f"field-policy.yaml: {contract}.{path}: bad row {row!r}")
    return data


def _condition(raw: Mapping[str, Any] | None) -> Condition | None:
    if raw is None:
        return None
    among = raw.get("in")
    return Condition(
        field=str(raw["field"]),
        equals=raw.get("equals"),
        among=tuple(among) if among is not None else None,
        absent=bool(raw.get("absent", False)),
    )


@cache
def rules(contract: Contract) -> tuple[FieldRule, ...]:
    """Every row of the table for one contract, in the table's order."""
    return tuple(
        FieldRule(
            path=path,
            absent=row["absent"],
            otherwise=row.get("otherwise"),
            when=_condition(row.get("when")),
            reason=row.get("reason"),
            empty_reason=row.get("empty-reason"),
            mark=row.get("mark"),
            empty_is_absent=bool(row.get("empty-is-absent", False)),
            fhir=row.get("fhir"),
            warning=row.get("warning"),
            why=row.get("why"),
        )
        for path, row in _table()[contract].items()
    )


@cache
def _travelling(contract: Contract) -> tuple[tuple[str, tuple[FieldRule, ...]], ...]:
    """The rows that may travel, grouped by the object they are fields of (each object found once)."""
    groups: dict[str, list[FieldRule]] = {}
    for r in rules(contract):
        if "travels" in (r.absent, r.otherwise):
            groups.setdefault(r.parent, []).append(r)
    return tuple((parent, tuple(found)) for parent, found in groups.items())


def rule_for(contract: Contract, path: str) -> FieldRule:
    """The row for ``path`` (``resident.birthDate``, ``medications[].dose``)."""
    for r in rules(contract):
        if r.path == path:
            return r
    raise KeyError(path)


@cache
def _steps(parent: str) -> tuple[tuple[str, bool], ...]:
    """``medications[].code`` -> (("medications", True), ("code", False)), worked out once per path."""
    return tuple((part.removesuffix("[]"), part.endswith("[]")) for part in parent.split(".") if part)


#: Where an object is in an input, as a JSON path (``$.medications[2]``).
Location = str


def locate(data: Json, parent: str) -> list[tuple[Location, Json]]:
    """Every object at ``parent`` (a table path such as ``medications[]``) with its JSON path."""
    found: list[tuple[Location, Any]] = [("$", data)]
    for key, many in _steps(parent):
        step: list[tuple[Location, Any]] = []
        for where, obj in found:
            value = obj.get(key) if type(obj) is dict else None
            if value is None:
                continue
            if not many:
                step.append((f"{where}.{key}", value))
            elif type(value) is list:
                step += [(f"{where}.{key}[{i}]", v) for i, v in enumerate(value)]
        found = step
    return [(where, obj) for where, obj in found if type(obj) is dict]


def json_path(where: Location, name: str) -> str:
    """The JSON path of field ``name`` of the object at ``where``."""
    return f"{where}.{name}"


def objects_at(data: Json, parent: str) -> Iterator[tuple[str, Json]]:
    """Every object at ``parent`` with its JSON path (``$.medications[2]``)."""
    yield from locate(data, parent)


def is_absent(value: Any, rule: FieldRule) -> bool:
    """Absent as the table means it: missing, or empty where ``empty-is-absent``."""
    if value is None:
        return True
    return rule.empty_is_absent and isinstance(value, list | dict) and not value


def _words(template: str, item: Json) -> str:
    """The warning's text, with ``{code.display}`` filled from the item it is about."""
    if "{" not in template:
        return template
    display = (item.get("code") or {}).get("display") if isinstance(item.get("code"), dict) else None
    return template.replace("{code.display}", str(display or "this item"))


def gaps(contract: Contract, data: Json) -> list[Violation]:
    """The warnings of a (contract-conforming) input: every field that travels absent, in table order."""
    found: list[tuple[int, Violation]] = []
    order = 0
    for parent_path, group in _travelling(contract):
        for where, parent in locate(data, parent_path):
            for rank, rule in enumerate(group):
                if is_absent(parent.get(rule.name), rule) and rule.status(parent, data) == "travels":
                    words = _words(rule.warning or "not recorded", parent)
                    found.append((order + rank, Violation(json_path(where, rule.name), words, GAP_RULE)))
        order += len(group)
    found.sort(key=lambda pair: pair[0])  # stable: table order, then document order
    return _without_repeats([v for _, v in found])


def _without_repeats(found: list[Violation]) -> list[Violation]:
    """A whole object absent is one gap, not one per field inside it (``resuscitation`` and its decision)."""
    paths = {v.path for v in found}
    return [v for v in found if not any(v.path.startswith(p + ".") for p in paths if p != v.path)]


# --- the table for people: the docs and the JSON Schemas' field descriptions ----------------------------
def _condition_words(c: Condition) -> str:
    field = c.field.removeprefix("$.")
    if c.absent:
        return f"if `{field}` is absent"
    if c.among is not None:
        return f"if `{field}` is " + " or ".join(f"`{v}`" for v in c.among)
    shown = str(c.equals).lower() if isinstance(c.equals, bool) else c.equals
    return f"if `{field}` is `{shown}`"


def _mark_words(rule: FieldRule) -> str:
    if rule.reason:
        return f"marked with data-absent-reason `{rule.reason}`"
    if rule.empty_reason:
        return f"marked by emptyReason `{rule.empty_reason}`"
    return f"marked as `{rule.mark}`"


def describe(rule: FieldRule) -> str:
    """One sentence: what happens when this field is absent (the docs' table and the schemas say it)."""
    words: str = rule.absent
    if rule.when is not None:
        words += f" {_condition_words(rule.when)}, otherwise {rule.otherwise or 'optional'}"
    if "travels" in (rule.absent, rule.otherwise):
        words += f" ({_mark_words(rule)}, with the warning: {rule.warning})"
    elif rule.why:
        words += f" ({rule.why})"
    return f"Absent: {words}."


def markdown(contract: Contract) -> str:
    """The policy of one contract as a Markdown table."""
    lines = ["| field | when absent |", "|---|---|"]
    for rule in rules(contract):
        lines.append(f"| `{rule.path}` | {describe(rule).removeprefix('Absent: ').replace('|', '/')} |")
    return "\n".join(lines) + "\n"
