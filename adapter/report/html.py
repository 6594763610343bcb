"""The measures as one self-contained HTML file (inline CSS and SVG charts, no script, no link out) and as
CSV. Every measure has its definition, what it cannot count, its charts and its table of figures."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from adapter.measures import MEASURES, Filters, Measure, Measures, Shown, rows_for_csv
from adapter.measures.definitions import CALLED_OUT_KINDS
from adapter.report import charts

DIMENSIONS = (("overall", "Overall"), ("care-home", "Care homes"), ("hospital", "Hospitals"))
SPLIT_NAMES = {"all": "", "with": "with a red bag", "without": "without"}
KIND_NAMES = {
    "hearing-aid": "Hearing aids",
    "dentures": "Dentures",
    "glasses": "Glasses",
    "walking-aid": "Walking aids",
    "clothing": "Clothing",
    "footwear": "Footwear",
    "toiletries": "Toiletries",
    "phone": "Phones",
    "valuables": "Valuables",
    "medication": "Medication",
    "document": "Documents",
    "other": "Other",
}


@dataclass(frozen=True, slots=True)
class Table:
    """A table of figures: column headings, then rows of (heading, cells, is the first of a dimension)."""

    columns: list[str]
    rows: list[tuple[str, list[str], str]]


@dataclass(frozen=True, slots=True)
class Section:
    """One measure in the report."""

    measure: Measure
    charts: list[str]
    tables: list[tuple[str, Table]]


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("adapter.report", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _groups(found: Measures) -> list[tuple[str, str, str]]:
    """(dimension, group, shown name) of every row of a table, overall first."""
    rows = []
    for dimension, _ in DIMENSIONS:
        for group in found.groups(dimension):
            rows.append((dimension, group, found.name(dimension, group)))
    return rows


def _table(found: Measures, m: Measure) -> Table:
    splits = [s for s in found.splits(m.id) if s in SPLIT_NAMES]
    columns: list[tuple[str, str]] = []
    for statistic in m.statistics:
        for split in splits:
            try:
                found.get(m.id, statistic.id, split=split)
            except KeyError:
                continue
            columns.append((statistic.id, split))
    headings = [
        f"{m.statistic(s).label}{' (' + SPLIT_NAMES[split] + ')' if SPLIT_NAMES[split] else ''}"
        for s, split in columns
    ]
    rows = []
    for dimension, group, name in _groups(found):
        cells = []
        for statistic_id, split in columns:
            try:
                cells.append(found.get(m.id, statistic_id, dimension, group, split).text)
            except KeyError:
                cells.append("")
        rows.append((name, cells, dimension))
    return Table(headings, rows)


def _kinds_table(found: Measures) -> Table:
    m = next(x for x in MEASURES if x.id == "belongings")
    kinds = [s for s in found.splits("belongings") if s != "all"]
    statistics = ["missing", "retained", "missing-per-100", "retained-per-100"]
    rows = []
    for kind in kinds:
        cells = [found.get("belongings", s, split=kind).text for s in statistics]
        rows.append((KIND_NAMES.get(kind, kind), cells, "called-out" if kind in CALLED_OUT_KINDS else "kind"))
    return Table([m.statistic(s).label for s in statistics], rows)


def _series(found: Measures, m: str, statistic: str, dimension: str, split: str = "all") -> list[Shown]:
    groups = ["all"] if dimension == "overall" else found.groups(dimension)
    return [found.get(m, statistic, dimension, g, split) for g in groups]


def _categories(found: Measures, dimension: str) -> list[str]:
    groups = ["all"] if dimension == "overall" else found.groups(dimension)
    return [found.name(dimension, g) for g in groups]


def _by_home(found: Measures) -> tuple[list[str], str]:
    """Categories for per-group charts: all, then each care home."""
    return ["All", *_categories(found, "care-home")], "care-home"


def _both(found: Measures, m: str, statistic: str, split: str = "all") -> list[Shown]:
    return _series(found, m, statistic, "overall", split) + _series(found, m, statistic, "care-home", split)


def _recorded(found: Measures, m: str, statistic: str) -> bool:
    return found.get(m, statistic).text != "not recorded"


def _charts(found: Measures, m: Measure) -> list[str]:
    homes, _ = _by_home(found)
    if m.id == "transfers":
        return [
            charts.monthly_transfers(found),
            charts.paired_bars(
                "Transfers by care home",
                homes,
                [
                    ("with a red bag", charts.WITH, _both(found, m.id, "with-red-bag")),
                    ("without a red bag", charts.WITHOUT, _both(found, m.id, "without-red-bag")),
                ],
                ylabel="transfers",
                stacked=True,
                horizontal=True,
            ),
        ]
    if m.id == "length-of-stay":
        return [
            charts.paired_bars(
                "Mean length of stay by care home",
                homes,
                [
                    ("with a red bag", charts.WITH, _both(found, m.id, "mean-days", "with")),
                    ("without a red bag", charts.WITHOUT, _both(found, m.id, "mean-days", "without")),
                ],
                ylabel="days",
                horizontal=True,
            ),
            charts.length_distribution(found),
        ]
    if m.id == "ready-to-discharge":
        if not _recorded(found, m.id, "stays"):
            return [charts.not_recorded(m.title, "Not recorded: no stay here has a Discharge Ready Date.")]
        return [
            charts.paired_bars(
                "Mean days from ready date to discharge, by care home",
                homes,
                [("days", charts.WITH, _both(found, m.id, "mean-days"))],
                ylabel="days",
                horizontal=True,
            )
        ]
    if m.id == "visits":
        if not _recorded(found, m.id, "due"):
            return [charts.not_recorded(m.title, "Not recorded: no admission event set a 48-hour visit.")]
        return [
            charts.paired_bars(
                "48-hour visits by care home",
                homes,
                [
                    ("on time", charts.ON_TIME, _both(found, m.id, "on-time")),
                    ("late", charts.LATE, _both(found, m.id, "late")),
                    ("not visited", charts.MISSING, _both(found, m.id, "missed")),
                ],
                ylabel="visits due",
                stacked=True,
                horizontal=True,
            )
        ]
    if m.id == "belongings":
        if not _recorded(found, m.id, "returns"):
            return [charts.not_recorded(m.title, "Not recorded: no return journey was recorded.")]
        kinds = [s for s in found.splits(m.id) if s != "all"]
        return [
            charts.paired_bars(
                "Missing and retained per 100 transfers, by kind",
                [KIND_NAMES.get(k, k) for k in kinds],
                [
                    ("missing", charts.MISSING, [found.get(m.id, "missing-per-100", split=k) for k in kinds]),
                    (
                        "retained",
                        charts.RETAINED,
                        [found.get(m.id, "retained-per-100", split=k) for k in kinds],
                    ),
                ],
                ylabel="per 100 transfers",
                horizontal=True,
            )
        ]
    if m.id == "medicines":
        if not _recorded(found, m.id, "returns"):
            return [charts.not_recorded(m.title, "Not recorded: no return journey was recorded.")]
        return [
            charts.paired_bars(
                "Medicines changed on discharge",
                ["started", "stopped", "dose changed"],
                [
                    (
                        "medicines",
                        charts.WITH,
                        [found.get(m.id, s) for s in ("started", "stopped", "dose-changed")],
                    )
                ],
                ylabel="medicines",
            )
        ]
    return [
        charts.paired_bars(
            "Readmitted within 30 days, by care home",
            homes,
            [
                ("with a red bag", charts.WITH, _both(found, m.id, "readmitted-percent", "with")),
                ("without a red bag", charts.WITHOUT, _both(found, m.id, "readmitted-percent", "without")),
            ],
            ylabel="% of stays followed for 30 days",
            horizontal=True,
        )
    ]


def sections(found: Measures) -> list[Section]:
    """Every measure's part of the report."""
    made = []
    for m in MEASURES:
        tables = [("", _table(found, m))]
        if m.id == "belongings" and _recorded(found, m.id, "returns"):
            tables.append(("By kind of item, overall", _kinds_table(found)))
        made.append(Section(m, _charts(found, m), tables))
    return made


