"""Shared fixtures for the hazard tests: the bundled examples."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
import pytest

EXAMPLES = Path(__file__).parents[2] / "examples"


def example(name: str) -> dict[str, Any]:
    """A fresh copy of ``examples/<name>.summary.json`` (or ``.discharge.json`` when name ends so)."""
    path = EXAMPLES / (name if name.endswith(".json") else f"{name}.summary.json")
    data: dict[str, Any] = orjson.loads(path.read_bytes())
    return copy.deepcopy(data)


@pytest.fixture(params=sorted(p.name.split(".")[0] for p in EXAMPLES.glob("*.summary.json")))
def any_example(request: pytest.FixtureRequest) -> dict[str, Any]:
    return example(request.param)
