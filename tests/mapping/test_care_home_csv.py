"""The care-home-csv layout end to end: bad rows never stop the batch, and never half-convert a resident."""

from __future__ import annotations

import copy
import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from adapter.errors import MappingError
from adapter.mapping import BatchResult, ConvertRequest, convert_export
from adapter.redbag import build_bundles, check_summary, vocab
from adapter.redbag.context import SHARED_TYPES
from adapter.redbag.contract import read_json_file
from tests.mapping.care_home_export import COLUMNS, rows_of, write_csv

Json = dict[str, Any]

EXAMPLES = Path(__file__).parents[2] / "examples"
PICKED = ("dementia-dnacpr", "insulin-parkinsons", "no-known-allergies")
SUMMARIES = [read_json_file(EXAMPLES / f"{name}.summary.json") for name in PICKED]
IDS = ["R1", "R2", "R3"]
BAGS = [s["bagNumber"] for s in SUMMARIES]

Files = dict[str, list[dict[str, str]]]


def export_rows() -> Files:
    files: Files = {name: [] for name in COLUMNS}
    for rid, summary in zip(IDS, SUMMARIES, strict=True):
        for name, rows in rows_of(summary, rid).items():
            files[name].extend(rows)
    return files


def write(folder: Path, files: Files) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in files.items():
        write_csv(folder / name, COLUMNS[name], rows)
    return folder


def convert(
    tmp_path: Path, edit: Callable[[Files], None] | None = None, **kw: Any
) -> tuple[BatchResult, Path]:
    files = export_rows()
    if edit:
        edit(files)
    folder = write(tmp_path / "export", files)
    out = tmp_path / "out"
    return convert_export(ConvertRequest("care-home-csv", folder, out, **kw)), out


def report(out: Path, severity: str | None = "error") -> list[dict[str, str]]:
    """The rows of errors.csv of one severity (None: all)."""
    with (out / "errors.csv").open(encoding="utf-8", newline="") as handle:
        return [r for r in csv.DictReader(handle) if severity is None or r["severity"] == severity]


def line_of(files: Files, name: str, match: Callable[[dict[str, str]], bool]) -> int:
    return next(n for n, row in enumerate(files[name], start=2) if match(row))


def test_a_clean_export_converts_every_resident(tmp_path: Path) -> None:
    result, out = convert(tmp_path)
    assert (result.residents, result.converted, result.held_back, result.errors) == (3, 3, 0, 0)
    for bag in BAGS:
        document = orjson.loads((out / f"{bag}.document.json").read_bytes())
        assert document["type"] == "document"
        assert (out / f"{bag}.transaction.json").is_file()
    assert report(out) == []
    # no-known-allergies records its resuscitation decision as not recorded: it travels, with a warning.
    (gap,) = report(out, None)
    assert (gap["severity"], gap["resident"], gap["column"]) == ("warning", "R3", "resuscitation_decision")
    assert gap["reason"] == "$.resuscitation.decision: the resuscitation decision is not recorded"
    summary = orjson.loads((out / "errors.json").read_bytes())
    assert summary["converted"] == 3 and summary["residentsHeldBack"] == []
    assert (summary["errorCount"], summary["warningCount"], summary["convertedWithWarnings"]) == (0, 1, 1)
    assert [e["severity"] for e in summary["errors"]] == ["warning"]


def _set(name: str, rid: str, column: str, value: str, nth: int = 0) -> Callable[[Files], None]:
    def edit(files: Files) -> None:
        rows = [r for r in files[name] if r["resident_id"] == rid]
        rows[nth][column] = value

    return edit


def _orphan(files: Files) -> None:
    row = dict(files["conditions.csv"][0], resident_id="R9")
    files["conditions.csv"].append(row)


def _duplicate_resident(files: Files) -> None:
    clone = dict(files["residents.csv"][0], bag_number="RB-OTHER-1")
    files["residents.csv"].append(clone)


def _duplicate_bag(files: Files) -> None:
    files["residents.csv"][2]["bag_number"] = files["residents.csv"][0]["bag_number"]


def _extra_value(files: Files) -> None:
    files["belongings.csv"][0]["note"] = "left, right"  # written quoted: fine
    files["contacts.csv"].append({"resident_id": "R2", "name": "A", "relationship": "B"})


