"""The text of each page of a printed PDF, to check what is printed on which page (pypdf, tests only)."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader


def page_texts(pdf: Path) -> list[str]:
    """Each page's text, its line breaks and runs of spaces made single spaces (a phrase the print wraps
    across lines still reads as one)."""
    return [" ".join((p.extract_text() or "").split()) for p in PdfReader(pdf).pages]
