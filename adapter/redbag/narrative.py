"""XHTML narrative within FHIR's allowed subset (no scripts, no external references; txt-1/txt-2).

Every piece of text passes through :func:`esc`; markup is assembled from fixed tags only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache, lru_cache
from html import escape

XHTML_NS = "http://www.w3.org/1999/xhtml"


def esc(text: object) -> str:
    """Escape text for XHTML content and attribute values."""
    value = text if type(text) is str else str(text)
    if "&" in value or "<" in value or ">" in value or '"' in value or "'" in value:
        return escape(value, quote=True)
    return value


def div(*blocks: str) -> str:
    """The narrative root element holding ``blocks`` (already-built XHTML fragments)."""
    return f'<div xmlns="{XHTML_NS}">{"".join(blocks)}</div>'


def para(text: str, label: str | None = None) -> str:
    """A paragraph, with an optional bold label before the text."""
    return f"<p>{_label(label) if label else ''}{esc(text)}</p>"


@lru_cache(maxsize=256)  # labels are the code's own words: a few dozen
def _label(label: str) -> str:
    return f"<b>{esc(label)}:</b> "


def table(headers: Sequence[str], rows: Iterable[Sequence[str | None]]) -> str:
    """A table with a header row; ``None`` cells show as empty."""
    body = "".join(
        [
            "<tr><td>" + "</td><td>".join(["" if c is None else esc(c) for c in row]) + "</td></tr>"
            if row
            else "<tr></tr>"
            for row in rows
        ]
    )
    return f"{_table_head(tuple(headers))}{body}</tbody></table>"


@cache
def _table_head(headers: tuple[str, ...]) -> str:
    cells = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    return f"<table><thead><tr>{cells}</tr></thead><tbody>"


def bullets(items: Iterable[str]) -> str:
    """An unordered list of text items."""
    return "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"


def text(body: str, status: str = "generated") -> dict[str, str]:
    """A Narrative element (``text``) around an XHTML ``div``."""
    return {"status": status, "div": body}


# --- values as people read them (shared by the narrative and the printable transfer form) --------------
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_ISO = re.compile(
    r"(?P<y>[0-9]{4})(?:-(?P<m>[0-9]{2})(?:-(?P<d>[0-9]{2})"
    r"(?:T(?P<hh>[0-9]{2}):(?P<mm>[0-9]{2})(?::(?P<ss>[0-9]{2})(?:\.[0-9]+)?)?(?P<tz>Z|[+-][0-9]{2}:[0-9]{2})?)?)?)?"
)
#: UCUM codes written the way clinicians write them.
_UNITS = {"Cel": "°C", "mm[Hg]": "mmHg", "{score}": ""}


def when(value: str) -> str:
    """An ISO 8601 date or date-time as people read it, in the local time it was recorded (never shifted).

    ``2026-03-29T02:45:00+01:00`` -> ``29 Mar 2026, 02:45 (UTC+01:00)``; ``2019-05`` -> ``May 2019``.
    The offset stays visible: around a clock change the same wall-clock time happens twice.
    """
    m = _ISO.fullmatch(value)
    if not m:
        return value
    if not m["m"]:
        return m["y"]
    month = _MONTHS[int(m["m"]) - 1]
    if not m["d"]:
        return f"{month} {m['y']}"
    day = f"{int(m['d'])} {month} {m['y']}"
    if not m["hh"]:
        return day
    clock = f"{m['hh']}:{m['mm']}" + (f":{m['ss']}" if m["ss"] and m["ss"] != "00" else "")
    zone = {None: "", "Z": " (UTC)"}.get(m["tz"], f" (UTC{m['tz']})")
    return f"{day}, {clock}{zone}"


def nhs_number(value: str) -> str:
    """An NHS number in its 3-3-4 written form (``999 034 1818``)."""
    digits = value.replace(" ", "")
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}" if len(digits) == 10 else value


def quantity(value: object, unit: str | None) -> str:
    """A measured value with its unit as clinicians write it (``38.6 °C``, ``3`` for a score)."""
    shown = _UNITS.get(unit, unit) if unit else ""
    return f"{value}%" if shown == "%" else f"{value} {shown}".rstrip()
