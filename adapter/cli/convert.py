"""``redbag convert``: resident summaries (JSON) -> FHIR document and transaction bundles."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from adapter.cli.common import FAILED, OK, USAGE, add_format_option, progress, report, write_resource
from adapter.cli.convert_csv import CSV_EPILOG, add_csv_options, run_csv, uses_csv_path
from adapter.errors import RedbagError
from adapter.redbag import build_bundles, check_summary
from adapter.redbag.contract import read_json_file

EPILOG = (
    """\
examples:
  redbag convert examples/*.summary.json --out out/
  redbag convert examples/dementia-dnacpr.summary.json --out out/ --format xml

Writes <bagNumber>.document.json and <bagNumber>.transaction.json for each input. A bad input file is
reported (file, JSON path, reason) and the others are still converted.
exit status: 0 all converted, 1 some inputs failed, 2 usage error.

"""
    + CSV_EPILOG
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "convert",
        help="resident summaries -> FHIR document + transaction bundles",
        description=__doc__,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "inputs", nargs="+", metavar="INPUT", help="resident summary JSON files (a folder with --mapping)"
    )
    p.add_argument("--out", type=Path, required=True, help="output folder (created if missing)")
    add_format_option(p)
    p.add_argument(
        "--strict",
        action="store_true",
        help="refuse on warnings too: a summary (or CSV resident) whose red bag would travel with a gap "
        "is not converted",
    )
    add_csv_options(p)
    p.set_defaults(func=run)


def convert_file(path: Path, out: Path, fmt: str) -> list[Path]:
    """Convert one summary file; raise RedbagError naming the problem."""
    summary = check_summary(read_json_file(path), source=str(path))
    document, transaction = build_bundles(summary)
    bag = summary["bagNumber"]
    return [
        write_resource(out, f"{bag}.document", document, fmt),
        write_resource(out, f"{bag}.transaction", transaction, fmt),
    ]


def run(args: argparse.Namespace) -> int:
    if uses_csv_path(args):
        return run_csv(args)
    paths = [Path(p) for p in args.inputs]
    missing = [p for p in paths if not p.is_file()]
    if missing:
        for p in missing:
            print(f"{p}: no such file", file=sys.stderr)
        return USAGE
    failed = 0
    for path in progress(paths, len(paths), "converting"):
        try:
            written = convert_file(path, args.out, args.format)
        except (RedbagError, OSError) as exc:
            failed += 1
            report(str(path), exc)
            continue
        print(f"{path} -> {', '.join(str(w) for w in written)}")
    print(f"converted {len(paths) - failed} of {len(paths)} file(s)", file=sys.stderr)
    return FAILED if failed else OK
