"""Convert a folder of CSV files into red bags: prepare every file, then convert key ranges in parallel.

::

    prepare (one task per file)          every file read once: encoding, key order (sorted on disk if
        |                                not), sparse index; the root file's unique columns checked
    partition the resident keys          one key range per worker, about as many residents each
        |
    workers (processes, --jobs N)        merge-join their range, build each summary, check the contract,
        |                                build the bundles, write them; failing rows to a report part
    merge                                NDJSON parts and report parts concatenated in key order

A resident any of whose rows failed (a bad cell, an orphan or duplicate row, a contract violation, a FHIR
validation error) is held back whole and named in the report; every other resident is converted. A resident
whose summary only lacks what may travel absent (:mod:`adapter.redbag.policy`) is converted, its gaps marked
in the FHIR and listed in the report as warnings (``strict``: held back instead). The output does not depend
on ``--jobs``.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import re
import shutil
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, datetime
from multiprocessing.context import ForkContext, SpawnContext
from pathlib import Path
from typing import Any, Protocol

import orjson

from adapter.errors import ContractError, MappingError, RedbagError, Violation
from adapter.mapping import spec as mapping_spec
from adapter.mapping.compiler import (
    Built,
    CellProblem,
    Layout,
    SummaryBuilder,
    needed_columns,
    referenced_columns,
    without_optional_columns,
)
from adapter.mapping.csvfiles import Prepared, PreparedSource, PrepareOrder, partition, prepare, read_header
from adapter.mapping.join import KeyGroup, join
from adapter.mapping.outputs import BundleFiles, NdjsonParts, Sink, merge_ndjson
from adapter.mapping.report import NOTE, WARNING, HeldBack, PartWriter, RowError, shown_value, write_reports
from adapter.mapping.spec import AS_OF, MappingSpec
from adapter.mapping.transforms import Context, as_of_instant, format_instant
from adapter.redbag import build_bundles, build_document, summary_violations
from adapter.redbag.contract import assess_summary

Json = dict[str, Any]
#: Builds, once per worker process, a check of each document Bundle returning error messages.
BundleCheckFactory = Callable[[], Callable[[Json], list[str]]]

_BAG_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,63}")
_PROGRESS_EVERY = 50


@dataclass(frozen=True)
class ConvertRequest:
    """One ``redbag convert DIR --mapping ...`` run."""

    mapping: str
    export_dir: Path
    out_dir: Path
    options: Mapping[str, str] = field(default_factory=dict)
    as_of: str | None = None
    jobs: int = 1
    ndjson: bool = False
    fmt: str = "json"
    bundle_check: BundleCheckFactory | None = None
    now: datetime | None = None
    #: Refuse on warnings too: a resident whose red bag would travel with a gap is held back.
    strict: bool = False


@dataclass(kw_only=True)
class Counts:
    """What was converted, held back and written: per worker, and summed for the run."""

    rows: int = 0
    residents: int = 0
    converted: int = 0
    converted_with_warnings: int = 0
    held_back: int = 0
    skipped: int = 0
    resources: int = 0
    errors: int = 0
    warnings: int = 0

    def add(self, other: Counts) -> None:
        for f in fields(Counts):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass(kw_only=True)
class BatchResult(Counts):
    """What a run did."""

    mapping: str
    outputs: list[Path] = field(default_factory=list)
    reports: tuple[Path, ...] = ()
    #: Optional columns the export lacks, and what the mapping did without each (also in the report).
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: Where the time went: wall seconds per phase, and CPU seconds of each file's preparation and of each
    #: worker (what a run would take on idle cores, whatever else the machine is doing).
    phases: dict[str, float] = field(default_factory=dict)
    prepare_cpu: list[float] = field(default_factory=list)
    worker_cpu: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class Settings:
    """The picklable part of a run that every worker needs."""

    mapping: str
    options: dict[str, str]
    now: str
    out_dir: str
    work_dir: str
    ndjson: bool
    fmt: str
    bundle_check: BundleCheckFactory | None
    strict: bool


@dataclass(frozen=True)
class WorkOrder:
    """One worker's key range."""

    settings: Settings
    sources: tuple[PreparedSource, ...]
    low: str | None
    high: str | None
    worker: int
    rejected: dict[str, tuple[tuple[int, str, str], ...]]


