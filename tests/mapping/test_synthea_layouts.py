"""Exports as they come: the synthea mapping reads the current Synthea CSV layout and the earlier one.

Each layout is written by the tests (tests/mapping/synthea_layouts.py) from an export in the current layout:
the repository's small fixture (always), and the shared Synthea corpus (skipped when it is absent). A column
the mapping uses only when present is a note in the report; a column it needs is still refused up front.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import orjson
import pytest

from adapter.cli import main
from adapter.errors import MappingError
from adapter.mapping import ConvertRequest, convert_export
from tests.corpora import corpora
from tests.mapping.synthea_layouts import EARLIER_LACKS, write_layout
from tests.mapping.test_golden import needs_rxnorm

ROOT = Path(__file__).parents[2]
FIXTURE = ROOT / "tests" / "data" / "csv" / "synthea"
CORPUS = corpora() / "synthea-geriatric" / "csv"
SNOMED = "http://snomed.info/sct"
NO_KNOWN_ALLERGY = "716186003"
AS_OF = "2026-04-01"

Json = dict[str, Any]


def rows(out: Path, severity: str) -> list[dict[str, str]]:
    with (out / "errors.csv").open(encoding="utf-8", newline="") as handle:
        return [r for r in csv.DictReader(handle) if r["severity"] == severity]


def clinical(document: Json) -> dict[str, Any]:
    """What a red bag says about conditions, medicines and allergies, and the resident's given names."""
    out: dict[str, Any] = {"conditions": [], "medications": [], "allergies": []}
    for entry in document["entry"]:
        r = entry["resource"]
        kind = r["resourceType"]
        if kind == "Condition":
            out["conditions"].append(r["code"]["coding"][0])
        elif kind == "MedicationStatement":
            out["medications"].append(r["medicationCodeableConcept"]["coding"][0])
        elif kind == "AllergyIntolerance":
            coding = r["code"]["coding"][0]
            out["allergies"].append(
                {"code": (coding["system"], coding["code"]), "category": r.get("category"),
                 "criticality": r.get("criticality")}
            )  # fmt: skip
        elif kind == "Patient":
            out["given"] = r["name"][0]["given"]
    return out


def documents(out: Path) -> dict[str, Json]:
    return {p.name: orjson.loads(p.read_bytes()) for p in sorted(out.glob("*.document.json"))}


def test_the_earlier_layout_converts_with_notes_not_refusals(tmp_path: Path) -> None:
    needs_rxnorm("synthea")
    export = tmp_path / "earlier"
    assert write_layout(FIXTURE, export, "earlier") == 1  # the fixture's one RxNorm allergy
    result = convert_export(ConvertRequest("synthea", export, tmp_path / "out", as_of=AS_OF))
    assert (result.converted, result.held_back, result.errors) == (2, 0, 0)
    notes = {(r["file"], r["column"]): r["reason"] for r in rows(tmp_path / "out", "note")}
    # One note for each optional column the export lacks, saying what the red bags go without.
    assert notes == {
        ("patients.csv", "MIDDLE"): "no column MIDDLE (the mapping uses it when present): "
        "resident.name.given is read from FIRST alone",
        ("conditions.csv", "SYSTEM"): "no column SYSTEM (the mapping uses it when present): "
        "conditions[].code.system is 'http://snomed.info/sct' (the mapping's value for exports without it)",
        ("allergies.csv", "SYSTEM"): "no column SYSTEM (the mapping uses it when present): "
        "allergies[].code.system is 'http://snomed.info/sct' (the mapping's value for exports without it)",
        ("allergies.csv", "CATEGORY"): "no column CATEGORY (the mapping uses it when present): "
        "allergies[].category is left out",
        **{
            ("allergies.csv", column): f"no column {column} (the mapping uses it when present): {what}"
            for column, what in (
                ("DESCRIPTION1", "allergies[].reaction is left out"),
                ("DESCRIPTION2", "allergies[].reaction is left out"),
                ("SEVERITY1", "allergies[].criticality is left out; allergies[].severity is left out"),
                ("SEVERITY2", "allergies[].criticality is left out; allergies[].severity is left out"),
            )
        },
    }
    assert sorted(result.notes) == sorted(f"{file}: {reason}" for (file, _), reason in notes.items())
    report = orjson.loads((tmp_path / "out" / "errors.json").read_bytes())
    assert report["noteCount"] == len(notes) and report["errorCount"] == 0
    # Nothing invented: no category, the criticality marked as not assessable, and a warning saying so.
    (document,) = [d for name, d in documents(tmp_path / "out").items() if "000000000001" in name]
    allergy = clinical(document)["allergies"]
    assert allergy == [{"code": (SNOMED, "762952008"), "category": None, "criticality": "unable-to-assess"}]
    warned = [r["reason"] for r in rows(tmp_path / "out", "warning") if r["file"] == "allergies.csv"]
    assert warned == [
        "$.allergies[0].criticality: the criticality of the allergy to Peanut (substance) is not recorded"
    ]


