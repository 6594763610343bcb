"""What a care home can manage, in the care-home-csv layout: five optional columns of residents.csv, codes
separated by ";" ("none" for a list stated empty), return windows as "mon-fri 08:00-20:00; sat,sun ...";
a wrong cell holds its resident back naming the column; an export without the columns converts, noted."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import orjson
import pytest

from adapter.mapping import ConvertRequest, convert_export
from adapter.mapping.batch import assess_export
from tests.mapping.care_home_export import COLUMNS, rows_of, write_csv
from tests.mapping.test_care_home_csv import report

EXAMPLES = Path(__file__).parents[2] / "examples"
CAPABILITY_COLUMNS = COLUMNS["residents.csv"][-5:]
Json = dict[str, Any]


def _export(folder: Path, cells: dict[str, str] | None = None, columns: list[str] | None = None) -> Path:
    summary = orjson.loads((EXAMPLES / "return-journey.summary.json").read_bytes())
    rows = rows_of(summary, "R7")
    rows["residents.csv"][0].update(cells or {})
    folder.mkdir(parents=True)
    for name, found in rows.items():
        wanted = columns if columns is not None and name == "residents.csv" else COLUMNS[name]
        write_csv(folder / name, wanted, found)
    return folder


def _read(folder: Path) -> Any:
    (found,) = assess_export(ConvertRequest("care-home-csv", folder, folder.parent / "unused"))
    return found


def test_the_columns_say_the_whole_block(tmp_path: Path) -> None:
    summary = orjson.loads((EXAMPLES / "return-journey.summary.json").read_bytes())
    found = _read(_export(tmp_path / "x"))
    assert (
        found.status == "ok"
        and found.summary["careHome"]["capabilities"] == summary["careHome"]["capabilities"]
    )
    cells = {
        "can_manage_care": "None",
        "can_manage_equipment": "",
        "can_manage_discharge": " collect-medicines ;arrange-transport",
        "returns_accepted": "Mon-Wed 09:00-17:00; sat 10:00-12:00",
        "capabilities_confirmed_on": "03/2025",
    }
    found = _read(_export(tmp_path / "y", cells))
    assert found.summary["careHome"]["capabilities"] == {
        "confirmedOn": "2025-03",
        "care": [],
        "discharge": ["collect-medicines", "arrange-transport"],
        "returns": [
            {"days": ["mon", "tue", "wed"], "from": "09:00", "until": "17:00"},
            {"days": ["sat"], "from": "10:00", "until": "12:00"},
        ],
    }


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("can_manage_care", "bowel-care; juggling", "unknown value"),
        ("can_manage_equipment", "hoist; hoist", "non-unique"),
        ("returns_accepted", "weekdays 9-5", "write each window as DAYS HH:MM-HH:MM"),
        ("returns_accepted", "fri-mon 08:00-20:00", "a range of days runs forward"),
        ("returns_accepted", "mon 20:00-08:00", "a window ends after it starts"),
        ("capabilities_confirmed_on", "31/02/2025", "calendar"),
    ],
)
def test_a_wrong_cell_holds_the_resident_back_naming_the_column(
    tmp_path: Path, column: str, value: str, reason: str
) -> None:
    folder = _export(tmp_path / "export", {column: value})
    out = tmp_path / "out"
    result = convert_export(ConvertRequest("care-home-csv", folder, out))
    assert (result.converted, result.held_back) == (0, 1)
    (error,) = report(out)
    assert (error["file"], error["line"], error["column"]) == ("residents.csv", "2", column), error
    assert reason in error["reason"], error["reason"]


def test_an_export_without_the_columns_converts_and_says_so(tmp_path: Path) -> None:
    columns = [c for c in COLUMNS["residents.csv"] if c not in CAPABILITY_COLUMNS]
    folder = _export(tmp_path / "export", columns=columns)
    out = tmp_path / "out"
    result = convert_export(ConvertRequest("care-home-csv", folder, out))
    assert (result.converted, result.held_back) == (1, 0)
    document = orjson.loads((out / "RB-VR8D2-0456.document.json").read_bytes())
    section = document["entry"][0]["resource"]["section"][-1]
    assert section["title"] == "What we can manage" and "entry" not in section
    with (out / "errors.csv").open(encoding="utf-8", newline="") as handle:
        notes = {r["column"] for r in csv.DictReader(handle) if r["severity"] == "note"}
    assert notes == set(CAPABILITY_COLUMNS)