@dataclass(kw_only=True)
class WorkResult(Counts):
    """One worker's counts (or the traceback that stopped it)."""

    worker: int
    cpu_seconds: float = 0.0
    crash: str | None = None


@dataclass
class Assessment:
    """One key's outcome before anything is written: ok, held-back, skipped (left out) or orphan rows.

    ``summary`` is what the rows say; ``ready`` the summary as the builders take it (contract-checked),
    ``warnings`` the gaps it travels with, located in the files, and ``gaps`` the same as the contract
    gave them (for the builders).
    """

    key: str
    status: str
    root_line: int | None
    summary: Json | None
    problems: list[CellProblem]
    warnings: list[CellProblem] = field(default_factory=list)
    ready: Json | None = None
    gaps: list[Violation] | None = None


class ProgressCounter(Protocol):
    """A shared progress counter (``multiprocessing.Value`` or a plain object)."""

    value: int


class _LocalCounter:
    value = 0


# --- the worker -------------------------------------------------------------------------------------------
class Worker:
    """Converts the residents of one key range."""

    def __init__(self, order: WorkOrder, counter: ProgressCounter) -> None:
        self.order, self.counter = order, counter
        settings = order.settings
        self.spec = mapping_spec.load(settings.mapping)
        as_of = datetime.fromisoformat(settings.options[AS_OF])
        ctx = Context(self.spec.zone(), as_of, self.spec.maps)
        layout = Layout(
            {s.name: s.header for s in order.sources},
            {name: s.optional for name, s in self.spec.sources.items()},
        )
        self.builder = SummaryBuilder(self.spec, ctx, settings.options, layout)
        self.now = datetime.fromisoformat(settings.now)
        self.strict = settings.strict
        self.files = {s.name: s.file for s in order.sources}
        self.widths = {s.name: len(s.header) for s in order.sources}
        self.keys = {s.name: s.header[s.key_index] for s in order.sources}
        self.positions = {s.name: {c.casefold(): i for i, c in enumerate(s.header)} for s in order.sources}
        self.check = settings.bundle_check() if settings.bundle_check else None
        work = Path(settings.work_dir)
        self.report = PartWriter(
            work / f"errors.{order.worker:03d}.jsonl", work / f"held.{order.worker:03d}.jsonl"
        )
        self.sink: Sink = (
            NdjsonParts(work, order.worker)
            if settings.ndjson
            else BundleFiles(Path(settings.out_dir), settings.fmt)
        )
        self.result = WorkResult(worker=order.worker)

    def run(self) -> WorkResult:
        started = time.process_time()
        root = self.spec.root
        done = 0
        try:
            for group in join(self.order.sources, self.order.low, self.order.high):
                self.result.rows += sum(len(rows) for rows in group.rows.values())
                if root in group.rows:
                    done += 1
                    if done % _PROGRESS_EVERY == 0:
                        self.counter.value += _PROGRESS_EVERY
                self.convert(group)
        finally:
            self.close()
        self.counter.value += done % _PROGRESS_EVERY
        self.result.errors = self.report.error_count
        self.result.warnings = self.report.warning_count
        self.result.cpu_seconds = time.process_time() - started
        return self.result

    def close(self) -> None:
        self.sink.close()
        self.report.close()

    def cell(self, source: str, row: list[str] | None, column: str) -> str:
        """The cell of ``row`` (from ``source``) in ``column``, or "" when there is none."""
        i = self.positions[source].get(column.casefold())
        return row[i] if row is not None and i is not None and i < len(row) else ""

    def _row_error(self, key: str, p: CellProblem, severity: str = "error") -> RowError:
        personal = p.column.casefold() in self.spec.sources[p.source].personal
        shown = shown_value(p.value, personal)
        return RowError(self.files[p.source], p.line, p.column, shown, p.reason, key, severity)

    def _fail(self, key: str, problems: Sequence[CellProblem]) -> None:
        self.report.errors(self._row_error(key, p) for p in problems)

    def _hold_back(self, key: str, root_line: int, bag: str, problems: Sequence[CellProblem]) -> None:
        self._fail(key, problems)
        self.result.held_back += 1
        root = self.spec.root
        self.report.held_back(HeldBack(key, bag, self.files[root], root_line, len(problems)))
        if bag and _BAG_NUMBER.fullmatch(bag):
            self.sink.discard(bag)

    def _structure_problems(self, group: KeyGroup) -> list[CellProblem]:
        found = []
        for name, rows in group.rows.items():
            width = self.widths[name]
            for line, cells in rows:
                if len(cells) != width:
                    found.append(
                        CellProblem(
                            name,
                            line,
                            "",
                            "",
                            f"row has {len(cells)} values but the header has {width} columns "
                            "(a stray comma or quote?)",
                        )
                    )
        return found

    def assess(self, group: KeyGroup) -> Assessment:
        """The summary of one key's rows, and every problem that holds it back (nothing written)."""
        root = self.spec.root
        key = group.key
        roots = group.rows.get(root, [])
        problems = self._structure_problems(group)
        if not key or not roots:
            where = self.files[root]
            for name, rows in group.rows.items():
                reason = (
                    "missing required value (the resident key)"
                    if not key
                    else f"orphan row: no resident {key!r} in {where}"
                )
                problems += [CellProblem(name, ln, self.keys[name], key, reason) for ln, _ in rows]
            return Assessment(key, "orphan", None, None, problems)
        if len(roots) > 1:
            lines = [ln for ln, _ in roots]
            for ln in lines:
                others = ", ".join(str(o) for o in lines if o != ln)
                reason = f"duplicate resident: {self.keys[root]} {key!r} is also on line(s) {others}"
                problems.append(CellProblem(root, ln, self.keys[root], key, reason))
            return Assessment(key, "held-back", lines[0], None, problems)
        root_line, root_row = roots[0]
        for line, column, reason in self.order.rejected.get(key, ()):
            problems.append(CellProblem(root, line, column, self.cell(root, root_row, column), reason))
        built = self.builder.build(group.rows)
        if built.summary is None:
            return Assessment(key, "skipped", root_line, None, [])
        problems += built.problems
        if problems:
            return Assessment(key, "held-back", root_line, built.summary, problems)
        return self._contract(key, group, built, root_line)

    def convert(self, group: KeyGroup) -> None:
        """Convert one resident, or report why not."""
        a = self.assess(group)
        if a.status == "orphan":
            self._fail(a.key, a.problems)
            return
        self.result.residents += a.status != "skipped"
        self.result.skipped += a.status == "skipped"
        summary = a.ready or a.summary or {}
        bag = str(summary.get("bagNumber") or "")
        if a.status == "skipped" or a.root_line is None:
            return
        if a.problems:
            self._hold_back(a.key, a.root_line, bag, a.problems)
            return
        try:
            if self.sink.resources_alone:
                document, transaction = build_document(summary, relative=True, gaps=a.gaps), None
            else:
                document, transaction = build_bundles(summary, gaps=a.gaps)
            messages = self.check(document) if self.check else []
        except (RedbagError, KeyError, TypeError, ValueError) as exc:
            messages = [f"could not be converted ({type(exc).__name__}: {exc})"]
        if messages:
            root, line = self.spec.root, a.root_line
            problems = [CellProblem(root, line, self.keys[root], a.key, m) for m in messages]
            self._hold_back(a.key, line, bag, problems)
            return
        self.result.resources += self.sink.write(bag, document, transaction)
        self.result.converted += 1
        if a.warnings:
            self.report.errors(self._row_error(a.key, w, WARNING) for w in a.warnings)
            self.result.converted_with_warnings += 1

    def _contract(self, key: str, group: KeyGroup, built: Built, root_line: int) -> Assessment:
        """The resident-summary contract's verdict on one built summary: its violations hold the resident
        back; its gaps (warnings) travel, unless the run is strict."""
        try:
            checked = assess_summary(built.summary, now=self.now, strict=self.strict)
        except ContractError as exc:
            refused = [self._located(v, group, built, root_line) for v in exc.violations]
            return Assessment(key, "held-back", root_line, built.summary, refused)
        warnings = [self._located(w, group, built, root_line) for w in checked.warnings]
        return Assessment(key, "ok", root_line, built.summary, [], warnings, checked.data, checked.warnings)

    def _located(self, v: Violation, group: KeyGroup, built: Built, root_line: int) -> CellProblem:
        """A contract finding at the file, line and column that fed its JSON path."""
        source, column, line = self.builder.locate(v.path, built, root_line)
        value = ""
        if column and line is not None:
            row = next((r for ln, r in group.rows.get(source, []) if ln == line), None)
            value = self.cell(source, row, column)
        return CellProblem(source, line, column, value, f"{v.path}: {v.message}")