# (edit, [(file, column, shown value, reason fragment, resident)], held back)
BAD_ROWS: dict[str, tuple[Callable[[Files], None], list[tuple[str, str, str, str, str]], set[str]]] = {
    "bad date": (
        _set("residents.csv", "R1", "birth_date", "31/02/1937"),
        [("residents.csv", "birth_date", "(withheld: personal data)", "is not a day of the calendar", "R1")],
        {"R1"},
    ),
    "unknown code": (
        _set("medications.csv", "R2", "status", "paused"),
        [("medications.csv", "status", "paused", "unknown value (expected one of: active", "R2")],
        {"R2"},
    ),
    "bad NHS number": (
        _set("residents.csv", "R3", "nhs_number", "9434765918"),
        [
            (
                "residents.csv",
                "nhs_number",
                "(withheld: personal data)",
                "*******918 fails the NHS number",
                "R3",
            )
        ],
        {"R3"},
    ),
    "missing required value": (
        _set("contacts.csv", "R1", "relationship", ""),
        [("contacts.csv", "relationship", "", "missing required value", "R1")],
        {"R1"},
    ),
    "bad code check digit": (
        _set("conditions.csv", "R2", "snomed_code", "49049001"),
        [("conditions.csv", "snomed_code", "49049001", "Verhoeff check digit", "R2")],
        {"R2"},
    ),
    "orphan row": (
        _orphan,
        [("conditions.csv", "resident_id", "R9", "orphan row: no resident 'R9' in residents.csv", "R9")],
        set(),
    ),
    "duplicate resident": (
        _duplicate_resident,
        [("residents.csv", "resident_id", "R1", "duplicate resident: resident_id 'R1' is also on line", "R1")]
        * 2,
        {"R1"},
    ),
    "duplicate bag number": (
        _duplicate_bag,
        [
            (
                "residents.csv",
                "bag_number",
                BAGS[0],
                "duplicate bag_number: also on line 4 (resident 'R3')",
                "R1",
            ),
            (
                "residents.csv",
                "bag_number",
                BAGS[0],
                "duplicate bag_number: also on line 2 (resident 'R1')",
                "R3",
            ),
        ],
        {"R1", "R3"},
    ),
}


@pytest.mark.parametrize("case", list(BAD_ROWS), ids=list(BAD_ROWS))
def test_a_bad_row_holds_back_only_its_resident(tmp_path: Path, case: str) -> None:
    edit, expected, held = BAD_ROWS[case]
    result, out = convert(tmp_path, edit)
    got = [(r["file"], r["column"], r["value"], r["reason"], r["resident"]) for r in report(out)]
    assert len(got) == len(expected), got
    for (file, column, value, reason, resident), row in zip(expected, got, strict=True):
        assert row[:3] == (file, column, value) and reason in row[3] and row[4] == resident, row
    assert all(r["line"].isdigit() for r in report(out))
    held_json = orjson.loads((out / "errors.json").read_bytes())["residentsHeldBack"]
    assert {h["resident"] for h in held_json} == held
    assert result.held_back == len(held)
    converted = {bag for rid, bag in zip(IDS, BAGS, strict=True) if rid not in held}
    if case == "duplicate bag number":
        converted.discard(BAGS[0])
    assert {p.name.split(".")[0] for p in out.glob("*.document.json")} == converted
    assert result.converted == len(converted)


def test_report_names_the_exact_line(tmp_path: Path) -> None:
    files = export_rows()
    _set("medications.csv", "R2", "status", "paused", nth=1)(files)
    expected = line_of(files, "medications.csv", lambda r: r["status"] == "paused")
    write(tmp_path / "export", files)
    convert_export(ConvertRequest("care-home-csv", tmp_path / "export", tmp_path / "out"))
    (row,) = report(tmp_path / "out")
    assert int(row["line"]) == expected


def test_contract_findings_point_at_the_cell_that_fed_them(tmp_path: Path) -> None:
    """A contradiction (error) and a gap (warning) are each reported at the file, line and column behind
    the field; the resident with the gap is converted, the one with the contradiction is not."""

    def edit(files: Files) -> None:
        med = next(r for r in files["medications.csv"] if r["resident_id"] == "R2")
        med["time_critical"], med["last_dose_given"] = "yes", ""
        files["allergies.csv"].append(
            {"resident_id": "R1", "code_system": "snomed", "code": "716186003", "display": "No known allergy"}
        )

    files = export_rows()
    edit(files)
    med_line = line_of(files, "medications.csv", lambda r: r["time_critical"] == "yes")
    nka_line = len(files["allergies.csv"]) + 1
    write(tmp_path / "export", files)
    result = convert_export(ConvertRequest("care-home-csv", tmp_path / "export", tmp_path / "out"))
    rows = {(r["resident"], r["severity"]): r for r in report(tmp_path / "out", None)}
    gap = rows["R2", "warning"]
    assert gap["file"] == "medications.csv" and int(gap["line"]) == med_line
    assert gap["column"] == "last_dose_given"
    assert gap["reason"].startswith(
        "$.medications[0].lastDoseGiven: the time of the last dose of time-critical"
    )
    wrong = rows["R1", "error"]
    assert wrong["file"] == "allergies.csv" and int(wrong["line"]) == nka_line
    assert "$.noKnownAllergies: cannot be true when allergies are listed" in wrong["reason"]
    assert (result.converted, result.held_back) == (2, 1)


