"""Every JSON Schema the package ships is a valid schema of its own draft (checked here, not on every run)."""

from __future__ import annotations

from importlib import resources
from typing import Any

import jsonschema
import orjson
import pytest

PACKAGES = ("adapter.redbag", "adapter.mapping")
SHIPPED = sorted(
    (package, f"schemas/{f.name}")
    for package in PACKAGES
    for f in resources.files(package).joinpath("schemas").iterdir()
    if f.name.endswith(".schema.json")
)


def test_the_schemas_are_found() -> None:
    assert ("adapter.redbag", "schemas/resident-summary.schema.json") in SHIPPED
    assert ("adapter.mapping", "schemas/mapping.schema.json") in SHIPPED


@pytest.mark.parametrize(("package", "path"), SHIPPED, ids=[p for _, p in SHIPPED])
def test_shipped_schema_is_valid_for_its_draft(package: str, path: str) -> None:
    schema: Any = orjson.loads(resources.files(package).joinpath(path).read_bytes())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)


def test_a_broken_schema_is_caught() -> None:
    """The check above can fail: a schema with a wrong keyword type is refused."""
    with pytest.raises(jsonschema.SchemaError):
        jsonschema.validators.validator_for({}).check_schema({"type": 12})
