"""``redbag to-summary``: a red-bag FHIR document Bundle (or its International Patient Summary view) -> the
resident summary JSON."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from adapter.cli.common import FAILED, OK, report
from adapter.errors import RedbagError
from adapter.fhir.jsonio import dumps
from adapter.redbag import document_to_summary
from adapter.redbag.contract import read_json_file

EPILOG = """\
example:
  redbag to-summary out/RB-VN4R7-0042.document.json --out summary.json

Reads the document back into the resident-summary contract (the reverse of convert).
exit status: 0 ok, 1 the file is not a readable red-bag document, 2 usage error.
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "to-summary",
        help="FHIR document Bundle -> resident summary JSON",
        description=__doc__,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "document", type=Path, metavar="DOCUMENT", help="red-bag document Bundle, or its IPS view (JSON)"
    )
    p.add_argument("--out", type=Path, help="write the summary here (default: standard output)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        summary = document_to_summary(read_json_file(args.document))
    except (RedbagError, OSError, KeyError, StopIteration) as exc:
        report(
            str(args.document),
            exc
            if isinstance(exc, RedbagError | OSError)
            else RedbagError(f"not a complete red-bag document (missing {exc})"),
        )
        return FAILED
    data = dumps(summary)
    if args.out:
        args.out.write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
    return OK
