"""The bundled examples convert to their golden files byte for byte, twice the same.

Regenerate after an intended change with:  REDBAG_UPDATE_GOLDEN=1 .venv/bin/pytest tests/redbag/test_golden.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from adapter.cli import main
from adapter.fhir.jsonio import dumps
from adapter.fhir.structure import parse_structure
from adapter.fhir.xml import to_xml
from adapter.redbag import (
    build_bundles,
    build_return_bundles,
    check_discharge,
    check_summary,
    document_to_summary,
    normalise_summary,
)
from adapter.redbag.contract import read_json_file

EXAMPLES = Path(__file__).parents[2] / "examples"
EXPECTED = EXAMPLES / "expected"
SUMMARIES = sorted(EXAMPLES.glob("*.summary.json"))
DISCHARGES = sorted(EXAMPLES.glob("*.discharge.json"))
READINESS = sorted(EXAMPLES.glob("*.readiness.json"))
UPDATE = os.environ.get("REDBAG_UPDATE_GOLDEN") == "1"


def outputs(summary_path: Path) -> dict[str, bytes]:
    summary = check_summary(read_json_file(summary_path), source=str(summary_path))
    document, transaction = build_bundles(summary)
    bag = summary["bagNumber"]
    out = {f"{bag}.document.json": dumps(document), f"{bag}.transaction.json": dumps(transaction)}
    discharge_path = summary_path.with_name(summary_path.name.replace(".summary.", ".discharge."))
    if discharge_path.exists():
        discharge = check_discharge(read_json_file(discharge_path), summary, source=str(discharge_path))
        back, back_tx = build_return_bundles(summary, discharge)
        out[f"{bag}.return.document.json"] = dumps(back)
        out[f"{bag}.return.transaction.json"] = dumps(back_tx)
    return out


def test_there_are_enough_examples() -> None:
    assert len(SUMMARIES) >= 6 and DISCHARGES


@pytest.mark.parametrize("summary_path", SUMMARIES, ids=lambda p: p.name.split(".")[0])
def test_golden_outputs(summary_path: Path) -> None:
    produced = outputs(summary_path)
    for name, data in produced.items():
        golden = EXPECTED / name
        if UPDATE:
            EXPECTED.mkdir(exist_ok=True)
            golden.write_bytes(data)
        assert golden.exists(), f"{golden} missing: run with REDBAG_UPDATE_GOLDEN=1"
        assert data == golden.read_bytes(), f"{name} differs from its golden file"


@pytest.mark.parametrize("readiness_path", READINESS, ids=lambda p: p.name.split(".")[0])
def test_golden_readiness_checklist(readiness_path: Path, tmp_path: Path) -> None:
    """The checklist's Tasks as ``redbag readiness --out`` writes them (the example's resulting checklist)."""
    summary_path = readiness_path.with_name(readiness_path.name.replace(".readiness.", ".summary."))
    args = ["readiness", str(readiness_path), "--summary", str(summary_path), "--out", str(tmp_path)]
    assert main(args) == 0
    (written,) = tmp_path.glob("*.readiness.json")
    golden = EXPECTED / written.name
    if UPDATE:
        golden.write_bytes(written.read_bytes())
    assert golden.exists(), f"{golden} missing: run with REDBAG_UPDATE_GOLDEN=1"
    assert written.read_bytes() == golden.read_bytes(), f"{written.name} differs from its golden file"


@pytest.mark.parametrize("summary_path", SUMMARIES, ids=lambda p: p.name.split(".")[0])
def test_same_input_gives_identical_bytes(summary_path: Path) -> None:
    assert outputs(summary_path) == outputs(summary_path)


@pytest.mark.parametrize("summary_path", SUMMARIES, ids=lambda p: p.name.split(".")[0])
def test_examples_parse_as_r4_and_read_back(summary_path: Path) -> None:
    summary = read_json_file(summary_path)
    document, transaction = build_bundles(summary)
    parse_structure(document)
    parse_structure(transaction)
    assert document_to_summary(document) == normalise_summary(summary)


def test_xml_output_is_stable() -> None:
    summary = read_json_file(SUMMARIES[0])
    document, _ = build_bundles(summary)
    first = to_xml(document)
    assert first.startswith(b"<?xml") and b"<Composition>" in first
    assert to_xml(document) == first
