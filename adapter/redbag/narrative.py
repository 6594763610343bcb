"""XHTML narrative within FHIR's allowed subset (no scripts, no external references; txt-1/txt-2).

Every piece of text passes through :func:`esc`; markup is assembled from fixed tags only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from html import escape

XHTML_NS = "http://www.w3.org/1999/xhtml"
_SPECIAL = re.compile(r"[&<>\"']")


def esc(text: object) -> str:
    """Escape text for XHTML content and attribute values."""
    value = str(text)
    return escape(value, quote=True) if _SPECIAL.search(value) else value


def div(*blocks: str) -> str:
    """The narrative root element holding ``blocks`` (already-built XHTML fragments)."""
    return f'<div xmlns="{XHTML_NS}">{"".join(blocks)}</div>'


def para(text: str, label: str | None = None) -> str:
    """A paragraph, with an optional bold label before the text."""
    head = f"<b>{esc(label)}:</b> " if label else ""
    return f"<p>{head}{esc(text)}</p>"


def table(headers: Sequence[str], rows: Iterable[Sequence[str | None]]) -> str:
    """A table with a header row; ``None`` cells show as empty."""
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{esc(c) if c is not None else ''}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def bullets(items: Iterable[str]) -> str:
    """An unordered list of text items."""
    return "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"


def text(body: str, status: str = "generated") -> dict[str, str]:
    """A Narrative element (``text``) around an XHTML ``div``."""
    return {"status": status, "div": body}
