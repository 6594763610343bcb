"""Counting PDF pages in pure Python, clear errors when Chromium cannot print, no temporary files left."""

from __future__ import annotations

import tempfile
import zlib
from pathlib import Path

import pytest

from adapter.render import PrintError, html_to_pdf, pdf_page_count, pdf_page_sizes
from adapter.render import pdf as pdf_module

A4 = b"/MediaBox [0 0 595.28 841.89]"
PLAIN = b"\n".join(
    [
        b"%PDF-1.4",
        b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj",
        b"2 0 obj << /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >> endobj",
        b"3 0 obj << /Type /Page /Parent 2 0 R " + A4 + b" >> endobj",
        b"4 0 obj <</Type/Page/Parent 2 0 R" + A4 + b">> endobj",
        b"%%EOF",
    ]
)


def test_counts_page_objects_not_the_page_tree() -> None:
    assert pdf_page_count(PLAIN) == 2
    assert pdf_page_sizes(PLAIN) == [(595.28, 841.89), (595.28, 841.89)]


def test_counts_pages_inside_compressed_object_streams() -> None:
    inner = b"<< /Type /Page /Parent 2 0 R " + A4 + b" >> << /Type /Page /Parent 2 0 R " + A4 + b" >>"
    packed = zlib.compress(inner)
    data = (
        b"%PDF-1.5\n1 0 obj << /Type /Pages /Count 3 >> endobj\n"
        b"5 0 obj << /Type /ObjStm /N 2 /First 0 /Filter /FlateDecode /Length "
        + str(len(packed)).encode()
        + b" >>\nstream\n"
        + packed
        + b"\nendstream endobj\n6 0 obj << /Type /Page "
        + A4
        + b" >> endobj\n%%EOF"
    )
    assert pdf_page_count(data) == 3
    assert len(pdf_page_sizes(data)) == 3


def test_not_a_pdf_has_no_pages() -> None:
    assert pdf_page_count(b"<html>Pages</html>") == 0


def test_missing_chromium_is_a_print_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_module, "chromium_path", lambda: None)  # fault injection: no browser on PATH
    with pytest.raises(PrintError, match=r"install-chromium\.sh"):
        html_to_pdf("<p>x</p>", tmp_path / "x.pdf")


@pytest.mark.parametrize("executable", ["/bin/false", "/nonexistent/chromium"])
def test_failing_chromium_is_a_print_error(tmp_path: Path, executable: str) -> None:
    with pytest.raises(PrintError, match=r"x\.pdf: Chromium"):
        html_to_pdf("<p>x</p>", tmp_path / "x.pdf", chromium=executable)
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.parametrize("outcome", ["printed", "failed"])
def test_h9_printing_leaves_no_temporary_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chromium: str, outcome: str
) -> None:
    """The form's HTML (personal data) and Chromium's profile live in a temporary folder that is gone once
    Chromium has finished, whether it printed or failed."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where tempfile puts its folders
    seen: list[Path] = []
    real = pdf_module.chromium_command

    def watched(executable: str, profile: Path, page: Path, pdf: Path) -> list[str]:
        assert page.parent.parent == scratch and page.read_text(encoding="utf-8") == "<p>Ms Example</p>"
        seen.append(page.parent)
        return real(chromium if outcome == "printed" else "/bin/false", profile, page, pdf)

    monkeypatch.setattr(pdf_module, "chromium_command", watched)
    if outcome == "printed":
        assert html_to_pdf("<p>Ms Example</p>", tmp_path / "x.pdf", chromium=chromium) == 1
    else:
        with pytest.raises(PrintError):
            html_to_pdf("<p>Ms Example</p>", tmp_path / "x.pdf", chromium=chromium)
    assert seen and not seen[0].exists()
    assert list(scratch.iterdir()) == []