@contextmanager
def _rare_collections() -> Iterator[None]:
    """Run the cyclic garbage collector rarely: a red bag is thousands of short-lived, acyclic dicts (freed
    by reference counting), and the default thresholds would scan them every 700 allocations."""
    thresholds = gc.get_threshold()
    gc.freeze()  # the loaded definitions, mapping and modules: never scanned again
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def run_worker(order: WorkOrder, counter: ProgressCounter) -> WorkResult:
    """Convert one key range (in this process)."""
    with _rare_collections():
        return Worker(order, counter).run()


def _worker_process(order: WorkOrder, counter: ProgressCounter, result_path: str) -> None:
    try:
        result = run_worker(order, counter)
    except BaseException:
        result = WorkResult(worker=order.worker, crash=traceback.format_exc())
    Path(result_path).write_bytes(orjson.dumps(asdict(result)))


# --- the run ---------------------------------------------------------------------------------------------
def _check_layout(
    spec: MappingSpec, export_dir: Path, read: Mapping[str, set[str]], needed: Mapping[str, set[str]]
) -> dict[str, tuple[str, ...]]:
    """Every file present and every column the mapping needs in its header, or one error naming all;
    the headers, by source."""
    problems = []
    headers: dict[str, tuple[str, ...]] = {}
    for source in spec.sources.values():
        path = export_dir / source.file
        try:
            header = read_header(path, spec.delimiter)
        except MappingError as exc:
            problems.append(str(exc))
            continue
        headers[source.name] = header.columns
        have = {c.casefold() for c in header.columns}
        missing = sorted(c for c in needed.get(source.name, set()) if c.casefold() not in have)
        if missing:
            problems.append(f"{path}: missing column(s) {', '.join(missing)}")
        names = [h.casefold() for h in header.columns]
        used = {c.casefold() for c in read.get(source.name, set())}
        repeated = sorted(
            {c for c in header.columns if c.casefold() in used and names.count(c.casefold()) > 1}
        )
        if repeated:  # which of the two would the mapping mean?
            problems.append(f"{path}: column(s) named twice: {', '.join(repeated)}")
    if problems:
        raise MappingError(f"{spec.name} export in {export_dir}:\n  " + "\n  ".join(problems))
    return headers