def _period(filters: Filters) -> str:
    def day(value: date | None) -> str:
        return value.strftime("%-d %b %Y") if value else ""

    if filters.start and filters.end:
        return f"{day(filters.start)} to {day(filters.end)}"
    if filters.start:
        return f"from {day(filters.start)}"
    if filters.end:
        return f"until {day(filters.end)}"
    return "all recorded"


def render_report(found: Measures, *, source: str) -> str:
    """The report as HTML (``source`` says where the figures come from, without credentials)."""
    return (
        _environment()
        .get_template("report.html")
        .render(
            found=found,
            source=source,
            period=_period(found.filters),
            sections=sections(found),
            dimensions=dict(DIMENSIONS),
        )
    )


def render_csv(found: Measures) -> str:
    """Every figure as CSV (one row per figure, suppressed figures withheld)."""
    out = io.StringIO()
    rows = list(rows_for_csv(found))
    writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["measure"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write_report(found: Measures, folder: Path, *, source: str, name: str = "measures") -> tuple[Path, Path]:
    """Write ``<name>.html`` and ``<name>.csv`` into ``folder``; their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    html, table = folder / f"{name}.html", folder / f"{name}.csv"
    html.write_text(render_report(found, source=source), encoding="utf-8")
    table.write_text(render_csv(found), encoding="utf-8")
    return html, table
