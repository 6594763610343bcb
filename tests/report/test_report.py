"""`redbag report` for the examples (the scenario of tests/measures/scenario.py, sent through the
service): every measure with its definition, charts and figures; one self-contained file that opens with
no network; the same figures as CSV; the figures are the hand-counted ones."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from markupsafe import escape

from adapter.cli import main
from adapter.cli.report import _Bar
from adapter.measures import MEASURES, measure_database
from adapter.report import render_csv, render_report
from tests.events.conftest import Start
from tests.measures.scenario import EXPECTED, play

ARTIFACTS = Path(__file__).parents[2] / "out" / "test-artifacts" / "report"


@pytest.fixture
def store_url(start: Start) -> Iterator[str]:
    """The service's store after the scenario (the service stopped)."""
    with start() as (client, service):
        play(client)
        url = service.settings.database_url
    yield url


def test_the_report_for_the_examples_shows_every_measure_with_charts(store_url: str, tmp_path: Path) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert main(["report", "--database", store_url, "--out", str(ARTIFACTS), "--suppress-below", "1"]) == 0
    html = (ARTIFACTS / "measures.html").read_text(encoding="utf-8")
    for m in MEASURES:
        section = html.split(f'<section id="{m.id}"', 1)[1].split("</section>", 1)[0]
        assert escape(m.definition) in section and escape(m.cannot_count) in section
        assert section.count("<svg") >= 1, m.id
        assert "<table>" in section
    rows = list(csv.DictReader(io.StringIO((ARTIFACTS / "measures.csv").read_text(encoding="utf-8"))))
    overall = {
        (r["measure"], r["statistic"], r["split"]): r["value"] for r in rows if r["dimension"] == "overall"
    }
    assert {k: overall[k] for k in EXPECTED} == EXPECTED
    # The same figures in the HTML table: the overall row of length of stay.
    los = (
        html.split('<section id="length-of-stay"', 1)[1]
        .split('<tr class="overall">', 1)[1]
        .split("</tr>", 1)[0]
    )
    # stays (all, with, without), then mean days (all, with, without)
    assert re.findall(r"<td[^>]*>([^<]*)</td>", los)[:6] == ["7", "6", "1", "3.4", "3.1", "5.0"]


def test_the_report_is_self_contained(store_url: str, tmp_path: Path) -> None:
    """No script, stylesheet, image or font is fetched: nothing names another file or a network address."""
    assert main(["report", "--database", store_url, "--out", str(tmp_path)]) == 0
    html = (tmp_path / "measures.html").read_text(encoding="utf-8")
    assert "<script" not in html and "<link" not in html and "<img" not in html and "@import" not in html
    assert not re.findall(r"""(?:src|href)\s*=\s*["'](?!#)""", html)
    assert not re.findall(r"url\((?!#)", html)  # only references inside the page (SVG clip paths)
    assert not re.findall(r"https?://(?!www\.w3\.org/)", html)  # SVG's own namespaces only


@pytest.mark.browser
def test_the_report_opens_offline_in_chromium_with_every_chart_drawn(
    store_url: str, chromium: str, tmp_path: Path
) -> None:
    from tests.render.browser import Browser

    assert main(["report", "--database", store_url, "--out", str(ARTIFACTS), "--name", "measures-k5"]) == 0
    with Browser(chromium) as browser:
        browser.open(ARTIFACTS / "measures-k5.html", width=1280)
        sizes = browser.evaluate(
            "Array.from(document.querySelectorAll('figure.chart svg'))"
            ".map(s => { const r = s.getBoundingClientRect(); return [r.width, r.height]; })"
        )
        assert len(sizes) >= len(MEASURES) and all(w > 200 and h > 50 for w, h in sizes)
        assert browser.evaluate("document.querySelectorAll('section.measure').length") == len(MEASURES)
        browser.screenshot(ARTIFACTS / "measures-k5.png")
        browser.open(ARTIFACTS / "measures-k5.html", width=390)  # a phone
        width, viewport = browser.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert width <= viewport


def test_filters_choose_the_stays(store_url: str, tmp_path: Path) -> None:
    from datetime import date

    from adapter.measures import Filters
    from adapter.store import open_outbox

    store = open_outbox(store_url)
    try:
        found = measure_database(store.db, Filters(date(2025, 11, 1), date(2025, 11, 30)), threshold=1)
    finally:
        store.close()
    assert found.get("transfers", "stays").text == "2"  # S5 and S6
    assert found.get("readmissions", "readmitted").text == "1"
    assert "14 Nov" not in render_report(found, source="test")  # dates of stays never appear
    assert (
        render_csv(found).splitlines()[0]
        == "measure,statistic,label,dimension,group,group_name,split,value,unit"
    )


def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'x.db'}"
    assert main(["report", "--database", db, "--from", "2025-03-01", "--to", "2025-02-01"]) == 2
    assert main(["report", "--database", db, "--server", "http://127.0.0.1:9/fhir"]) == 2
    assert main(["report", "--database", db, "--suppress-below", "0"]) == 2
    assert "before --from" in capsys.readouterr().err


def test_an_unreachable_server_is_a_clear_failure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["report", "--server", "http://127.0.0.1:9/fhir", "--timeout", "2", "--out", str(tmp_path)]) == 1
    )
    assert capsys.readouterr().err.startswith("report: ")


def test_the_progress_bar_is_drawn_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    bar = _Bar()
    bar(0, 40)
    bar.last = 0.0
    bar(20, 40)
    bar.end()
    assert "reading red bags [" + "#" * 15 + "." * 15 + "] 20/40" in screen.getvalue()


def test_the_command_runs_as_a_program(store_url: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "adapter.cli", "report", "--database", store_url, "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(tmp_path / "measures.html"), str(tmp_path / "measures.csv")]
