"""Wrong is refused, missing travels, on the CSV path.

A resident whose rows only lack what may travel absent (a DNACPR decision dated by day or not dated, a
time-critical medicine without the time of its last dose) is converted, the gap marked in the FHIR where the
field policy says, and listed in errors.csv / errors.json with severity ``warning``; exit status 0. A resident
with wrong input (an impossible date) is still held back whole, naming file, line and column, while the others
convert; exit status 1. ``--strict`` holds back the residents with gaps too.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import orjson
import pytest

from adapter.cli import main
from adapter.mapping import ConvertRequest, convert_export
from adapter.redbag import dates, policy
from adapter.redbag.dates import Shape
from tests.gap_marks import marks as gap_marks
from tests.mapping.test_care_home_csv import BAGS, Files, export_rows, line_of, write

Json = dict[str, Any]
INSULIN = "36047411000001101"  # R2's time-critical insulin (insulin-parkinsons)


def report(out: Path) -> list[dict[str, str]]:
    with (out / "errors.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def marks(document: Json, field: str) -> list[Any]:
    """What the document carries where the field policy says a gap of ``field`` is marked."""
    rule = policy.rule_for("summary", field)
    assert rule.fhir is not None
    return gap_marks(document, rule.fhir)


def resident(files: Files, name: str, rid: str) -> dict[str, str]:
    return next(r for r in files[name] if r["resident_id"] == rid)


def gaps_export(tmp_path: Path, *, wrong: bool = True) -> tuple[Path, Files]:
    """R1: DNACPR dated by day only (UK order); R2: time-critical insulin without its last dose; R3: a DNACPR
    decision with no date; R4 (``wrong``): a copy of R1 born on 30 February."""
    files = export_rows()
    resident(files, "residents.csv", "R1")["resuscitation_recorded_at"] = "12/06/2025"
    med = next(r for r in files["medications.csv"] if r["resident_id"] == "R2" and r["dmd_code"] == INSULIN)
    med["last_dose_given"] = ""
    r3 = resident(files, "residents.csv", "R3")
    r3["resuscitation_decision"], r3["resuscitation_recorded_at"] = "dnacpr", ""
    if wrong:
        for name, rows in list(files.items()):
            copies = [dict(r, resident_id="R4") for r in rows if r["resident_id"] == "R1"]
            files[name] = rows + copies
        r4 = resident(files, "residents.csv", "R4")
        r4["bag_number"], r4["birth_date"] = "RB-WRONG-0001", "30/02/1938"
    return write(tmp_path / "export", files), files


def test_gaps_travel_with_warnings_and_wrong_input_is_held_back(tmp_path: Path) -> None:
    export, files = gaps_export(tmp_path)
    out = tmp_path / "out"
    result = convert_export(ConvertRequest("care-home-csv", export, out))
    assert (result.residents, result.converted, result.held_back) == (4, 3, 1)
    assert (result.converted_with_warnings, result.warnings, result.errors) == (2, 2, 1)
    rows = report(out)
    warnings = {r["resident"]: r for r in rows if r["severity"] == "warning"}
    assert sorted(warnings) == ["R2", "R3"]  # R1's date-only decision is not a gap: the form is dated by day
    assert warnings["R2"]["file"] == "medications.csv" and warnings["R2"]["column"] == "last_dose_given"
    assert int(warnings["R2"]["line"]) == line_of(files, "medications.csv", lambda r: r is med_row(files))
    assert warnings["R2"]["reason"].startswith(
        "$.medications[0].lastDoseGiven: the time of the last dose of time-critical Insulin isophane"
    )
    assert (warnings["R3"]["file"], warnings["R3"]["column"]) == (
        "residents.csv",
        "resuscitation_recorded_at",
    )
    assert int(warnings["R3"]["line"]) == line_of(files, "residents.csv", lambda r: r["resident_id"] == "R3")
    assert warnings["R3"]["reason"] == (
        "$.resuscitation.recordedAt: the date of the resuscitation decision is not recorded"
    )
    (error,) = [r for r in rows if r["severity"] == "error"]
    assert (error["file"], error["column"], error["resident"]) == ("residents.csv", "birth_date", "R4")
    assert error["value"] == "(withheld: personal data)"
    assert error["reason"] == dates.problem("1938-02-30", Shape.DATE)
    # The wrong resident is held back whole; the others travel, their gaps marked where the policy says.
    assert not (out / "RB-WRONG-0001.document.json").exists()
    docs = {bag: orjson.loads((out / f"{bag}.document.json").read_bytes()) for bag in BAGS}
    flag = next(e["resource"] for e in docs[BAGS[0]]["entry"] if e["resource"]["resourceType"] == "Flag")
    assert flag["period"]["start"] == "2025-06-12"
    assert marks(docs[BAGS[1]], "medications[].lastDoseGiven") == ["unknown"]
    assert marks(docs[BAGS[2]], "resuscitation.recordedAt") == ["unknown"]
    assert marks(docs[BAGS[0]], "resuscitation.recordedAt") == []
    summary = orjson.loads((out / "errors.json").read_bytes())
    assert (summary["convertedWithWarnings"], summary["warningCount"], summary["errorCount"]) == (2, 2, 1)
    assert [h["resident"] for h in summary["residentsHeldBack"]] == ["R4"]
    assert {e["severity"] for e in summary["errors"]} == {"error", "warning"}


def med_row(files: Files) -> dict[str, str]:
    return next(r for r in files["medications.csv"] if r["resident_id"] == "R2" and r["dmd_code"] == INSULIN)


@pytest.mark.parametrize("wrong", [False, True], ids=["only gaps", "one wrong resident"])
def test_exit_status_is_0_on_warnings_and_1_when_a_resident_is_held_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], wrong: bool
) -> None:
    export, _ = gaps_export(tmp_path, wrong=wrong)
    code = main(["convert", str(export), "--mapping", "care-home-csv", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    total, held = (4, 1) if wrong else (3, 0)
    assert code == (1 if wrong else 0)
    assert (
        f"converted 3 of {total} resident(s) (care-home-csv): {held} held back, {held} row error(s), "
        "2 converted with 2 warning(s)"
    ) in err
    assert "warning: residents.csv line 4, resuscitation_recorded_at: $.resuscitation.recordedAt" in err


def test_strict_holds_back_the_residents_with_gaps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export, _ = gaps_export(tmp_path, wrong=False)
    out = tmp_path / "out"
    code = main(["convert", str(export), "--mapping", "care-home-csv", "--strict", "--out", str(out)])
    assert code == 1
    assert (
        "converted 1 of 3 resident(s) (care-home-csv): 2 held back, 2 row error(s)" in capsys.readouterr().err
    )
    rows = report(out)
    assert {r["severity"] for r in rows} == {"error"}
    assert {r["resident"]: r["column"] for r in rows} == {
        "R2": "last_dose_given",
        "R3": "resuscitation_recorded_at",
    }
    assert all(r["reason"].endswith("(refused: --strict)") for r in rows)
    assert sorted(p.name for p in out.glob("*.document.json")) == [f"{BAGS[0]}.document.json"]
    assert orjson.loads((out / "errors.json").read_bytes())["strict"] is True


# (file, column, the cell, the ISO text the calendar checks, its shape)
IMPOSSIBLE = {
    "birth date 30 February": ("residents.csv", "birth_date", "30/02/1938", "1938-02-30", Shape.DATE),
    "29 February in 2026": ("residents.csv", "created_at", "2026-02-29T10:00:00Z", "2026-02-29T10:00:00Z",
                            Shape.INSTANT),
    "hour 24": ("residents.csv", "departed_at", "2026-03-29T24:00:00+01:00", "2026-03-29T24:00:00+01:00",
                Shape.INSTANT),
    "offset +15:00": ("medications.csv", "last_dose_given", "2025-10-25T21:30:00+15:00",
                      "2025-10-25T21:30:00+15:00", Shape.INSTANT),
    "DNACPR dated 31 April": ("residents.csv", "resuscitation_recorded_at", "31/04/2025", "2025-04-31",
                              Shape.DATE),
    "onset 30 February": ("conditions.csv", "onset", "2019-02-30", "2019-02-30", Shape.DATE),
    "local time 29 February 1900": ("medications.csv", "last_dose_given", "29/02/1900 08:00",
                                    "1900-02-29T08:00Z", Shape.INSTANT),
}  # fmt: skip


@pytest.mark.parametrize("case", list(IMPOSSIBLE), ids=list(IMPOSSIBLE))
def test_impossible_dates_are_refused_naming_file_line_and_column(tmp_path: Path, case: str) -> None:
    file, column, cell, iso, shape = IMPOSSIBLE[case]
    files = export_rows()
    row = next(r for r in files[file] if r["resident_id"] == "R2")
    row[column] = cell
    export = write(tmp_path / "export", files)
    out = tmp_path / "out"
    result = convert_export(ConvertRequest("care-home-csv", export, out))
    assert (result.converted, result.held_back) == (2, 1)
    (error,) = [r for r in report(out) if r["severity"] == "error"]
    assert (error["file"], error["column"], error["resident"]) == (file, column, "R2")
    assert int(error["line"]) == line_of(files, file, lambda r: r is row)
    assert error["reason"] == dates.problem(iso, shape)  # the JSON contract's own words
    assert not (out / f"{BAGS[1]}.document.json").exists()


def _clear(name: str, *columns: str) -> Any:
    def edit(files: Files) -> None:
        for row in files[name]:
            if row["resident_id"] == "R1":
                for column in columns:
                    row[column] = ""

    return edit


def _drop_rows(name: str) -> Any:
    def edit(files: Files) -> None:
        files[name] = [r for r in files[name] if r["resident_id"] != "R1"]
        if name == "contacts.csv":  # consent by her LPA needs the LPA among the contacts: consent herself
            resident(files, "residents.csv", "R1")["consent_by"] = "resident"

    return edit


# Empty cells (or no rows) of R1 (dementia-dnacpr) -> (the warnings' JSON paths, the policy field whose
# gap the document marks).
TRAVELS = {
    "birth date": (_clear("residents.csv", "birth_date"), ["$.resident.birthDate"], "resident.birthDate"),
    "gender": (_clear("residents.csv", "gender"), ["$.resident.gender"], "resident.gender"),
    "decision and date": (
        _clear("residents.csv", "resuscitation_decision", "resuscitation_recorded_at"),
        ["$.resuscitation"],
        "resuscitation",
    ),
    "consent": (_clear("residents.csv", "consent_given", "consent_by"), ["$.consentToShare"],
                "consentToShare"),
    "doses": (_clear("medications.csv", "dose"), ["$.medications[0].dose", "$.medications[1].dose"],
              "medications[].dose"),
    "allergy criticality": (_clear("allergies.csv", "criticality"), ["$.allergies[0].criticality"],
                            "allergies[].criticality"),
    "no contacts": (_drop_rows("contacts.csv"), ["$.contacts"], "contacts"),
    "no allergy rows": (_drop_rows("allergies.csv"), ["$.allergies"], "allergies"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(TRAVELS), ids=list(TRAVELS))
def test_every_field_the_policy_lets_travel_converts_with_its_warning(tmp_path: Path, case: str) -> None:
    """docs/care-home-csv.md marks these columns *travels*: empty, the resident still goes, the gap marked."""
    edit, paths, field = TRAVELS[case]
    files = export_rows()
    edit(files)
    out = tmp_path / "out"
    result = convert_export(ConvertRequest("care-home-csv", write(tmp_path / "export", files), out))
    assert (result.converted, result.held_back, result.errors) == (3, 0, 0), report(out)
    gaps = [r["reason"].split(":")[0] for r in report(out) if r["resident"] == "R1"]
    assert gaps == paths
    document = orjson.loads((out / f"{BAGS[0]}.document.json").read_bytes())
    assert marks(document, field), f"{field}: no mark where the field policy says the gap is marked"


def test_half_a_consent_is_refused_naming_the_empty_cell(tmp_path: Path) -> None:
    files = export_rows()
    _clear("residents.csv", "consent_by")(files)
    out = tmp_path / "out"
    result = convert_export(ConvertRequest("care-home-csv", write(tmp_path / "export", files), out))
    assert (result.converted, result.held_back) == (2, 1)
    (error,) = [r for r in report(out) if r["severity"] == "error"]
    assert (error["file"], error["column"], error["resident"]) == ("residents.csv", "consent_by", "R1")
    assert error["reason"] == "$.consentToShare.by: is required"
