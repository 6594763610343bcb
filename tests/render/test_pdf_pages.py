"""Counting PDF pages in pure Python, and clear errors when Chromium cannot print."""

from __future__ import annotations

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
