"""The field policy (adapter/redbag/schemas/field-policy.yaml) and the code agree, field by field.

For every field of both contracts, in every example where it occurs, the field is removed and the result
must be what the table says: refused (naming the field, or a field of the same object for a conditional
rule), travels (accepted, a warning naming the field, and the mark the table names in the document), or
optional (accepted, no warning). The table covers every field of the JSON Schemas and no other; the docs and
the schemas' descriptions are generated from it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from adapter.errors import ContractError
from adapter.redbag import assess_discharge, assess_summary, build_bundles, build_return_bundles, policy
from adapter.redbag.policy_docs import generated
from adapter.redbag.readiness_contract import assess_readiness
from tests.gap_marks import marks

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SCHEMAS = ROOT / "adapter" / "redbag" / "schemas"
#: Definitions whose insides are values, not fields of the contract.
VALUE_DEFS = {"code", "snomed", "dmd", "rxnorm", "medicine", "address", "text", "phone", "odsCode"}

Json = dict[str, Any]


def _example(name: str) -> Json:
    data: Json = orjson.loads((EXAMPLES / name).read_bytes())
    return data


def summary_bases() -> list[Json]:
    """Summaries that between them hold every field the table names."""
    full = _example("dementia-dnacpr.summary.json")
    full["careHome"]["operator"] = "independent"
    full["resident"]["localId"] = "R-00042"
    return [
        full,
        _example("local-id-only.summary.json"),
        _example("no-known-allergies.summary.json"),
        _example("return-journey.summary.json"),  # what the care home can manage
    ]


def _instances(data: Json, rule: policy.FieldRule) -> Iterator[tuple[str, list[str | int]]]:
    """Every place ``rule``'s field occurs in ``data``: its JSON path and the steps to it."""
    for where, parent in policy.objects_at(data, rule.parent):
        if rule.name in parent:
            yield f"{where}.{rule.name}", _steps(f"{where}.{rule.name}")


def _steps(path: str) -> list[str | int]:
    out: list[str | int] = []
    for part in path.removeprefix("$.").replace("[", ".[").split("."):
        out.append(int(part[1:-1]) if part.startswith("[") else part)
    return out


def _without(data: Json, steps: list[str | int]) -> tuple[Json, Json]:
    """A copy of ``data`` without the field at ``steps``, and the copy's parent object of it."""
    out = copy.deepcopy(data)
    parent: Any = out
    for step in steps[:-1]:
        parent = parent[step]
    del parent[steps[-1]]
    return out, parent


def _summary_cases() -> Iterator[Any]:
    for rule in policy.rules("summary"):
        cases = [
            (i, path, steps)
            for i, base in enumerate(summary_bases())
            for path, steps in _instances(base, rule)
        ]
        assert cases, f"no example holds {rule.path}: add one so the policy is tested"
        yield pytest.param(rule, cases, id=rule.path)


@pytest.mark.parametrize(("rule", "cases"), list(_summary_cases()))
def test_summary_field_policy_holds(rule: policy.FieldRule, cases: list[Any]) -> None:
    bases = summary_bases()
    for base_index, path, steps in cases:
        data, parent = _without(bases[base_index], steps)
        status = rule.status(parent, data)
        if status == "refused":
            with pytest.raises(ContractError) as refused:
                assess_summary(data)
            named = [v.path for v in refused.value.violations]
            assert path in named or (
                rule.when and any(p.startswith(path.rsplit(".", 1)[0]) for p in named)
            ), named
            continue
        checked = assess_summary(data)
        warned = [w.path for w in checked.warnings]
        if status == "optional":
            assert path not in warned
            continue
        assert path in warned or path.rsplit(".", 1)[0] in warned, warned
        document, _ = build_bundles(checked.data)
        assert rule.fhir and rule.expected_mark in marks(document, rule.fhir), (
            rule.fhir,
            marks(document, rule.fhir),
        )


def _discharge_cases() -> Iterator[Any]:
    base = _example("return-journey.discharge.json")
    for rule in policy.rules("discharge"):
        cases = list(_instances(base, rule))
        assert cases, f"return-journey.discharge.json holds no {rule.path}: add it so the policy is tested"
        yield pytest.param(rule, cases, id=rule.path)


