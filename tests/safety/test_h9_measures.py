"""H9 for the measures and the board: the report and its CSV name no resident; the board shows nothing
without a key; a FHIR server's read keeps no NHS number."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from adapter.cli import main
from adapter.measures.server import _Reader
from tests.board.ward import morning
from tests.events.conftest import Start
from tests.events.helpers import ALL_CALLERS, key
from tests.measures.scenario import play


def personal_values(summary: dict[str, Any]) -> list[str]:
    """Names (every part), NHS number, local id, birth date, phone numbers, bag number of a red bag."""
    resident = summary["resident"]
    name = resident["name"]
    values = [*name["given"], name["family"], name.get("preferred"), summary["author"]["name"]]
    values += [c["name"] for c in summary["contacts"]] + [c.get("phone") for c in summary["contacts"]]
    values += [resident.get("nhsNumber"), resident.get("localId"), resident.get("birthDate")]
    values.append(summary["bagNumber"])
    return [part for v in values if v for part in [v, *v.split()] if len(part) > 2]


def test_h9_the_report_and_its_csv_name_no_resident(start: Start, tmp_path: Path) -> None:
    with start() as (client, service):
        played = play(client)
        url = service.settings.database_url
    for threshold in ("5", "1"):  # suppression or not, no one is named
        assert main(["report", "--database", url, "--out", str(tmp_path), "--suppress-below", threshold]) == 0
        text = (tmp_path / "measures.html").read_text() + (tmp_path / "measures.csv").read_text()
        for summary in played.summaries.values():
            for value in personal_values(summary):
                assert not re.search(rf"(?<![\w-]){re.escape(value)}(?![\w-])", text), value
        for nhs in played.residents.values():
            assert nhs is None or nhs not in text


def test_h9_the_board_shows_nothing_without_a_key(start: Start) -> None:
    with start() as (client, _):
        ward = morning(client)
        family = ward.overdue["resident"]["name"]["family"]
        for headers in ({}, {"X-API-Key": "rbk_not_a_key"}, {"Authorization": "Basic d2FyZDpub3RhLWtleQ=="}):
            answer = client.get("/board", headers=headers)
            assert answer.status_code == 401
            assert answer.headers["www-authenticate"].startswith("Basic ")
            assert family not in answer.text and ward.overdue["resident"]["nhsNumber"] not in answer.text
            assert answer.json()["resourceType"] == "OperationOutcome"  # a program is answered in FHIR
        page = client.get("/board", headers={"Accept": "text/html"})
        assert page.status_code == 401 and "API key" in page.text and family not in page.text
        assert client.get("/board", headers=key("care-home")).status_code == 200


def test_h9_a_server_read_keeps_no_nhs_number() -> None:
    """The scratch database of a read from a FHIR server links a resident's stays by a keyed hash made for
    that read alone, never by the NHS number."""
    first, second = _Reader.__new__(_Reader), _Reader.__new__(_Reader)
    first._key, second._key = b"1" * 32, b"2" * 32
    hashed = first.resident("9990341818")
    assert hashed is not None and "9990341818" not in hashed and len(hashed) == 64
    assert first.resident("9990341818") == hashed != second.resident("9990341818")
    assert first.resident(None) is None
    assert ALL_CALLERS
