"""Both shipped layouts convert their example exports to the golden files, byte for byte.

Regenerate after an intended change with:
    REDBAG_UPDATE_GOLDEN=1 .venv/bin/pytest tests/mapping/test_golden.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from adapter.mapping import ConvertRequest, convert_export
from adapter.mapping.batch import assess_export
from adapter.redbag import summary_violations
from adapter.redbag.contract import read_json_file
from tests.mapping.care_home_export import expressible

ROOT = Path(__file__).parents[2]
EXAMPLES = ROOT / "examples"
EXPECTED = EXAMPLES / "expected" / "csv"
UPDATE = os.environ.get("REDBAG_UPDATE_GOLDEN") == "1"
LAYOUTS = {
    "care-home-csv": (EXAMPLES / "csv", {}),
    "synthea": (ROOT / "tests" / "data" / "csv" / "synthea", {"as_of": "2026-04-01"}),
}
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def contract_takes_rxnorm() -> bool:
    """Whether the contract accepts RxNorm medicines yet (Synthea's; proposed in issue 8's report)."""
    probe = read_json_file(EXAMPLES / "no-known-allergies.summary.json")
    probe["medications"][0]["code"] = {
        "system": RXNORM,
        "code": "314076",
        "display": "lisinopril 10 MG Oral Tablet",
    }
    return not [v for v in summary_violations(probe) if v.path.startswith("$.medications[0].code")]


def needs_rxnorm(layout: str) -> None:
    if layout == "synthea" and not contract_takes_rxnorm():
        pytest.skip("the resident-summary contract does not accept RxNorm medication codes yet")


def produce(layout: str, out: Path) -> dict[str, bytes]:
    folder, extra = LAYOUTS[layout]
    result = convert_export(ConvertRequest(layout, folder, out, as_of=extra.get("as_of")))
    assert result.errors == 0 and result.held_back == 0
    return {
        p.name: p.read_bytes()
        for p in sorted(out.iterdir())
        if p.name.endswith(".json") and p.name != "errors.json"
    }


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_golden_outputs(layout: str, tmp_path: Path) -> None:
    needs_rxnorm(layout)
    produced = produce(layout, tmp_path / "out")
    expected_dir = EXPECTED / layout
    if UPDATE:
        expected_dir.mkdir(parents=True, exist_ok=True)
        for stale in expected_dir.glob("*.json"):
            stale.unlink()
        for name, data in produced.items():
            (expected_dir / name).write_bytes(data)
    expected = {p.name: p.read_bytes() for p in sorted(expected_dir.glob("*.json"))}
    assert expected, f"{expected_dir} is empty: run with REDBAG_UPDATE_GOLDEN=1"
    assert sorted(produced) == sorted(expected)
    for name, data in produced.items():
        assert data == expected[name], f"{layout}/{name} differs from its golden file"


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_same_export_gives_identical_bytes(layout: str, tmp_path: Path) -> None:
    needs_rxnorm(layout)
    assert produce(layout, tmp_path / "a") == produce(layout, tmp_path / "b")


#: Residents only the CSV example has, shaped like real records, and the gaps each travels with.
CSV_ONLY = {
    "R1008": [],  # DNACPR dated by day on the paper ReSPECT form (14/05/2025): not a gap
    "R1009": ["$.resuscitation.recordedAt"],  # DNACPR whose date was not copied into the care record
    "R1010": ["$.medications[0].lastDoseGiven"],  # time-critical insulin, last dose time not on the MAR chart
}
#: The JSON examples written as CSV (examples/csv) carry these gaps.
JSON_GAPS = {"R1006": ["$.resuscitation.decision"]}  # no-known-allergies: decision not recorded


def test_example_export_is_the_json_examples_and_residents_with_gaps() -> None:
    # examples/csv holds the JSON examples as far as the care-home-csv layout can say them (matched by bag
    # number), and residents shaped like real records (CSV_ONLY), each with the gaps it travels with.
    read = {
        a.key: a for a in assess_export(ConvertRequest("care-home-csv", EXAMPLES / "csv", Path("unused")))
    }
    by_bag = {a.summary["bagNumber"]: a for a in read.values() if a.summary is not None}
    summaries = [read_json_file(p) for p in sorted(EXAMPLES.glob("*.summary.json"))]
    written = [s for s in summaries if s["bagNumber"] in by_bag]
    assert len(written) == len(read) - len(CSV_ONLY) == 7
    for summary in written:
        got = by_bag[summary["bagNumber"]]
        assert got.status == "ok", got.problems
        assert got.summary == expressible(summary), summary["bagNumber"]
    for rid, a in read.items():
        assert a.status == "ok", (rid, a.problems)
        expected = CSV_ONLY.get(rid, JSON_GAPS.get(rid, []))
        assert [w.reason.split(":")[0] for w in a.warnings] == expected, rid
    dated = {rid: (read[rid].ready or {})["resuscitation"].get("recordedAt") for rid in CSV_ONLY}
    assert dated == {"R1008": "2025-05-14", "R1009": None, "R1010": "2025-11-20"}