def test_formula_injection_is_neutralised_in_errors_csv(tmp_path: Path) -> None:
    payload = '=HYPERLINK("http://x","y")'
    _, out = convert(tmp_path, _set("medications.csv", "R2", "status", payload))
    (row,) = report(out)
    assert row["value"] == "'" + payload
    (raw,) = [
        e for e in orjson.loads((out / "errors.json").read_bytes())["errors"] if e["severity"] == "error"
    ]
    assert raw["value"] == payload  # JSON is not a spreadsheet: the value as it was


def test_a_row_with_the_wrong_number_of_values_is_caught(tmp_path: Path) -> None:
    files = export_rows()
    folder = write(tmp_path / "export", files)
    with (folder / "contacts.csv").open("a", encoding="utf-8", newline="") as handle:
        handle.write("R2,Ann Other,Friend,01632 960999,no,no,extra\r\n")
    result = convert_export(ConvertRequest("care-home-csv", folder, tmp_path / "out"))
    (row,) = report(tmp_path / "out")
    assert row["reason"].startswith("row has 7 values but the header has 6 columns")
    assert row["file"] == "contacts.csv" and row["resident"] == "R2"
    assert result.held_back == 1 and result.converted == 2


def test_missing_file_or_column_stops_before_any_work(tmp_path: Path) -> None:
    folder = write(tmp_path / "export", export_rows())
    (folder / "belongings.csv").unlink()
    rows = export_rows()["medications.csv"]
    write_csv(folder / "medications.csv", [c for c in COLUMNS["medications.csv"] if c != "sent_in_bag"], rows)
    out = tmp_path / "out"
    with pytest.raises(MappingError) as info:
        convert_export(ConvertRequest("care-home-csv", folder, out))
    message = str(info.value)
    assert "belongings.csv: no such file" in message
    assert "medications.csv: missing column(s) sent_in_bag" in message
    assert not out.exists() or not any(out.iterdir())


def test_extra_columns_and_any_row_order_are_fine(tmp_path: Path) -> None:
    files = export_rows()
    folder = tmp_path / "export"
    folder.mkdir()
    for name, rows in files.items():
        write_csv(folder / name, COLUMNS[name], list(reversed(rows)), extra_columns=True)
    result = convert_export(ConvertRequest("care-home-csv", folder, tmp_path / "out"))
    assert result.converted == 3 and result.errors == 0


def test_a_held_back_resident_leaves_no_stale_red_bag(tmp_path: Path) -> None:
    _, out = convert(tmp_path)
    assert (out / f"{BAGS[0]}.document.json").exists()
    for p in (tmp_path / "export").iterdir():
        p.unlink()
    result, out = convert(tmp_path, _set("residents.csv", "R1", "created_at", "yesterday"))
    assert result.held_back == 1
    assert not (out / f"{BAGS[0]}.document.json").exists()
    assert not (out / f"{BAGS[0]}.transaction.json").exists()


def test_bundles_match_the_json_path_byte_for_byte(tmp_path: Path) -> None:
    # A summary read from CSV gives the bundles the JSON path gives for the same summary.
    from adapter.fhir.jsonio import dumps
    from adapter.mapping.batch import assess_export

    folder = write(tmp_path / "export", export_rows())
    _, out = convert(tmp_path)
    for a in assess_export(ConvertRequest("care-home-csv", folder, tmp_path / "scratch")):
        assert a.summary is not None
        document, transaction = build_bundles(check_summary(copy.deepcopy(a.summary)))
        bag = a.summary["bagNumber"]
        assert (out / f"{bag}.document.json").read_bytes() == dumps(document)
        assert (out / f"{bag}.transaction.json").read_bytes() == dumps(transaction)


def ndjson(out: Path) -> dict[str, list[dict[str, Any]]]:
    return {
        p.stem: [orjson.loads(line) for line in p.read_bytes().splitlines()] for p in out.glob("*.ndjson")
    }


