"""The CSV path of ``redbag convert``: ``redbag convert DIR --mapping NAME|FILE --out OUT``.

``adapter/cli/convert.py`` adds these options with :func:`add_csv_options` and hands over to
:func:`run_csv` when ``--mapping`` (or another CSV-only option) is given.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from adapter.cli.common import FAILED, OK, USAGE
from adapter.errors import MappingError, RedbagError
from adapter.mapping import ConvertRequest, builtin_names, convert_export

Json = dict[str, Any]

#: How many failing rows (and as many warnings) are printed; the rest are in errors.csv / errors.json.
SHOWN_ERRORS = 10

CSV_EPILOG = """\
CSV exports (--mapping):
  redbag convert examples/csv --mapping care-home-csv --out out/csv/
  redbag convert export/ --mapping care-home-csv --out out/ --ndjson --jobs 4
  redbag convert synthea/csv --mapping synthea --as-of 2026-04-01 --out out/syn \\
      --set care_home_ods_code=VAB12 --set "care_home_name=Oak Lodge"

  INPUT is then one folder holding the layout's CSV files. Writes the same bundles per resident (or NDJSON,
  one file per resource type), plus errors.csv and errors.json listing (severity, file, line, column,
  value, reason, resident) every failing row (error: its resident is held back, not converted at all),
  every gap a converted red bag travels with (warning: marked in the FHIR; --strict holds the resident
  back instead), and every optional column the export lacks (note). A missing file or needed column stops
  the run before any work.
  exit status: 0 every resident converted (with warnings or not), 1 some resident held back or some row
  failed, 2 unusable layout or options.
"""


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def add_csv_options(parser: argparse.ArgumentParser) -> None:
    """The options of the CSV path (``--mapping`` selects it)."""
    group = parser.add_argument_group("CSV exports")
    names = ", ".join(builtin_names()) or "none"
    group.add_argument(
        "--mapping",
        metavar="NAME|FILE",
        help=f"convert a folder of CSV files with this mapping (built in: {names}; or a mapping file)",
    )
    group.add_argument(
        "--as-of",
        metavar="DATE",
        help="the date (or date-time with offset) the red bags describe; records active then are taken "
        "(default: now)",
    )
    group.add_argument(
        "--set",
        metavar="NAME=VALUE",
        action="append",
        default=[],
        dest="constants",
        help="a constant the mapping asks for (repeatable), e.g. --set care_home_ods_code=VAB12",
    )
    group.add_argument("--ndjson", action="store_true", help="write NDJSON, one file per resource type")
    group.add_argument("--jobs", type=_positive, default=1, metavar="N", help="worker processes (default 1)")
    group.add_argument(
        "--validate", action="store_true", help="validate each document Bundle against the profiles too"
    )


def uses_csv_path(args: argparse.Namespace) -> bool:
    """True when any CSV-only option is given (``run_csv`` then insists on ``--mapping``)."""
    return bool(
        args.mapping or args.as_of or args.constants or args.ndjson or args.validate or args.jobs != 1
    )


def _constants(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise MappingError(f"--set {pair!r}: give NAME=VALUE")
        out[name.strip()] = value.strip()
    return out


def validator_check() -> Callable[[Json], list[str]]:
    """A check of document Bundles with the project's validator (loaded once per worker process)."""
    from adapter.validation import Validator

    validator = Validator.load()

    def check(document: Json) -> list[str]:
        outcome = validator.validate(document)
        return [
            f"FHIR validation: {', '.join(issue.get('expression', [])) or 'Bundle'}: "
            f"{issue.get('diagnostics', '')}"
            for issue in outcome.get("issue", [])
            if issue.get("severity") in ("error", "fatal")
        ]

    return check


def _validator_ready() -> str | None:
    """Why ``--validate`` cannot run here, or None when it can."""
    try:
        from adapter.validation import Validator
    except ImportError as exc:
        return f"--validate needs the validator (adapter.validation), which is not available: {exc}"
    try:
        Validator.load()
    except RedbagError as exc:
        return f"--validate: the validator cannot load its definitions: {exc}"
    return None


class _ProgressLine:
    """``converting: 1,234 of 100,000 residents`` redrawn on a terminal, at most five times a second."""

    def __init__(self) -> None:
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.2 and done < total:
            return
        self.last = now
        sys.stderr.write(f"\rconverting: {done:,} of {total:,} residents")
        sys.stderr.flush()


def run_csv(args: argparse.Namespace) -> int:
    """Convert one export folder; 0 all converted, 1 some rows failed, 2 unusable layout or options."""
    if not args.mapping:
        print("--as-of, --set, --ndjson, --jobs and --validate go with --mapping", file=sys.stderr)
        return USAGE
    if len(args.inputs) != 1:
        print(f"with --mapping, give one folder (got {len(args.inputs)} inputs)", file=sys.stderr)
        return USAGE
    check = None
    if args.validate:
        problem = _validator_ready()
        if problem:
            print(problem, file=sys.stderr)
            return USAGE
        check = validator_check
    on_terminal = sys.stderr.isatty()
    progress = _ProgressLine() if on_terminal else None
    try:
        request = ConvertRequest(
            strict=args.strict,
            mapping=args.mapping,
            export_dir=Path(args.inputs[0]),
            out_dir=args.out,
            options=_constants(args.constants),
            as_of=args.as_of,
            jobs=args.jobs,
            ndjson=args.ndjson,
            fmt=args.format,
            bundle_check=check,
        )
        result = convert_export(request, progress)
    except MappingError as exc:
        print(exc, file=sys.stderr)
        return USAGE
    except (RedbagError, OSError) as exc:  # a worker that stopped, an output folder that cannot be written
        print(f"convert {args.inputs[0]}: {exc}", file=sys.stderr)
        return FAILED
    finally:
        if on_terminal:
            sys.stderr.write("\n")
    errors_csv = result.reports[0]
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    _show_rows(errors_csv, {"error": result.errors, "warning": result.warnings})
    print(
        f"converted {result.converted:,} of {result.residents:,} resident(s) ({result.mapping}): "
        f"{result.held_back:,} held back, {result.errors:,} row error(s), "
        f"{result.converted_with_warnings:,} converted with {result.warnings:,} warning(s), "
        f"{result.resources:,} resources in {result.seconds:.1f}s; report: {errors_csv}"
        + (f"; {result.skipped:,} left out by the mapping" if result.skipped else ""),
        file=sys.stderr,
    )
    return FAILED if result.errors or result.held_back else OK


def _show_rows(errors_csv: Path, counts: dict[str, int]) -> None:
    """The first errors, then the first warnings, of the report (up to SHOWN_ERRORS of each)."""
    if not any(counts.values()):
        return
    import csv

    shown: dict[str, list[str]] = {severity: [] for severity in counts}
    with errors_csv.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            lines = shown.get(row["severity"])
            if lines is None or len(lines) == SHOWN_ERRORS:
                continue
            where = f"{row['file']} line {row['line']}" if row["line"] else row["file"]
            column = f", {row['column']}" if row["column"] else ""
            prefix = "warning: " if row["severity"] == "warning" else ""
            lines.append(f"{prefix}{where}{column}: {row['reason']} (resident {row['resident']})")
            if all(len(v) == min(SHOWN_ERRORS, counts[k]) for k, v in shown.items()):
                break
    for severity, lines in shown.items():
        for line in lines:
            print(line, file=sys.stderr)
        if counts[severity] > len(lines):
            print(
                f"  ... and {counts[severity] - len(lines):,} more {severity}(s) in {errors_csv}",
                file=sys.stderr,
            )
