"""H8: names and free text survive end to end, byte for byte, in JSON and XML."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapter.errors import EncodingError
from adapter.fhir.xml import from_xml, to_xml
from adapter.redbag import build_bundles, document_to_summary, normalise_summary
from adapter.redbag.contract import read_json_file
from tests.safety.conftest import example

TRICKY = ["Siobha\u0301n", "Zoë", "O'Brien", "D’Arcy", "Łucja Wąż", "بشریٰ", "Nguyễn", "🙂 Smiley"]


@pytest.mark.parametrize("name", TRICKY)
def test_h8_names_round_trip_exactly(name: str) -> None:
    summary = example("encoding-multilingual")
    summary["resident"]["name"]["family"] = name
    summary["contacts"][0]["name"] = name
    document, _ = build_bundles(summary)
    back = document_to_summary(document)
    assert back["resident"]["name"]["family"] == name  # no normalisation: combining marks kept as sent
    assert back == normalise_summary(summary)


def test_h8_xml_keeps_every_character() -> None:
    summary = example("encoding-multilingual")
    document, _ = build_bundles(summary)
    patient = next(e["resource"] for e in document["entry"] if e["resource"]["resourceType"] == "Patient")
    again = from_xml(to_xml(patient), "Patient")
    assert again["name"] == patient["name"]


def test_h8_non_utf8_input_is_refused_not_guessed(tmp_path: Path) -> None:
    path = tmp_path / "cp1252.json"
    path.write_bytes('{"family": "O’Brien"}'.encode("cp1252"))
    with pytest.raises(EncodingError, match="not UTF-8"):
        read_json_file(path)


def test_h8_utf8_with_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes("\ufeff".encode() + '{"family": "Zoë"}'.encode())
    assert read_json_file(path) == {"family": "Zoë"}
