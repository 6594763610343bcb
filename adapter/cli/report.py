"""``redbag report``: the pathway measures (per care home, per hospital, overall) as a self-contained HTML
report with charts and as CSV, from the service's store or from a FHIR server holding red bags."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from adapter.cli.common import FAILED, OK, USAGE
from adapter.cli.server_options import AUTH_HELP, add_server_options, auth_from
from adapter.client import AsyncFhirClient
from adapter.errors import RedbagError
from adapter.measures import DEFAULT_THRESHOLD, Filters, Measures, measure_database
from adapter.measures.server import ReadOptions, read_server
from adapter.report import write_report
from adapter.store import open_database, open_outbox
from adapter.store.schema import create_facts_tables

EPILOG = f"""\
examples:
  redbag report --database sqlite:///redbag.db --out out/report
  redbag report --database "$REDBAG_DATABASE_URL" --from 2025-01-01 --to 2025-03-31 --care-home VR8D2
  redbag report --server http://127.0.0.1:8080/fhir --hospital RZZ06 --out out/report

Writes OUT/measures.html (one file: charts inline, opens with no network) and OUT/measures.csv. The
store is the service's database (REDBAG_DATABASE_URL when --database is not given); a FHIR server is read
with FHIR search only (paged, several slices at once), with a progress bar on a terminal.
Counts from 1 to N-1 are shown as <N, and figures that would reveal them are withheld (N is
--suppress-below, default {DEFAULT_THRESHOLD}; 1 shows every number: only for people who may see the
residents' records).
{AUTH_HELP}
exit status: 0 written, 1 the store or server could not be read, 2 usage error.
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "report",
        help="pathway measures -> HTML report with charts, and CSV",
        description=__doc__,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--database", metavar="URL", help="the service's store: sqlite:///FILE or postgresql://..."
    )
    add_server_options(p, required=False)
    p.add_argument("--out", type=Path, default=Path("out/report"), metavar="DIR", help="default: out/report")
    p.add_argument("--name", default="measures", help="file name stem (default: measures)")
    p.add_argument("--from", dest="start", type=date.fromisoformat, metavar="YYYY-MM-DD", help="first day")
    p.add_argument("--to", dest="end", type=date.fromisoformat, metavar="YYYY-MM-DD", help="last day")
    p.add_argument("--care-home", metavar="ODS", help="one care home's stays")
    p.add_argument("--hospital", metavar="ODS", help="one hospital's stays")
    p.add_argument(
        "--suppress-below",
        type=int,
        default=DEFAULT_THRESHOLD,
        metavar="N",
        help=f"show counts from 1 to N-1 as <N (default: {DEFAULT_THRESHOLD}; 1: no suppression)",
    )
    p.add_argument(
        "--page-size", type=int, default=200, metavar="N", help="FHIR search _count (default: 200)"
    )
    p.add_argument(
        "--slices", type=int, default=4, metavar="N", help="FHIR searches read at once (default: 4)"
    )
    p.set_defaults(func=run)


class _Bar:
    """A progress bar on stderr (drawn only on a terminal)."""

    def __init__(self) -> None:
        self.shown = sys.stderr.isatty()
        self.last = 0.0

    def __call__(self, done: int, total: int | None) -> None:
        now = time.monotonic()
        if not self.shown or now - self.last < 0.1:
            return
        self.last = now
        if total:
            filled = min(30, 30 * done // max(total, 1))
            line = f"\rreading red bags [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}"
        else:
            line = f"\rreading red bags: {done}"
        sys.stderr.write(line)
        sys.stderr.flush()

    def end(self) -> None:
        if self.shown:
            sys.stderr.write("\n")


def _from_server(args: argparse.Namespace, filters: Filters, scratch: Path) -> Measures:
    db = open_database(f"sqlite:///{scratch}")
    try:
        create_facts_tables(db)
        bar = _Bar()

        async def read() -> None:
            client = AsyncFhirClient(args.server, auth=auth_from(args, os.environ), timeout=args.timeout)
            async with client:
                await read_server(client, db, options=ReadOptions(args.page_size, args.slices), progress=bar)

        asyncio.run(read())
        bar.end()
        return measure_database(db, filters, threshold=args.suppress_below)
    finally:
        db.close()


def run(args: argparse.Namespace) -> int:
    if args.server and args.database:
        print("give --database or --server, not both", file=sys.stderr)
        return USAGE
    if args.suppress_below < 1 or args.page_size < 1 or args.slices < 1:
        print("--suppress-below, --page-size and --slices must be 1 or more", file=sys.stderr)
        return USAGE
    if args.start and args.end and args.end < args.start:
        print(f"--to {args.end} is before --from {args.start}", file=sys.stderr)
        return USAGE
    filters = Filters(args.start, args.end, args.care_home, args.hospital)
    try:
        if args.server:
            with tempfile.TemporaryDirectory(prefix="redbag-report-") as work:
                found = _from_server(args, filters, Path(work) / "facts.db")
            source = f"FHIR server {args.server}"
        else:
            url = args.database or os.environ.get("REDBAG_DATABASE_URL") or "sqlite:///redbag.db"
            store = open_outbox(url)
            try:
                found = measure_database(store.db, filters, threshold=args.suppress_below)
                source = f"redbag store ({store.db.describe()})"
            finally:
                store.close()
        html, table = write_report(found, args.out, source=source, name=args.name)
    except (RedbagError, OSError) as exc:
        print(f"report: {exc}", file=sys.stderr)
        return FAILED
    print(html)
    print(table)
    return OK
