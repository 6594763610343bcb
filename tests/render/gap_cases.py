"""Red bags with gaps for the render tests: the bundled examples with fields deleted, each gap alone and
every gap at once, checked by the contract (which lists the gaps as warnings) and built into documents."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from adapter.errors import ContractError, Violation
from adapter.redbag import build_bundles
from adapter.redbag.contract import assess_summary
from tests.render.cases import examples

Json = dict[str, Any]
Mutation = Callable[[Json], None]


def _drop(*path: str) -> Mutation:
    """Delete the field at ``path`` (``("resident", "birthDate")``); a no-op when it is not there."""

    def mutate(s: Json) -> None:
        parent = s
        for key in path[:-1]:
            parent = parent.get(key) or {}
        parent.pop(path[-1], None)

    return mutate


def _each(key: str, field: str, only: Callable[[Json], bool] = lambda _: True) -> Mutation:
    def mutate(s: Json) -> None:
        for item in s.get(key) or []:
            if only(item):
                item.pop(field, None)

    return mutate


def _no_allergies(s: Json) -> None:
    s.pop("allergies", None)
    s.pop("noKnownAllergies", None)


def _empty_allergies(s: Json) -> None:
    _no_allergies(s)
    s["allergies"] = []


def _birth_date(keep: int) -> Mutation:
    def mutate(s: Json) -> None:
        s["resident"]["birthDate"] = s["resident"]["birthDate"][:keep]

    return mutate


def _set(key: str, value: Any) -> Mutation:
    return lambda s: s.update({key: copy.deepcopy(value)})


#: Each gap alone: the field (or fields of its kind) deleted.
GAPS: dict[str, Mutation] = {
    "last-dose": _each("medications", "lastDoseGiven", lambda m: bool(m["timeCritical"])),
    "dose": _each("medications", "dose"),
    "medications": _drop("medications"),
    "resuscitation": _drop("resuscitation"),
    "resuscitation-date": _drop("resuscitation", "recordedAt"),
    "allergies": _no_allergies,
    "allergies-empty": _empty_allergies,
    "criticality": _each("allergies", "criticality"),
    "contacts": _drop("contacts"),
    "contacts-empty": _set("contacts", []),
    "baseline": _drop("baseline"),
    "baseline-empty": _set("baseline", {}),
    "belongings": _drop("belongings"),
    "consent": _drop("consentToShare"),
    "birth-date": _drop("resident", "birthDate"),
    "birth-month": _birth_date(7),
    "birth-year": _birth_date(4),
    "gender": _drop("resident", "gender"),
}
#: Every gap at once, in two sets (within a set no gap hides another: without medicines, no medicine
#: can lack its dose).
ALL_AT_ONCE = {
    "every-gap": (
        "last-dose", "dose", "resuscitation-date", "allergies", "contacts", "baseline", "belongings",
        "consent", "birth-date", "gender",
    ),
    "every-other-gap": ("medications", "resuscitation", "criticality", "birth-month"),
}  # fmt: skip
#: Not gaps: said as recorded (none, or a decision dated by day or month).
NOT_GAPS: dict[str, Mutation] = {
    "no-medicines": _set("medications", []),
    "no-belongings": _set("belongings", []),
    "decision-dated-by-day": lambda s: s["resuscitation"].update(recordedAt="2025-06-01"),
    "decision-dated-by-month": lambda s: s["resuscitation"].update(recordedAt="2025-06"),
}


@dataclass(frozen=True)
class GapCase:
    """One red bag with gaps: the summary as checked, its warnings, and the document built from it."""

    name: str  # "<example>:<gap>"
    gap: str
    summary: Json
    warnings: list[Violation]
    document: Json


def _case(example: str, gap: str, base: Json, mutations: list[Mutation]) -> GapCase | None:
    """The case, or None where the mutations change nothing or leave a summary the contract refuses
    (consent by the LPA holder needs the contacts)."""
    summary = copy.deepcopy(base)
    for mutate in mutations:
        mutate(summary)
    if summary == base:
        return None
    try:
        checked = assess_summary(summary)
    except ContractError:
        return None
    document, _ = build_bundles(checked.data)
    return GapCase(f"{example}:{gap}", gap, checked.data, checked.warnings, document)


@cache
def gap_cases() -> tuple[GapCase, ...]:
    """Every gap alone and every gap at once, on every example where it applies."""
    out = []
    for ex in examples():
        wanted = {name: [m] for name, m in {**GAPS, **NOT_GAPS}.items()}
        wanted |= {name: [GAPS[g] for g in gaps] for name, gaps in ALL_AT_ONCE.items()}
        for name, mutations in wanted.items():
            case = _case(ex.name, name, ex.summary, mutations)
            if case is not None:
                out.append(case)
    return tuple(out)


def gap_case(name: str) -> GapCase:
    return next(c for c in gap_cases() if c.name == name)