def test_both_layouts_carry_the_same_conditions_medicines_and_allergy_codes(tmp_path: Path) -> None:
    needs_rxnorm("synthea")
    got = {}
    for layout in ("current", "earlier"):
        write_layout(FIXTURE, tmp_path / layout, layout)
        convert_export(ConvertRequest("synthea", tmp_path / layout, tmp_path / f"out-{layout}", as_of=AS_OF))
        got[layout] = {name: clinical(d) for name, d in documents(tmp_path / f"out-{layout}").items()}
    assert sorted(got["current"]) == sorted(got["earlier"])
    for name, current in got["current"].items():
        earlier = got["earlier"][name]
        assert earlier["conditions"] == current["conditions"], name
        assert earlier["medications"] == current["medications"], name
        kept = [
            a["code"] for a in current["allergies"] if a["code"][0] == SNOMED
        ]  # the earlier layout's codes
        assert [a["code"] for a in earlier["allergies"]] == kept, name
    # The current layout still reads what only it has: the middle name, category, reaction severity.
    first = got["current"]["RB-SYN-0b2f7c1e-0001-4a6e-9d1a-000000000001.document.json"]
    assert first["given"] == ["Ada", "Mae"]
    assert first["allergies"][0] == {
        "code": (SNOMED, "762952008"),
        "category": ["food"],
        "criticality": "high",
    }


def test_a_needed_column_missing_from_the_earlier_layout_is_still_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "earlier"
    write_layout(FIXTURE, export, "earlier")
    conditions = export / "conditions.csv"
    with conditions.open(encoding="utf-8", newline="") as handle:
        table = list(csv.reader(handle))
    code = table[0].index("CODE")
    with conditions.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([r[:code] + r[code + 1 :] for r in table])
    with pytest.raises(MappingError, match=r"conditions.csv: missing column\(s\) CODE"):
        convert_export(ConvertRequest("synthea", export, tmp_path / "out", as_of=AS_OF))
    out = tmp_path / "cli-out"
    assert main(["convert", str(export), "--mapping", "synthea", "--as-of", AS_OF, "--out", str(out)]) == 2
    assert "conditions.csv: missing column(s) CODE" in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())


def test_an_allergy_code_that_is_not_snomed_ct_is_refused_not_passed_off(tmp_path: Path) -> None:
    """Without SYSTEM, an allergy code is taken as SNOMED CT (the earlier layout's own rule); a code that is
    not one fails the SNOMED CT check, and its resident is held back, naming the row."""
    needs_rxnorm("synthea")
    export = tmp_path / "earlier"
    write_layout(FIXTURE, export, "earlier")
    allergies = export / "allergies.csv"
    text = allergies.read_text(encoding="utf-8")
    patient, encounter = "0b2f7c1e-0001-4a6e-9d1a-000000000001", "e0000001-0000-0000-0000-000000000009"
    row = f"1968-03-09,,{patient},{encounter},7984,Penicillin V"
    allergies.write_text(text + row + "\r\n", encoding="utf-8")
    result = convert_export(ConvertRequest("synthea", export, tmp_path / "out", as_of=AS_OF))
    assert (result.converted, result.held_back) == (1, 1)
    (error,) = rows(tmp_path / "out", "error")
    assert (error["file"], error["column"], error["value"]) == ("allergies.csv", "CODE", "7984")
    assert error["line"] == str(len(text.splitlines()) + 1)
    assert error["reason"].startswith("$.allergies[1].code.code: a SNOMED CT concept id is 6 to 18 digits")


def test_the_cli_says_the_notes_and_exits_0_on_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    needs_rxnorm("synthea")
    export = tmp_path / "earlier"
    write_layout(FIXTURE, export, "earlier")
    out = tmp_path / "out"
    assert main(["convert", str(export), "--mapping", "synthea", "--as-of", AS_OF, "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "note: allergies.csv: no column CATEGORY (the mapping uses it when present)" in err
    assert "converted 2 of 2 resident(s) (synthea): 0 held back, 0 row error(s), 2 converted with" in err
    assert "warning: medications.csv line 2: $.medications[0].dose: the dose of lisinopril" in err


@pytest.mark.corpus
def test_the_corpus_in_both_layouts_gives_the_same_red_bags_clinically(tmp_path: Path) -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"Synthea corpus not found at {CORPUS} (set REDBAG_CORPORA to its corpora folder)")
    needs_rxnorm("synthea")
    got, results = {}, {}
    for layout in ("current", "earlier"):
        left_out = write_layout(CORPUS, tmp_path / layout, layout)
        results[layout] = convert_export(
            ConvertRequest("synthea", tmp_path / layout, tmp_path / f"out-{layout}", as_of=AS_OF)
        )
        got[layout] = {name: clinical(d) for name, d in documents(tmp_path / f"out-{layout}").items()}
    assert left_out == 9  # the corpus's RxNorm allergies: the earlier layout had none
    assert results["earlier"].errors == results["current"].errors == 0
    assert results["earlier"].converted == results["current"].converted > 30
    for name, current in got["current"].items():
        earlier = got["earlier"][name]
        assert (earlier["conditions"], earlier["medications"]) == (
            current["conditions"],
            current["medications"],
        )
        kept = [a["code"] for a in current["allergies"] if a["code"][0] == SNOMED]
        assert [a["code"] for a in earlier["allergies"]] == kept, name
        recorded = [a for a in earlier["allergies"] if a["code"] != (SNOMED, NO_KNOWN_ALLERGY)]
        assert all(a["category"] is None and a["criticality"] == "unable-to-assess" for a in recorded), name
    dropped = {c for cols in EARLIER_LACKS.values() for c in cols} - {
        "FIPS",
        "INCOME",
        "TYPE",
        "REACTION1",
        "REACTION2",
    }
    assert {n.split(": no column ")[1].split(" ")[0] for n in results["earlier"].notes} == dropped
