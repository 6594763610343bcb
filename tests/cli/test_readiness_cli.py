"""``redbag readiness`` as a user runs it: the checklist printed, its Tasks written, the delay said, and a
bad input refused naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from adapter.cli import main

EXAMPLES = Path(__file__).parents[2] / "examples"
READINESS = str(EXAMPLES / "return-journey.readiness.json")
SUMMARY = str(EXAMPLES / "return-journey.summary.json")


def test_the_checklist_is_printed_and_its_tasks_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    discharge = str(EXAMPLES / "return-journey.discharge.json")
    args = ["readiness", READINESS, "--summary", SUMMARY, "--discharge", discharge, "--out", str(tmp_path)]
    assert main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("RB-VR8D2-0456: ready for discharge on 2025-04-02")
    assert [line.split("  by ")[0].strip() for line in lines[1:8]] == [
        "Met by the care home",
        "Met by the care home",
        "Not possible at this care home",
        "Needs action by the care home",
        "Needs action by the care home",
        "Needs action by the hospital",
        "Met by the care home",
    ]
    assert "1 need(s) not possible at Oakwood Lodge Nursing Home" in lines[8]
    assert lines[9] == "discharged on 2025-04-04: discharged 2 days after it (delayed)"
    bundle = orjson.loads((tmp_path / "RB-VR8D2-0456.readiness.json").read_bytes())
    assert bundle["type"] == "collection" and len(bundle["entry"]) == 7
    first = (tmp_path / "RB-VR8D2-0456.readiness.json").read_bytes()
    assert main(args) == 0
    assert (tmp_path / "RB-VR8D2-0456.readiness.json").read_bytes() == first, "the same input, the same bytes"


def test_published_capabilities_come_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    published = tmp_path / "caps.json"
    published.write_bytes(orjson.dumps({"care": ["bowel-care", "oxygen-therapy"], "equipment": []}))
    assert main(["readiness", READINESS, "--summary", SUMMARY, "--capabilities", str(published)]) == 0
    out = capsys.readouterr().out
    assert "can manage: published" in out
    assert "Oxygen therapy: the care home gives this care" in out
    assert "Profiling bed: the care home has none" in out


def test_a_bad_input_is_refused_naming_the_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.readiness.json"
    data = orjson.loads(Path(READINESS).read_bytes())
    data["needs"][0]["code"] = "hoist"
    del data["dischargeReadyDate"]
    bad.write_bytes(orjson.dumps(data))
    assert main(["readiness", str(bad), "--summary", SUMMARY]) == 1
    err = capsys.readouterr().err
    assert f"{bad}: 2 problem(s):" in err
    assert "$.dischargeReadyDate: is required" in err and "$.needs[0].code: 'hoist' is not care" in err
