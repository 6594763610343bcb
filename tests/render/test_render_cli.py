"""``redbag render`` as a user runs it: every input combination, clear errors, and the PDF."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from adapter.cli import main
from adapter.fhir.jsonio import dumps
from adapter.render import pdf_page_count
from tests.render.cases import EXAMPLES, example


@pytest.fixture
def bundles(tmp_path: Path) -> dict[str, Path]:
    """The return-journey example's outbound and return documents as files."""
    ex = example("return-journey")
    assert ex.return_document
    out = {"document": tmp_path / "bag.document.json", "return": tmp_path / "bag.return.document.json"}
    out["document"].write_bytes(dumps(ex.document))
    out["return"].write_bytes(dumps(ex.return_document))
    return out


def run(*args: object) -> int:
    return main(["render", *(str(a) for a in args)])


def test_summary_to_html(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "forms" / "bag.html"
    assert run(EXAMPLES / "dementia-dnacpr.summary.json", "--html", out) == 0
    assert capsys.readouterr().out.strip() == str(out)
    assert "DNACPR: do not attempt cardiopulmonary resuscitation" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "inputs",
    [
        lambda b: [b["document"], "--return", b["return"]],
        lambda b: [b["document"], "--discharge", EXAMPLES / "return-journey.discharge.json"],
        lambda b: [EXAMPLES / "return-journey.summary.json", "--return", b["return"]],
        lambda b: [
            EXAMPLES / "return-journey.summary.json",
            "--discharge",
            EXAMPLES / "return-journey.discharge.json",
        ],
        lambda b: [b["return"]],
    ],
    ids=["document+return", "document+discharge", "summary+return", "summary+discharge", "return-only"],
)
def test_every_return_journey_input_shows_the_missing_hearing_aid(
    tmp_path: Path, bundles: dict[str, Path], inputs: object
) -> None:
    out = tmp_path / "back.html"
    assert run(*inputs(bundles), "--html", out) == 0  # type: ignore[operator]
    page = out.read_text(encoding="utf-8")
    assert "MISSING: Hearing aid (left ear)" in page
    assert "Back from hospital: what changed" in page


def test_usage_errors(tmp_path: Path, bundles: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    summary = EXAMPLES / "return-journey.summary.json"
    assert run(summary) == 2
    assert "give --html OUT.html, --pdf OUT.pdf or both" in capsys.readouterr().err
    assert run(tmp_path / "nope.json", "--html", tmp_path / "x.html") == 2
    assert f"{tmp_path / 'nope.json'}: no such file" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        run(summary, "--return", bundles["return"], "--discharge", summary, "--html", tmp_path / "x.html")
    assert exit_.value.code == 2
    assert not (tmp_path / "x.html").exists()


def test_bad_inputs_name_the_file_and_the_problem(
    tmp_path: Path, bundles: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.summary.json"
    data = orjson.loads((EXAMPLES / "dementia-dnacpr.summary.json").read_bytes())
    data["resident"]["birthDate"] = "1938-02-30"  # wrong is refused (missing travels: see below)
    bad.write_bytes(orjson.dumps(data))
    assert run(bad, "--html", tmp_path / "x.html") == 1
    err = capsys.readouterr().err
    assert f"{bad}: 1 problem(s):" in err and "$.resident.birthDate" in err

    discharge = tmp_path / "bad.discharge.json"
    back = orjson.loads((EXAMPLES / "return-journey.discharge.json").read_bytes())
    back["bagNumber"] = "RB-OTHER-0001"
    discharge.write_bytes(orjson.dumps(back))
    assert run(bundles["document"], "--discharge", discharge, "--html", tmp_path / "x.html") == 1
    assert f"{discharge}: " in capsys.readouterr().err

    assert run(bundles["return"], "--return", bundles["return"], "--html", tmp_path / "x.html") == 1
    assert "give the outbound document" in capsys.readouterr().err
    assert (
        run(
            bundles["document"],
            "--return",
            EXAMPLES / "return-journey.discharge.json",
            "--html",
            tmp_path / "x.html",
        )
        == 1
    )
    assert "not a FHIR Bundle" in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()


def test_a_summary_with_gaps_is_rendered_with_them(tmp_path: Path) -> None:
    """Missing travels: a summary without its resuscitation decision is printed, the gap said."""
    gappy = tmp_path / "gappy.summary.json"
    data = orjson.loads((EXAMPLES / "dementia-dnacpr.summary.json").read_bytes())
    del data["resuscitation"]
    gappy.write_bytes(orjson.dumps(data))
    out = tmp_path / "gappy.html"
    assert run(gappy, "--html", out) == 0
    page = out.read_text(encoding="utf-8")
    assert "Resuscitation decision NOT RECORDED, ask Larkfield House Nursing Home on 01632 960214" in page


@pytest.mark.browser
def test_pdf(
    chromium: str, tmp_path: Path, bundles: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    pdf = tmp_path / "back.pdf"
    assert run(bundles["document"], "--return", bundles["return"], "--pdf", pdf) == 0
    pages = pdf_page_count(pdf.read_bytes())
    assert 1 <= pages <= 2
    assert capsys.readouterr().out.strip() == f"{pdf}: {pages} A4 page(s)"