def _notes(
    spec: MappingSpec, ctx: Context, options: Mapping[str, str], headers: Mapping[str, Sequence[str]]
) -> list[RowError]:
    """One note per optional column the export lacks, saying what the mapping does without it."""
    order = {name: n for n, name in enumerate(spec.sources)}
    missing = without_optional_columns(spec, ctx, options, headers)
    notes = []
    for (source, column), outcomes in sorted(missing.items(), key=lambda m: (order[m[0][0]], m[0][1])):
        what = "; ".join(dict.fromkeys(outcomes)) or "nothing depends on it"
        reason = f"no column {column} (the mapping uses it when present): {what}"
        notes.append(RowError(spec.sources[source].file, None, column, "", reason, "", NOTE))
    return notes


def _process_context() -> ForkContext | SpawnContext:
    """Fork where it is safe (Linux, no other threads): workers start at once with everything loaded.

    Elsewhere spawn: slower to start (each worker imports the adapter) but safe on every platform.
    """
    if sys.platform == "linux" and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _prepare_share(orders: list[PrepareOrder], result_path: str) -> None:
    """Prepare some files in a child process; the results (or the error) go to a pickle file."""
    try:
        outcome: list[Prepared] | BaseException = [prepare(o) for o in orders]
    except MappingError as exc:
        outcome = exc
    except BaseException:  # handed to the parent, which stops the run
        outcome = RedbagError(traceback.format_exc())
    Path(result_path).write_bytes(pickle.dumps(outcome))


