"""The compiled validator reads the contract schemas without ``(?!\\n)`` (its ``$`` already means the very
end): it must decide exactly as it does with the patterns as written, on the examples and on every one
of their text values with a line break, a space or a control character added at the end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs
import orjson
import pytest

from adapter.redbag import contract, text

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def validator(transform: Any, name: str) -> Any:
    names = (contract.SUMMARY_SCHEMA, contract.DISCHARGE_SCHEMA)
    schemas = [orjson.loads(transform(contract.schema_text(n))) for n in names]
    registry = jsonschema_rs.Registry([(s["$id"], s) for s in schemas])
    return jsonschema_rs.validator_for(orjson.loads(transform(contract.schema_text(name))), registry=registry)


def strings(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield from strings(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from strings(value, (*path, i))
    elif isinstance(data, str):
        yield path


def changed(data: Any, path: tuple[Any, ...], tail: str) -> Any:
    copy = orjson.loads(orjson.dumps(data))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] += tail
    return copy


CASES = [(contract.SUMMARY_SCHEMA, p) for p in sorted(EXAMPLES.glob("*.summary.json"))] + [
    (contract.DISCHARGE_SCHEMA, p) for p in sorted(EXAMPLES.glob("*.discharge.json"))
]


def test_the_schemas_have_whole_string_patterns_to_rewrite() -> None:
    assert text.for_compiled(contract.schema_text(contract.SUMMARY_SCHEMA)) != contract.schema_text(
        contract.SUMMARY_SCHEMA
    )
    assert b"(?!\\\\n)" not in text.for_compiled(contract.schema_text(contract.SUMMARY_SCHEMA))


@pytest.mark.parametrize(("schema", "example"), CASES, ids=[p.name for _, p in CASES])
def test_the_rewritten_patterns_decide_as_the_written_ones(schema: str, example: Path) -> None:
    written = validator(lambda b: b, schema)
    rewritten = validator(text.for_compiled, schema)
    data = orjson.loads(example.read_bytes())
    assert rewritten.is_valid(data) and written.is_valid(data)
    refused = 0
    for path in strings(data):
        for tail in ("\n", " ", "\x00", "\r\n"):
            bad = changed(data, path, tail)
            assert rewritten.is_valid(bad) == written.is_valid(bad), (path, tail)
            refused += not rewritten.is_valid(bad)
    assert refused > 0
