"""H29: an observation misread once UK Core's units and codes are applied to it.

Only a unit that means what the UK Core profile fixes is rewritten to UK Core's words (the unit as written
travels beside it); systolic and diastolic pressures become one panel only when taken together and listed
together; whatever does not fit stays a plain observation with its own unit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from adapter.redbag import build_bundles, check_summary, document_to_summary, normalise_summary, vocab
from adapter.redbag.contract import read_json_file

ROOT = Path(__file__).parents[2]
Json = dict[str, Any]
TEMPERATURE = {"system": vocab.LOINC, "code": "8310-5", "display": "Body temperature"}
GLUCOSE = {"system": vocab.LOINC, "code": "15074-8", "display": "Glucose [Moles/volume] in Blood"}
SYSTOLIC = {"system": vocab.SNOMED, "code": "72313002", "display": "Systolic arterial pressure"}
DIASTOLIC = {"system": vocab.SNOMED, "code": "1091811000000102", "display": "Diastolic arterial pressure"}


def observations_of(*items: Json) -> tuple[list[Json], Json]:
    summary = read_json_file(ROOT / "tests" / "data" / "summary.json")
    summary["observations"] = list(items)
    document, _ = build_bundles(check_summary(summary))
    found = [
        e["resource"]
        for e in document["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and "RedBagObservation" in e["resource"]["meta"]["profile"][0]
    ]
    assert document_to_summary(document) == normalise_summary(summary)
    return found, summary


@pytest.mark.parametrize(
    ("code", "value", "unit"),
    [(TEMPERATURE, 100.4, "[degF]"), (TEMPERATURE, 38, "mmHg"), (GLUCOSE, 151, "mg/dL")],
    ids=["fahrenheit", "wrong-unit", "mg-per-dl"],
)
def test_h29_a_unit_that_means_something_else_is_never_rewritten(code: Json, value: float, unit: str) -> None:
    (resource,), _ = observations_of(
        {"code": code, "value": value, "unit": unit, "takenAt": "2025-10-26T01:20:00Z"}
    )
    assert resource["meta"]["profile"][1].endswith("/UKCore-Observation"), "no UK Core unit profile claimed"
    assert resource["valueQuantity"]["value"] == value
    assert resource["valueQuantity"]["unit"] == unit


def test_h29_the_unit_as_written_travels_beside_uk_core_s_words() -> None:
    item = {"code": TEMPERATURE, "value": 38.6, "unit": "°C", "takenAt": "2025-10-26T01:20:00Z"}
    (resource,), _ = observations_of(item)
    quantity = resource["valueQuantity"]
    assert (quantity["value"], quantity["unit"], quantity["code"]) == (38.6, "degree Celsius", "Cel")
    assert quantity["extension"] == [{"url": vocab.EXT_VALUE_UNIT, "valueString": "°C"}]


def test_h29_pressures_from_different_moments_are_never_one_reading() -> None:
    first = {"code": SYSTOLIC, "value": 158, "unit": "mm[Hg]", "takenAt": "2025-10-26T01:20:00Z"}
    later = {"code": DIASTOLIC, "value": 84, "unit": "mm[Hg]", "takenAt": "2025-10-26T01:50:00Z"}
    resources, _ = observations_of(first, later)
    assert len(resources) == 2 and not any("component" in r for r in resources)
    together = {**later, "takenAt": first["takenAt"]}
    (panel,), _ = observations_of(first, together)
    values = [(c["code"]["coding"][0]["code"], c["valueQuantity"]["value"]) for c in panel["component"]]
    assert values == [("72313002", 158), ("1091811000000102", 84)], "each value stays with its own code"


def test_h29_every_example_observation_reads_back_as_written() -> None:
    for path in sorted((ROOT / "examples").glob("*.summary.json")):
        summary = read_json_file(path)
        document, _ = build_bundles(check_summary(summary))
        assert document_to_summary(document).get("observations") == normalise_summary(summary).get(
            "observations"
        )