def _prepare_all(orders: list[PrepareOrder], jobs: int, work_dir: Path) -> list[Prepared]:
    """Prepare every file, over up to ``jobs`` processes (largest files first, each to the least loaded).

    Plain processes, not a pool: a pool's helper threads would each grow an allocator arena in this process.
    """
    if jobs <= 1 or len(orders) <= 1:
        return [prepare(o) for o in orders]
    shares: list[list[PrepareOrder]] = [[] for _ in range(min(jobs, len(orders)))]
    loads = [0] * len(shares)
    for order in sorted(orders, key=lambda o: Path(o.path).stat().st_size, reverse=True):
        least = loads.index(min(loads))
        shares[least].append(order)
        loads[least] += Path(order.path).stat().st_size
    ctx = _process_context()
    paths = [work_dir / f"prepared.{n:03d}.pickle" for n in range(len(shares))]
    procs = [ctx.Process(target=_prepare_share, args=(s, str(p))) for s, p in zip(shares, paths, strict=True)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
    done: dict[str, Prepared] = {}
    for proc, path in zip(procs, paths, strict=True):
        if not path.exists():
            raise RedbagError(f"preparing the files stopped (exit code {proc.exitcode}) without a result")
        outcome = pickle.loads(path.read_bytes())  # written by our own child process, just now
        if isinstance(outcome, BaseException):
            raise outcome
        done.update((p.source.name, p) for p in outcome)
    return [done[o.name] for o in orders]


def _run_workers(
    orders: list[WorkOrder], work_dir: Path, total: int, progress: Callable[[int, int], None] | None
) -> list[WorkResult]:
    if len(orders) == 1:
        counter = _LocalCounter()
        if progress is None:
            return [run_worker(orders[0], counter)]
        # One worker in this process: report progress from a thread-free wrapper around the counter.
        watched = _WatchedCounter(progress, total)
        return [run_worker(orders[0], watched)]
    ctx = _process_context()
    counters = [ctx.Value("q", 0) for _ in orders]
    paths = [work_dir / f"result.{o.worker:03d}.json" for o in orders]
    procs = [
        ctx.Process(target=_worker_process, args=(o, c, str(p)), name=f"redbag-csv-{o.worker}")
        for o, c, p in zip(orders, counters, paths, strict=True)
    ]
    for proc in procs:
        proc.start()
    try:
        while any(p.is_alive() for p in procs):
            if progress is not None:
                progress(sum(c.value for c in counters), total)
            time.sleep(0.2)
    finally:
        for proc in procs:
            proc.join()
    results = []
    for proc, path in zip(procs, paths, strict=True):
        if not path.exists():
            raise RedbagError(f"worker {proc.name} stopped (exit code {proc.exitcode}) without a result")
        result = WorkResult(**orjson.loads(path.read_bytes()))
        if result.crash:
            raise RedbagError(f"worker {proc.name} failed:\n{result.crash}")
        results.append(result)
    if progress is not None:
        progress(total, total)
    return results


class _WatchedCounter:
    """A counter that redraws progress as it is bumped (single-process runs)."""

    def __init__(self, progress: Callable[[int, int], None], total: int) -> None:
        self._value, self.progress, self.total = 0, progress, total

    @property
    def value(self) -> int:
        return self._value

    @value.setter
    def value(self, new: int) -> None:
        self._value = new
        self.progress(new, self.total)


@dataclass(frozen=True)
class Plan:
    """A checked, prepared run: the workers' orders, how many residents, what preparing cost."""

    spec: MappingSpec
    orders: list[WorkOrder]
    residents: int
    prepare_seconds: float
    prepare_cpu: list[float]
    notes: list[RowError]


@contextmanager
def _planned(request: ConvertRequest) -> Iterator[Plan]:
    """Check the mapping and the export, prepare every file, split the keys; clean up afterwards."""
    spec = mapping_spec.load(request.mapping)
    now = (request.now or datetime.now(UTC)).replace(microsecond=0)
    options = spec.option_values(dict(request.options))
    options[AS_OF] = format_instant(as_of_instant(request.as_of, now))
    ctx = Context(spec.zone(), datetime.fromisoformat(options[AS_OF]), spec.maps)
    read = referenced_columns(spec, ctx, options)
    if not request.export_dir.is_dir():
        raise MappingError(f"{request.export_dir}: not a folder (give the folder holding the CSV files)")
    headers = _check_layout(spec, request.export_dir, read, needed_columns(spec, ctx, options))
    notes = _notes(spec, ctx, options, headers)
    if request.fmt == "xml" and request.ndjson:
        raise MappingError("--ndjson writes FHIR JSON lines: it cannot be combined with --format xml")
    summary_violations({})  # compile the contract's schemas once here, before any worker is forked
    request.out_dir.mkdir(parents=True, exist_ok=True)
    work_dir = request.out_dir / f".redbag-work-{os.getpid()}"
    work_dir.mkdir()
    try:
        started = time.perf_counter()
        prepared = _prepare_all(
            [
                PrepareOrder(
                    s.name, str(request.export_dir / s.file), spec.delimiter, s.key, s.unique, str(work_dir)
                )
                for s in spec.sources.values()
            ],
            request.jobs,
            work_dir,
        )
        sources = tuple(p.source for p in prepared)
        root = next(s for s in sources if s.name == spec.root)
        rejected: dict[str, list[tuple[int, str, str]]] = {}
        for p in prepared:
            for key, line, column, reason in p.duplicates:
                rejected.setdefault(key, []).append((line, column, reason))
        settings = Settings(
            mapping=str(spec.path),
            options=options,
            now=now.isoformat(),
            out_dir=str(request.out_dir),
            work_dir=str(work_dir),
            ndjson=request.ndjson,
            fmt=request.fmt,
            bundle_check=request.bundle_check,
            strict=request.strict,
        )
        frozen = {k: tuple(v) for k, v in rejected.items()}
        orders = [
            WorkOrder(settings, sources, low, high, n, frozen)
            for n, (low, high) in enumerate(partition(root, max(1, request.jobs)))
        ]
        prepare_cpu = [p.cpu_seconds for p in prepared]
        yield Plan(spec, orders, root.rows, time.perf_counter() - started, prepare_cpu, notes)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


def convert_export(
    request: ConvertRequest, progress: Callable[[int, int], None] | None = None
) -> BatchResult:
    """Convert one export folder; raise MappingError (before any work) when the layout is unusable."""
    started = time.perf_counter()
    with _planned(request) as plan:
        spec, orders = plan.spec, plan.orders
        work_dir = Path(orders[0].settings.work_dir)
        converting = time.perf_counter()
        results = _run_workers(orders, work_dir, plan.residents, progress)
        result = BatchResult(mapping=spec.name)
        for r in results:
            result.add(r)
        merging = time.perf_counter()
        if request.ndjson:
            result.outputs, repeated = merge_ndjson(work_dir, request.out_dir, len(orders))
            result.resources -= repeated
        result.reports = write_reports(
            request.out_dir,
            [work_dir / f"errors.{o.worker:03d}.jsonl" for o in orders],
            [work_dir / f"held.{o.worker:03d}.jsonl" for o in orders],
            {
                "mapping": spec.name,
                "input": str(request.export_dir),
                "asOf": orders[0].settings.options[AS_OF],
                "rowsRead": result.rows,
                "residents": result.residents,
                "converted": result.converted,
                "convertedWithWarnings": result.converted_with_warnings,
                "heldBack": result.held_back,
                "skipped": result.skipped,
                "strict": request.strict,
                "errorCount": result.errors,
                "warningCount": result.warnings,
                "noteCount": len(plan.notes),
            },
            plan.notes,
        )
        result.notes = [f"{n.file}: {n.reason}" for n in plan.notes]
        result.phases = {
            "check_and_prepare": converting - started,
            "prepare": plan.prepare_seconds,
            "convert": merging - converting,
            "merge": time.perf_counter() - merging,
        }
        result.prepare_cpu = plan.prepare_cpu
        result.worker_cpu = [r.cpu_seconds for r in results]
    result.seconds = time.perf_counter() - started
    return result


def assess_export(request: ConvertRequest) -> Iterator[Assessment]:
    """Each key's summary and problems, in key order, without writing anything (one process)."""
    with (
        tempfile.TemporaryDirectory(prefix="redbag-assess-") as scratch,
        _planned(replace(request, jobs=1, out_dir=Path(scratch))) as plan,
    ):
        worker = Worker(plan.orders[0], _LocalCounter())
        try:
            for group in join(plan.orders[0].sources, None, None):
                yield worker.assess(group)
        finally:
            worker.close()
