"""The local codes of what a care home can manage and of discharge readiness: every code has a definition,
and the compiled CodeSystems (profiles/fsh) say exactly what the Python tables say, code, display and
definition (the generator writes the displays; people read the definitions)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from adapter.pathway.readiness import NEED_KINDS, OUTCOMES
from adapter.pathway.readiness_tasks import NEED_SYSTEM, OUTCOME_SYSTEM
from adapter.redbag import capabilities

PROFILES = Path(__file__).resolve().parents[2] / "profiles"
Json = dict[str, Any]


def _code_system(url: str) -> dict[str, tuple[str, str]]:
    data: Json = orjson.loads((PROFILES / f"CodeSystem-{url.rsplit('/', 1)[1]}.json").read_bytes())
    assert data["url"] == url and data["content"] == "complete"
    return {c["code"]: (c["display"], c["definition"]) for c in data["concept"]}


@pytest.mark.parametrize(
    ("url", "table"),
    [
        (capabilities.SYSTEM, capabilities.CODES),
        (OUTCOME_SYSTEM, {k.value: v for k, v in OUTCOMES.items()}),
        (NEED_SYSTEM, NEED_KINDS),
    ],
    ids=["care-home-capability", "discharge-readiness-outcome", "discharge-need"],
)
def test_code_systems_say_what_the_tables_say(url: str, table: dict[str, tuple[str, str]]) -> None:
    assert _code_system(url) == dict(table)
    for code, (display, definition) in table.items():
        assert display and len(definition) > len(display), f"{code}: a definition says more than the name"


def test_each_capability_is_in_one_list() -> None:
    listed = [code for codes in capabilities.GROUPS.values() for code in codes]
    assert len(listed) == len(set(listed)) == len(capabilities.CODES)
    lists = {c["code"] for c in orjson.loads(
        (PROFILES / "CodeSystem-care-home-capability-list.json").read_bytes())["concept"]}  # fmt: skip
    assert lists == set(capabilities.GROUPS)
