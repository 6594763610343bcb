"""The hazard log and the test suite agree: every hazard has a test named after it, and no test names an
unknown hazard."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[2]
LOG = ROOT / "docs" / "safety" / "hazard-log.md"


def hazards_in_log() -> set[str]:
    return set(re.findall(r"^\| (H\d+) \|", LOG.read_text(encoding="utf-8"), flags=re.MULTILINE))


def hazards_in_tests() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in (ROOT / "tests").rglob("test_*.py"):
        for name in re.findall(
            r"^\s*(?:async )?def (test_h(\d+)_\w+)", path.read_text(encoding="utf-8"), flags=re.MULTILINE
        ):
            found.setdefault(f"H{name[1]}", []).append(f"{path.relative_to(ROOT)}::{name[0]}")
    return found


def test_every_hazard_has_a_test() -> None:
    tested = hazards_in_tests()
    untested = sorted(hazards_in_log() - set(tested), key=lambda h: int(h[1:]))
    assert hazards_in_log() >= {f"H{i}" for i in range(1, 11)}
    assert not untested, f"hazards without a test named test_hN_...: {untested}"


def test_every_hazard_test_names_a_logged_hazard() -> None:
    unknown = sorted(set(hazards_in_tests()) - hazards_in_log())
    assert not unknown, f"tests name hazards missing from {LOG.name}: {unknown}"
