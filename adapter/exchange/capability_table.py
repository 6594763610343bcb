"""The capability check as a table people read: needed / offered / what redbag will do.

Findings that differ only by resource type share one row, with the types listed (wrapped) in their
own column, so a server that offers everything fits on a screen.
"""

from __future__ import annotations

import textwrap
from collections import defaultdict
from typing import get_args

from adapter.exchange.compatibility import LABEL, Compatibility, Finding
from adapter.exchange.needs import USES, Kind

KINDS: tuple[str, ...] = get_args(Kind)
TYPES_WIDTH = 40
HEADER = ("status", "for", "needed", "types", "offered", "redbag will")


def needed_text(finding: Finding) -> str:
    """The 'needed' cell for a finding's need (without its resource type)."""
    need = finding.need
    return {
        "version": f"FHIR {need.detail}.x",
        "format": "FHIR JSON",
        "system": need.detail,
        "interaction": need.detail,
        "conditional-create": f"conditional create on {need.detail}",
        "conditional-update": f"conditional update on {need.detail}",
        "update-create": "update as create (client id)",
        "search": f"search by {need.detail}",
    }[need.kind]


def rows(report: Compatibility) -> list[tuple[str, ...]]:
    """One row per group of findings that differ only by resource type, in the order of use and kind."""
    groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
    order: dict[tuple[str, ...], tuple[int, int, str]] = {}
    for f in report.findings:
        key = (LABEL[f.status], f.need.use, needed_text(f), f.offered, f.action)
        groups[key].append(f.need.resource_type)
        order.setdefault(key, (USES.index(f.need.use), KINDS.index(f.need.kind), f.need.detail))
    ordered = sorted(groups, key=lambda k: (order[k], k))
    return [(*key[:3], ", ".join(sorted(t for t in groups[key] if t)) or "-", *key[3:]) for key in ordered]


def capability_table(report: Compatibility) -> str:
    """The report as a fixed-width table, with a heading and a closing verdict line."""
    heading = f"capabilities of {report.software} at {report.base_url}"
    if report.unreadable is not None:
        return f"{heading}\n{report.summary()}"
    body = rows(report)
    cells = [HEADER, *body]
    widths = [max(len(r[i]) for r in cells) for i in range(len(HEADER))]
    widths[3] = min(widths[3], TYPES_WIDTH)
    lines = [heading]
    for n, row in enumerate(cells):
        wrapped = textwrap.wrap(row[3], TYPES_WIDTH, break_on_hyphens=False) or [""]
        first = [*row[:3], wrapped[0], *row[4:]]
        lines.append("  ".join(c.ljust(w) for c, w in zip(first, widths, strict=True)).rstrip())
        indent = sum(widths[:3]) + 6
        lines += [" " * indent + more for more in wrapped[1:]]
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append(report.summary())
    return "\n".join(lines)
