"""Shared fixtures for the hazard tests: the bundled examples."""

from __future__ import annotations

import copy
import secrets
from pathlib import Path
from typing import Any

import orjson
import pytest

from adapter.redbag.identifiers import nhs_number_is_valid
from tests.events.conftest import clock, start  # noqa: F401  (the service in a thread, for H9, H27)

EXAMPLES = Path(__file__).parents[2] / "examples"


def example(name: str) -> dict[str, Any]:
    """A fresh copy of ``examples/<name>.summary.json`` (or ``.discharge.json`` when name ends so)."""
    path = EXAMPLES / (name if name.endswith(".json") else f"{name}.summary.json")
    data: dict[str, Any] = orjson.loads(path.read_bytes())
    return copy.deepcopy(data)


@pytest.fixture(params=sorted(p.name.split(".")[0] for p in EXAMPLES.glob("*.summary.json")))
def any_example(request: pytest.FixtureRequest) -> dict[str, Any]:
    return example(request.param)


def fresh_nhs_number() -> str:
    """A valid NHS number no other test uses (random, with its modulus-11 check digit)."""
    while True:
        nine = "9" + "".join(secrets.choice("0123456789") for _ in range(8))
        for digit in "0123456789":
            if nhs_number_is_valid(nine + digit):
                return nine + digit
