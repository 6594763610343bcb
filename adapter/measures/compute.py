"""The measures from a database of facts: the service's store, or a scratch database filled from a FHIR
server. The database does the counting (:mod:`adapter.store.measure_queries`); this module turns the
sums into the figures :mod:`adapter.measures.definitions` lists, suppressing small numbers on the way."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from adapter.measures import suppression
from adapter.measures.definitions import CALLED_OUT_KINDS, MEASURES, Measure, measure
from adapter.measures.suppression import NOT_RECORDED, Shown
from adapter.store.database import Database, Row
from adapter.store.measure_queries import Scope, coverage, group_names, measure_sums

_EPOCH_DAY = date(1970, 1, 1)
#: Lengths of stay in whole days, as the distribution shows them: (label, first day, first day after).
LENGTH_BINS = (
    ("under 1 day", 0, 1),
    ("1-2 days", 1, 3),
    ("3-6 days", 3, 7),
    ("7-13 days", 7, 14),
    ("14-27 days", 14, 28),
    ("28 days or more", 28, None),
)


def day_of(value: date) -> int:
    """A calendar day as days since 1970-01-01 (the facts' day numbers)."""
    return (value - _EPOCH_DAY).days


def date_of(day: int) -> date:
    """The calendar day a day number names."""
    return _EPOCH_DAY + timedelta(days=day)


@dataclass(frozen=True, slots=True)
class Filters:
    """Which stays the measures count: a period of start days (inclusive), a care home, a hospital."""

    start: date | None = None
    end: date | None = None
    care_home: str | None = None
    hospital: str | None = None

    def scope(self, as_of: float) -> Scope:
        """The store's scope for these filters, taken at ``as_of``."""
        return Scope(
            as_of=as_of,
            from_day=day_of(self.start) if self.start else None,
            to_day=day_of(self.end) if self.end else None,
            care_home=self.care_home,
            hospital=self.hospital,
        )


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure: a statistic of a measure for one group (overall, a care home, a hospital) and split
    (all, with or without a red bag, a kind of belonging)."""

    measure: str
    statistic: str
    dimension: str
    group: str
    split: str
    shown: Shown


@dataclass
class Measures:
    """Every figure for a set of filters, with the series the charts draw."""

    filters: Filters
    as_of: datetime
    threshold: int
    figures: list[Figure]
    names: dict[tuple[str, str], str]
    coverage: dict[str, int]
    monthly: list[tuple[str, Shown, Shown]] = field(default_factory=list)  # month, with, without
    lengths: list[tuple[str, Shown, Shown]] = field(default_factory=list)  # bin, with, without
    _index: dict[tuple[str, str, str, str, str], Shown] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._index = {(f.measure, f.statistic, f.dimension, f.group, f.split): f.shown for f in self.figures}

    def get(
        self,
        measure_id: str,
        statistic: str,
        dimension: str = "overall",
        group: str = "all",
        split: str = "all",
    ) -> Shown:
        """One figure (KeyError when it was not made)."""
        return self._index[(measure_id, statistic, dimension, group, split)]

    def groups(self, dimension: str) -> list[str]:
        """The groups of a dimension that have figures, in order."""
        return sorted({f.group for f in self.figures if f.dimension == dimension})

    def splits(self, measure_id: str) -> list[str]:
        """The splits a measure has figures for, in order of first appearance."""
        return list(dict.fromkeys(f.split for f in self.figures if f.measure == measure_id))

    def name(self, dimension: str, group: str) -> str:
        """How a group is shown: its name and code, or 'not recorded'."""
        if dimension == "overall":
            return "All"
        if not group:
            return "not recorded"
        name = self.names.get((dimension, group))
        return f"{name} ({group})" if name else group


def _int(row: Row, key: str) -> int:
    return int(row.get(key) or 0)


class _Builder:
    """Turns the database's sums into figures."""

    def __init__(self, threshold: int, covered: dict[str, int]) -> None:
        self.k = threshold
        self.covered = covered
        self.figures: list[Figure] = []

    def add(self, m: Measure, statistic: str, row: Row, shown: Shown, split: str = "all") -> None:
        m.statistic(statistic)  # a figure the definitions do not list is a bug
        self.figures.append(Figure(m.id, statistic, row["dimension"], row["grp"], split, shown))

    def count(self, n: int) -> Shown:
        return suppression.count(n, self.k)

    def group(self, row: Row, kinds: dict[str, tuple[int, int]]) -> None:
        self._transfers(row)
        self._length_of_stay(row)
        self._ready(row)
        self._visits(row)
        self._belongings(row, kinds)
        self._medicines(row)
        self._readmissions(row)

    def _transfers(self, r: Row) -> None:
        m, stays, with_bag = measure("transfers"), _int(r, "stays"), _int(r, "with_red_bag")
        known = self.covered["journeys"] > 0
        self.add(m, "stays", r, self.count(stays))
        self.add(m, "with-red-bag", r, self.count(with_bag))
        self.add(m, "without-red-bag", r, self.count(stays - with_bag) if known else NOT_RECORDED)
        share = suppression.percent(with_bag, stays, self.k) if known else NOT_RECORDED
        self.add(m, "with-red-bag-percent", r, share)
        self.add(m, "in-hospital", r, self.count(_int(r, "in_hospital")))

    def _length_of_stay(self, r: Row) -> None:
        m = measure("length-of-stay")
        parts = {
            "with": (_int(r, "los_n_with"), r.get("los_sum_with")),
            "without": (_int(r, "los_n_without"), r.get("los_sum_without")),
        }
        n_all = parts["with"][0] + parts["without"][0]
        sums = [float(s) for _, s in parts.values() if s is not None]
        parts["all"] = (n_all, sum(sums) if sums else None)
        for split in ("all", "with", "without"):
            n, total = parts[split]
            if split == "without" and self.covered["journeys"] == 0:
                self.add(m, "stays", r, NOT_RECORDED, split)
                self.add(m, "mean-days", r, NOT_RECORDED, split)
                continue
            self.add(m, "stays", r, self.count(n), split)
            self.add(m, "mean-days", r, suppression.mean(total, n, self.k), split)
        self.add(m, "no-start", r, self.count(_int(r, "los_uncounted")))

    def _ready(self, r: Row) -> None:
        m = measure("ready-to-discharge")
        if self.covered["ready_dates"] == 0:
            for s in m.statistics:
                self.add(m, s.id, r, NOT_RECORDED)
            return
        n, on_day = _int(r, "ready_n"), _int(r, "ready_on_day")
        total = r.get("ready_delay_sum")
        self.add(m, "stays", r, self.count(n))
        self.add(m, "mean-days", r, suppression.mean(float(total) if total is not None else None, n, self.k))
        self.add(m, "on-ready-date", r, self.count(on_day))
        self.add(m, "on-ready-date-percent", r, suppression.percent(on_day, n, self.k))
        self.add(m, "waiting", r, self.count(_int(r, "ready_waiting")))

    def _visits(self, r: Row) -> None:
        m = measure("visits")
        if self.covered["visits"] == 0:
            for s in m.statistics:
                self.add(m, s.id, r, NOT_RECORDED)
            return
        due, on_time, late = _int(r, "visits_due"), _int(r, "visits_on_time"), _int(r, "visits_late")
        self.add(m, "due", r, self.count(due))
        self.add(m, "on-time", r, self.count(on_time))
        self.add(m, "late", r, self.count(late))
        self.add(m, "missed", r, self.count(due - on_time - late))
        self.add(m, "on-time-percent", r, suppression.percent(on_time, due, self.k))

    def _belongings(self, r: Row, kinds: dict[str, tuple[int, int]]) -> None:
        m = measure("belongings")
        if self.covered["returns"] == 0:
            for s in m.statistics:
                self.add(m, s.id, r, NOT_RECORDED)
            return
        returns = _int(r, "returns")
        self.add(m, "items", r, self.count(_int(r, "items")))
        for split in ("all", *sorted(set(kinds) | set(CALLED_OUT_KINDS), key=_kind_order)):
            missing, retained = (
                (_int(r, "missing"), _int(r, "retained")) if split == "all" else kinds.get(split, (0, 0))
            )
            self.add(m, "returns", r, self.count(returns), split)
            self.add(m, "missing", r, self.count(missing), split)
            self.add(m, "retained", r, self.count(retained), split)
            self.add(m, "missing-per-100", r, suppression.per_100(missing, returns, self.k), split)
            self.add(m, "retained-per-100", r, suppression.per_100(retained, returns, self.k), split)

    def _medicines(self, r: Row) -> None:
        m = measure("medicines")
        if self.covered["returns"] == 0:
            for s in m.statistics:
                self.add(m, s.id, r, NOT_RECORDED)
            return
        returns, changed = _int(r, "returns"), _int(r, "returns_with_change")
        self.add(m, "returns", r, self.count(returns))
        self.add(m, "with-change", r, self.count(changed))
        self.add(m, "with-change-percent", r, suppression.percent(changed, returns, self.k))
        self.add(m, "started", r, self.count(_int(r, "medicines_started")))
        self.add(m, "stopped", r, self.count(_int(r, "medicines_stopped")))
        self.add(m, "dose-changed", r, self.count(_int(r, "medicines_dose_changed")))

    def _readmissions(self, r: Row) -> None:
        m = measure("readmissions")
        parts = {
            "with": (_int(r, "followed_with"), _int(r, "readmitted_with")),
            "without": (_int(r, "followed_without"), _int(r, "readmitted_without")),
        }
        parts["all"] = (parts["with"][0] + parts["without"][0], parts["with"][1] + parts["without"][1])
        for split in ("all", "with", "without"):
            followed, readmitted = parts[split]
            if split == "without" and self.covered["journeys"] == 0:
                for s in m.statistics:
                    self.add(m, s.id, r, NOT_RECORDED, split)
                continue
            self.add(m, "stays", r, self.count(followed), split)
            self.add(m, "readmitted", r, self.count(readmitted), split)
            self.add(m, "readmitted-percent", r, suppression.percent(readmitted, followed, self.k), split)


def _groups_of(row: Row) -> tuple[tuple[str, str], ...]:
    """The groups a (care home, hospital) pair of sums belongs to."""
    return (("overall", "all"), ("care-home", row["care_home"] or ""), ("hospital", row["hospital"] or ""))


def _roll_up(rows: list[Row]) -> list[Row]:
    """Sums per (care home, hospital) added up per care home, per hospital and overall (every sum adds
    up); overall first, then care homes, then hospitals, each in code order."""
    keys = [k for k in (rows[0] if rows else {}) if k not in ("care_home", "hospital")]
    totals: dict[tuple[str, str], list[Any]] = {("overall", "all"): [0] * len(keys)}
    for row in rows:
        values = [row[k] or 0 for k in keys]
        for group in _groups_of(row):
            total = totals.get(group)
            if total is None:
                totals[group] = list(values)
            else:
                totals[group] = [a + b for a, b in zip(total, values, strict=True)]
    order = {"overall": 0, "care-home": 1, "hospital": 2}
    return [
        {"dimension": dimension, "grp": grp, **dict(zip(keys, sums, strict=False))}
        for (dimension, grp), sums in sorted(totals.items(), key=lambda item: (order[item[0][0]], item[0][1]))
    ]


def _kind_order(kind: str) -> tuple[int, str]:
    return (CALLED_OUT_KINDS.index(kind) if kind in CALLED_OUT_KINDS else len(CALLED_OUT_KINDS), kind)


def _monthly(rows: list[Row], k: int) -> list[tuple[str, Shown, Shown]]:
    months: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        if row["series"] == "started" and row["day"] is not None:
            month = date_of(int(row["day"])).strftime("%Y-%m")
            months[month][0 if row["red_bag"] else 1] += int(row["n"])
    return [(m, suppression.count(w, k), suppression.count(wo, k)) for m, (w, wo) in sorted(months.items())]


def _lengths(rows: list[Row], k: int) -> list[tuple[str, Shown, Shown]]:
    counts = {label: [0, 0] for label, _, _ in LENGTH_BINS}
    for row in rows:
        if row["series"] != "length":
            continue
        days = int(row["day"])
        label = next(lbl for lbl, lo, hi in LENGTH_BINS if days >= lo and (hi is None or days < hi))
        counts[label][0 if row["red_bag"] else 1] += int(row["n"])
    return [(label, suppression.count(w, k), suppression.count(wo, k)) for label, (w, wo) in counts.items()]


def measure_database(
    db: Database,
    filters: Filters = Filters(),
    *,
    threshold: int = suppression.DEFAULT_THRESHOLD,
    as_of: float | None = None,
) -> Measures:
    """Every measure over the facts in ``db``, for ``filters``, as of ``as_of`` (epoch seconds; now)."""
    now = time.time() if as_of is None else as_of
    scope = filters.scope(now)
    covered = {k: int(v or 0) for k, v in coverage(db).items()}
    sums = measure_sums(db, scope)
    kinds: dict[tuple[str, str], dict[str, tuple[int, int]]] = defaultdict(dict)
    for row in sums.kinds:
        for group in _groups_of(row):
            missing, retained = kinds[group].get(row["kind"], (0, 0))
            kinds[group][row["kind"]] = (missing + _int(row, "missing"), retained + _int(row, "retained"))
    builder = _Builder(threshold, covered)
    for row in _roll_up(sums.groups):
        builder.group(row, kinds.get((row["dimension"], row["grp"]), {}))
    days = sums.days
    names = {(r["dimension"], r["code"]): r["name"] for r in group_names(db) if r["name"]}
    return Measures(
        filters=filters,
        as_of=datetime.fromtimestamp(now, UTC),
        threshold=threshold,
        figures=builder.figures,
        names=names,
        coverage=covered,
        monthly=_monthly(days, threshold),
        lengths=_lengths(days, threshold),
    )


def rows_for_csv(found: Measures) -> Iterator[dict[str, Any]]:
    """Every figure as a CSV row (what a reader may see: suppressed figures are withheld)."""
    for m in MEASURES:
        for f in (f for f in found.figures if f.measure == m.id):
            statistic = m.statistic(f.statistic)
            yield {
                "measure": m.id,
                "statistic": f.statistic,
                "label": statistic.label,
                "dimension": f.dimension,
                "group": f.group,
                "group_name": found.name(f.dimension, f.group),
                "split": f.split,
                "value": f.shown.text,
                "unit": statistic.unit,
            }