@pytest.mark.parametrize(("rule", "cases"), list(_discharge_cases()))
def test_discharge_field_policy_holds(rule: policy.FieldRule, cases: list[Any]) -> None:
    summary = assess_summary(_example("return-journey.summary.json")).data
    for path, steps in cases:
        data, parent = _without(_example("return-journey.discharge.json"), steps)
        status = rule.status(parent, data)
        if status == "refused":
            with pytest.raises(ContractError) as refused:
                assess_discharge(data, summary)
            assert path in [v.path for v in refused.value.violations]
            continue
        checked = assess_discharge(data, summary)
        warned = [w.path for w in checked.warnings]
        if status == "optional":
            assert path not in warned
            continue
        assert path in warned
        document, _ = build_return_bundles(summary, checked.data)
        assert rule.fhir and rule.expected_mark in marks(document, rule.fhir)


def _readiness_cases() -> Iterator[Any]:
    base = _example("return-journey.readiness.json")
    for rule in policy.rules("readiness"):
        cases = list(_instances(base, rule))
        assert cases, f"return-journey.readiness.json holds no {rule.path}: add it so the policy is tested"
        yield pytest.param(rule, cases, id=rule.path)


@pytest.mark.parametrize(("rule", "cases"), list(_readiness_cases()))
def test_readiness_field_policy_holds(rule: policy.FieldRule, cases: list[Any]) -> None:
    summary = assess_summary(_example("return-journey.summary.json")).data
    for path, steps in cases:
        data, parent = _without(_example("return-journey.readiness.json"), steps)
        status = rule.status(parent, data)
        if status == "refused":
            with pytest.raises(ContractError) as refused:
                assess_readiness(data, summary)
            assert path in [v.path for v in refused.value.violations]
            continue
        assert status == "optional", "the readiness contract has no field that travels absent"
        assert assess_readiness(data, summary).warnings == []


def _schema_fields(schema: Json, node: Json, prefix: str = "") -> Iterator[tuple[str, bool]]:
    """Every field of a contract's JSON Schema (table notation) and whether the schema requires it."""
    required = set(node.get("required", []))
    for name, prop in node.get("properties", {}).items():
        path = f"{prefix}{name}"
        yield path, name in required
        target, many = _resolve(schema, prop)
        if many:
            target, _ = _resolve(schema, target.get("items", {}))
            path += "[]"
        if "properties" in target:
            yield from _schema_fields(schema, target, f"{path}.")


def _resolve(schema: Json, node: Json) -> tuple[Json, bool]:
    ref = node.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[1]
        if name in VALUE_DEFS:
            return {}, False
        source = schema
        if ref.startswith("resident-summary.schema.json"):
            source = orjson.loads((SCHEMAS / "resident-summary.schema.json").read_bytes())
        return _resolve(source, source["$defs"][name])
    return node, node.get("type") == "array"


@pytest.mark.parametrize(
    ("contract", "file"),
    [
        ("summary", "resident-summary.schema.json"),
        ("discharge", "discharge.schema.json"),
        ("readiness", "discharge-readiness.schema.json"),
    ],
)
def test_the_table_covers_every_field_and_agrees_with_the_schema(contract: Any, file: str) -> None:
    schema = orjson.loads((SCHEMAS / file).read_bytes())
    fields = dict(_schema_fields(schema, schema))
    table = {r.path: r for r in policy.rules(contract)}
    assert set(table) == set(fields)
    for path, required in fields.items():
        rule = table[path]
        assert required == (rule.absent == "refused" and rule.when is None), path


def test_docs_and_schemas_say_what_the_table_says() -> None:
    stale = [str(p.relative_to(ROOT)) for p, text in generated(ROOT).items() if p.read_text("utf-8") != text]
    assert stale == [], "run .venv/bin/python scripts/field-policy.py"


def test_warnings_name_the_item() -> None:
    summary = _example("insulin-parkinsons.summary.json")
    medicine = next(m for m in summary["medications"] if m["timeCritical"])
    del medicine["lastDoseGiven"]
    (warning,) = assess_summary(summary).warnings
    assert medicine["code"]["display"] in warning.message
