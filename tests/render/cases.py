"""The render tests' inputs: every bundled example as summary, documents and return documents."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from adapter.redbag import build_bundles, build_return_bundles, check_discharge, check_summary
from adapter.redbag.contract import read_json_file

ROOT = Path(__file__).parents[2]
EXAMPLES = ROOT / "examples"
Json = dict[str, Any]


@dataclass(frozen=True)
class Example:
    """One bundled example: the inputs and the FHIR the project makes from them."""

    name: str
    summary: Json
    document: Json
    transaction: Json
    discharge: Json | None = None
    return_document: Json | None = None
    return_transaction: Json | None = None


@cache
def examples() -> tuple[Example, ...]:
    """Every ``examples/*.summary.json`` (with its discharge, when there is one)."""
    out = []
    for path in sorted(EXAMPLES.glob("*.summary.json")):
        summary = check_summary(read_json_file(path), source=str(path))
        document, transaction = build_bundles(summary)
        discharge_path = path.with_name(path.name.replace(".summary.", ".discharge."))
        back: tuple[Json | None, Json | None, Json | None] = (None, None, None)
        if discharge_path.exists():
            discharge = check_discharge(read_json_file(discharge_path), summary, source=str(discharge_path))
            back = (discharge, *build_return_bundles(summary, discharge))
        out.append(Example(path.name.removesuffix(".summary.json"), summary, document, transaction, *back))
    return tuple(out)


def example(name: str) -> Example:
    return next(e for e in examples() if e.name == name)
