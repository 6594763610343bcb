"""Fixed and pattern values, and simple paths into instance data (for slicing discriminators).

fixed[x]: the instance must equal the value exactly; pattern[x]: every property in the pattern must be
present with the same value, and each item of a pattern array must match some instance item
(https://hl7.org/fhir/R4/elementdefinition-definitions.html#ElementDefinition.pattern_x_).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def normalise(value: Any) -> Any:
    """Numbers compared by value (1 == 1.0), everything else unchanged."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    return value


def equals_fixed(instance: Any, fixed: Any) -> bool:
    """Exact equality, recursively (ignoring ``id`` and ``extension`` on the instance side? no: exact)."""
    if type(fixed) is str and type(instance) is str:
        return instance == fixed  # the common case (what the general comparison gives for two strings)
    if isinstance(fixed, dict):
        if not isinstance(instance, dict):
            return False
        keys = {k for k in instance if k != "id"} | set(fixed)
        return all(k in fixed and k in instance and equals_fixed(instance[k], fixed[k]) for k in keys)
    if isinstance(fixed, list):
        if not isinstance(instance, list) or len(instance) != len(fixed):
            return False
        return all(equals_fixed(a, b) for a, b in zip(instance, fixed, strict=True))
    return normalise(instance) == normalise(fixed) and type(instance) is not dict


def matches_pattern(instance: Any, pattern: Any) -> bool:
    """Pattern semantics: the instance has at least everything the pattern has."""
    if type(pattern) is str and type(instance) is str:
        return instance == pattern  # the common case (what the general comparison gives for two strings)
    if isinstance(pattern, dict):
        if not isinstance(instance, dict):
            return False
        for k, pv in pattern.items():
            if k not in instance:
                return False
            if not matches_pattern(instance[k], pv):
                return False
        return True
    if isinstance(pattern, list):
        items = instance if isinstance(instance, list) else [instance]
        return all(any(matches_pattern(i, p) for i in items) for p in pattern)
    if isinstance(instance, list):
        return any(matches_pattern(i, pattern) for i in instance)
    return bool(normalise(instance) == normalise(pattern))


def split_path(path: str) -> list[str]:
    """``extension('http://x').value.ofType(Coding)`` -> its steps (dots inside parentheses kept)."""
    steps: list[str] = []
    depth = 0
    cur = ""
    for ch in path:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "." and depth == 0:
            steps.append(cur)
            cur = ""
        else:
            cur += ch
    if cur:
        steps.append(cur)
    return steps


def function_arg(step: str) -> str:
    """The quoted argument of ``name('arg')``."""
    inner = step[step.index("(") + 1 : step.rindex(")")].strip()
    return inner.strip("'\"")


def primitive_json_name(type_code: str) -> str:
    """``Quantity`` -> ``Quantity``, ``dateTime`` -> ``DateTime`` (the suffix in ``value[x]`` names)."""
    return type_code[:1].upper() + type_code[1:]


def children_at(item: Any, name: str) -> list[Any]:
    """Values of ``name`` in a JSON object, handling choice names (``value`` finds ``valueX``)."""
    if not isinstance(item, dict):
        return []
    if name in item:
        v = item[name]
        return v if isinstance(v, list) else [v]
    out: list[Any] = []
    for k, v in item.items():
        if k.startswith(name) and len(k) > len(name) and k[len(name)].isupper():
            out.extend(v if isinstance(v, list) else [v])
    return out


def sub_value(value: Any, steps: list[str]) -> list[Any]:
    """Walk plain names into a fixed/pattern value (for discriminators deeper than the pattern)."""
    current = [value]
    for step in steps:
        nxt: list[Any] = []
        for v in current:
            nxt.extend(children_at(v, step))
        current = nxt
    return current
