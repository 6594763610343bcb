"""The report's charts as inline SVG, drawn with matplotlib (no network, no JavaScript: the file opens
anywhere). Suppressed figures are not drawn; the chart says so."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from adapter.errors import RedbagError
from adapter.measures import Measures, Shown

WITH, WITHOUT, MISSING, RETAINED = "#1b5e8a", "#c8702a", "#b3261e", "#6a5acd"
ON_TIME, LATE = "#2e7d32", "#c8702a"


class ChartsUnavailableError(RedbagError):
    """matplotlib is not installed (``pip install 'redbag[report]'``)."""

    code = "charts-unavailable"


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ChartsUnavailableError(
            "the report's charts need matplotlib: pip install 'redbag[report]'"
        ) from exc
    plt.rcParams.update(
        {
            "svg.fonttype": "none",  # text stays text: small, searchable, readable by screen readers
            "svg.hashsalt": "redbag",  # the same figures, the same SVG
            "font.family": "sans-serif",
            "font.size": 10,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )
    return plt


def _svg(figure: Any, title: str) -> str:
    plt = _pyplot()
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Title": title})
    plt.close(figure)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    if "<metadata>" in svg:  # RDF about the file (its creator), no use inside a report
        svg = svg[: svg.index("<metadata>")] + svg[svg.index("</metadata>") + len("</metadata>") :]
    return svg.replace("<svg ", f'<svg role="img" aria-label="{_attr(title)}" ', 1)


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _values(shown: Sequence[Shown]) -> tuple[list[float], list[str]]:
    """Numbers to draw (0 where withheld) and the labels to print on the bars."""
    return [s.value or 0.0 for s in shown], [s.text if s.value is None else "" for s in shown]


def _note_withheld(
    axes: Any, at: tuple[float, float], notes: list[tuple[str, str]], *, horizontal: bool
) -> None:
    """Print "<5" or "suppressed" where withheld figures' bars would be (in their series' colours, one
    after another), so that no withheld figure is read as zero."""
    offset = 3.0
    style: dict[str, Any] = (
        {"va": "center"} if horizontal else {"ha": "center", "va": "bottom", "rotation": 90}
    )
    for text, colour in notes:
        shift = (offset, 0.0) if horizontal else (0.0, offset)
        axes.annotate(text, at, xytext=shift, textcoords="offset points", fontsize=8, color=colour, **style)
        offset += 5.0 * len(text) + 4.0  # about the width of the text at 8 points


def _bar_end(bar: Any, horizontal: bool) -> tuple[float, float]:
    """Where a bar ends: its right end's middle, or its top's middle."""
    if horizontal:
        return bar.get_x() + bar.get_width(), bar.get_y() + bar.get_height() / 2
    return bar.get_x() + bar.get_width() / 2, bar.get_y() + bar.get_height()


def paired_bars(
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[Shown]]],
    *,
    ylabel: str,
    stacked: bool = False,
    horizontal: bool = False,
) -> str:
    """Bars per category for one or more series ``(label, colour, values)``."""
    plt = _pyplot()
    height = max(2.6, 0.42 * len(categories) + 1.2) if horizontal else 3.2
    figure, axes = plt.subplots(figsize=(7.2, height))
    positions = list(range(len(categories)))
    width = 0.8 if stacked else 0.8 / max(len(series), 1)
    base = [0.0] * len(categories)
    highest = 0.0
    notes: list[list[tuple[str, str]]] = [[] for _ in categories]  # a stack's withheld parts
    for i, (label, colour, shown) in enumerate(series):
        values, withheld = _values(shown)
        highest = max([highest, *values])
        offsets = positions if stacked else [p - 0.4 + width * (i + 0.5) for p in positions]
        draw = axes.barh if horizontal else axes.bar
        kwargs = {"left" if horizontal else "bottom": base} if stacked else {}
        bars = draw(offsets, values, width, label=label, color=colour, **kwargs)
        if stacked:
            base = [b + v for b, v in zip(base, values, strict=True)]
        for note, bar, text in zip(notes, bars, withheld, strict=True):
            if text and stacked:
                note.append((text, colour))
            elif text:
                _note_withheld(axes, _bar_end(bar, horizontal), [(text, colour)], horizontal=horizontal)
    if stacked:  # the notes of a stack at its end, its last series' bar's
        for bar, parts in zip(bars, notes, strict=True):
            _note_withheld(axes, _bar_end(bar, horizontal), parts, horizontal=horizontal)
    # Counts, means and rates are never negative: the value axis starts at 0 (and is not empty when
    # every figure is 0 or withheld).
    (axes.set_xlim if horizontal else axes.set_ylim)(0, None if highest > 0 else 1)
    if horizontal:
        axes.set_yticks(positions, categories)
        axes.invert_yaxis()
        axes.set_xlabel(ylabel)
    else:
        crowded = len(categories) > 6 or sum(len(c) for c in categories) > 60
        axes.set_xticks(
            positions, categories, rotation=30 if crowded else 0, ha="right" if crowded else "center"
        )
        axes.set_ylabel(ylabel)
    if len(series) > 1:
        axes.legend(frameon=False, fontsize=9)
    axes.set_title(title, fontsize=11, loc="left")
    return _svg(figure, title)


def monthly_transfers(found: Measures) -> str:
    """Transfers per month, with and without a red bag."""
    months = [m for m, _, _ in found.monthly] or ["(none)"]
    with_bag = [w for _, w, _ in found.monthly] or [Shown("0", 0.0)]
    without = [wo for _, _, wo in found.monthly] or [Shown("0", 0.0)]
    return paired_bars(
        "Transfers per month",
        months,
        [("with a red bag", WITH, with_bag), ("without a red bag", WITHOUT, without)],
        ylabel="transfers",
        stacked=True,
    )


def length_distribution(found: Measures) -> str:
    """Completed stays by length, with and without a red bag."""
    bins = [label for label, _, _ in found.lengths]
    return paired_bars(
        "Completed stays by length",
        bins,
        [
            ("with a red bag", WITH, [w for _, w, _ in found.lengths]),
            ("without a red bag", WITHOUT, [wo for _, _, wo in found.lengths]),
        ],
        ylabel="stays",
    )


def not_recorded(title: str, why: str) -> str:
    """A chart's place when there is nothing to draw: says so, as an SVG of the same family."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(7.2, 1.2))
    axes.axis("off")
    axes.text(0.0, 0.5, why, fontsize=10, va="center")
    axes.set_title(title, fontsize=11, loc="left")
    return _svg(figure, title)
