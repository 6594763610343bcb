"""H12: one ODS code names one organisation; the destination is never the care home itself."""

from __future__ import annotations

from adapter.redbag import summary_violations
from tests.safety.conftest import example


def test_h12_destination_cannot_be_the_care_home() -> None:
    summary = example("dementia-dnacpr")
    summary["transfer"]["destination"]["odsCode"] = summary["careHome"]["odsCode"]
    assert any(v.path == "$.transfer.destination.odsCode" for v in summary_violations(summary))


def test_h12_one_ods_code_one_name() -> None:
    summary = example("dementia-dnacpr")
    summary["resident"]["gp"]["odsCode"] = summary["transfer"]["destination"]["odsCode"]
    assert any(
        v.rule == "organisations" and v.path == "$.transfer.destination.name"
        for v in summary_violations(summary)
    )


def test_h12_the_bundled_examples_never_give_one_ods_code_two_names() -> None:
    """Across every example (they share one FHIR server in the tests), an ODS code names one organisation."""
    import csv
    import re
    from pathlib import Path

    root = Path(__file__).parents[2] / "examples"
    names: dict[str, set[str]] = {}
    pair = re.compile(r'"odsCode": "([A-Z0-9]+)",\s*"name": "([^"]+)"')
    for path in root.glob("*.json"):
        for code, name in pair.findall(path.read_text("utf-8")):
            names.setdefault(code, set()).add(name)
    with (root / "csv" / "residents.csv").open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            for code, name in (
                ("care_home_ods_code", "care_home_name"),
                ("gp_ods_code", "gp_name"),
                ("destination_ods_code", "destination_name"),
            ):
                if row.get(code):
                    names.setdefault(row[code], set()).add(row[name])
    assert {code: sorted(n) for code, n in names.items() if len(n) > 1} == {}