def test_ndjson_is_bulk_data_shaped(tmp_path: Path) -> None:
    result, out = convert(tmp_path, ndjson=True)
    files = ndjson(out)
    assert not list(out.glob("*.document.json"))
    for rtype, resources in files.items():
        assert all(r["resourceType"] == rtype for r in resources)
        ids = [r["id"] for r in resources]
        assert len(ids) == len(set(ids)), f"{rtype} repeats a resource"
    assert len(files["Patient"]) == 3 and len(files["Composition"]) == 3
    assert result.resources == sum(len(v) for v in files.values())
    text = b"".join(p.read_bytes() for p in out.glob("*.ndjson"))
    assert b"urn:uuid:" not in text  # references are Type/id
    known = {f"{t}/{r['id']}" for t, rs in files.items() for r in rs}
    patient_refs = {r["subject"]["reference"] for r in files["Condition"]}
    assert patient_refs <= known
    # The same resources as the bundles, with shared records (organisations, location) once.
    _, bundle_out = convert(tmp_path / "again")
    expected: dict[str, set[str]] = {}
    for path in bundle_out.glob("*.document.json"):
        for e in orjson.loads(path.read_bytes())["entry"]:
            expected.setdefault(e["resource"]["resourceType"], set()).add(e["resource"]["id"])
    assert {t: {r["id"] for r in rs} for t, rs in files.items()} == expected


def test_xml_bundles_and_the_ndjson_xml_clash(tmp_path: Path) -> None:
    result, out = convert(tmp_path, fmt="xml")
    assert result.converted == 3
    assert (out / f"{BAGS[0]}.document.xml").read_bytes().startswith(b"<?xml")
    with pytest.raises(MappingError, match="cannot be combined with --format xml"):
        convert(tmp_path / "x", fmt="xml", ndjson=True)


def many_residents(count: int) -> Files:
    files: Files = {name: [] for name in COLUMNS}
    for n in range(count):
        summary = copy.deepcopy(SUMMARIES[n % 3])
        summary["bagNumber"] = f"RB-T{n:05d}"
        for name, rows in rows_of(summary, f"R{n:05d}").items():
            files[name].extend(rows)
    files["medications.csv"][5]["status"] = "paused"  # one failing row, early in the key order
    files["belongings.csv"][-1]["quantity"] = "lots"  # and one late
    return files


def test_jobs_do_not_change_the_output(tmp_path: Path) -> None:
    folder = write(tmp_path / "export", many_residents(700))
    outputs = {}
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}"
        result = convert_export(
            ConvertRequest("care-home-csv", folder, out, jobs=jobs, ndjson=True, as_of="2026-04-01")
        )
        assert (result.residents, result.held_back, result.errors) == (700, 2, 2)
        assert len(result.worker_cpu) == jobs  # the key range was really split
        outputs[jobs] = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    assert outputs[1] == outputs[2]
    assert not [p for p in (tmp_path / "out2").iterdir() if p.name.startswith(".")]  # work files removed


def test_ndjson_of_an_earlier_run_does_not_linger(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "Immunization.ndjson").write_bytes(b'{"resourceType":"Immunization","id":"old"}\n')
    (out / "notes.ndjson").write_bytes(b"{}\n")  # not a resource-type file: left alone
    convert(tmp_path, ndjson=True)
    assert not (out / "Immunization.ndjson").exists()
    assert (out / "notes.ndjson").exists() and (out / "Patient.ndjson").exists()


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_undecodable_file_stops_the_run_whatever_the_jobs(tmp_path: Path, jobs: int) -> None:
    folder = write(tmp_path / "export", export_rows())
    notes = folder / "belongings.csv"
    notes.write_bytes(notes.read_bytes() + b"R3,Scarf \x81,clothing,1,\r\n")  # 0x81: neither UTF-8 nor cp1252
    with pytest.raises(MappingError, match=r"belongings.csv: neither UTF-8 nor Windows-1252 \(byte 0x81\)"):
        convert_export(ConvertRequest("care-home-csv", folder, tmp_path / "out", jobs=jobs))
    assert not list((tmp_path / "out").glob("*.json"))


def _shared_types(transaction: Json) -> set[str]:
    """Types the transaction sends as records shared between residents: a conditional create or update
    keyed on an identifier that is not one transfer's own (the Patient aside)."""
    found = set()
    for e in transaction["entry"]:
        request = e["request"]
        key = request.get("ifNoneExist") or request["url"].partition("?")[2]
        kind = e["resource"]["resourceType"]
        if key.startswith("identifier=") and vocab.ID_RESOURCE not in key and kind != "Patient":
            found.add(kind)
    return found


def test_ndjson_writes_once_exactly_the_records_the_transaction_shares() -> None:
    """NDJSON de-duplicates by type; the types must be those the transactions send as shared records."""
    seen: set[str] = set()
    for example in sorted(EXAMPLES.glob("*.summary.json")):
        _, transaction = build_bundles(check_summary(read_json_file(example)))
        shared = _shared_types(transaction)
        assert shared <= SHARED_TYPES, example.name
        seen |= shared
    assert seen == SHARED_TYPES
