"""``redbag pull``: fetch a resident's latest red bag from a FHIR server."""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from adapter.cli.common import FAILED, OK, USAGE, report
from adapter.cli.server_options import AUTH_HELP, add_force_option, add_server_options, open_client
from adapter.errors import RedbagError
from adapter.exchange import pull_red_bag
from adapter.exchange.capability_table import capability_table
from adapter.exchange.compatibility import check_server
from adapter.exchange.needs import red_bag_pull_needs
from adapter.fhir.jsonio import dumps
from adapter.redbag import document_to_summary

EPILOG = f"""\
examples:
  redbag pull --server http://127.0.0.1:8080/fhir --nhs-number 9990341818 --out RB.document.json
  redbag pull --server http://127.0.0.1:8080/fhir --nhs-number 9990341818 --as summary

Finds the one Patient with the NHS number (several, or a partial match, is refused), their newest
transfer summary (Composition), and everything it refers to, and writes the red bag as a FHIR document
Bundle (--as document, the default) or as a resident summary (--as summary), to --out FILE or to
standard output. It reports when the red bag was completed and whether a newer summary (such as a
discharge summary) exists. First the server's CapabilityStatement is checked for the searches and reads
a pull makes: when one is missing, the table is printed and nothing is pulled (--force tries anyway);
without batch, the red bag is read one resource at a time. Every search answer is checked against
what was asked: a server that ignores a criterion is refused, never believed.
{AUTH_HELP}
exit status: 0 written, 1 not found or incomplete on the server, 2 usage error.
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "pull",
        help="fetch a resident's latest red bag from a FHIR server",
        description=__doc__,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--nhs-number", required=True, metavar="N", help="the resident's NHS number (10 digits)")
    p.add_argument("--out", type=Path, metavar="FILE", help="write here instead of standard output")
    p.add_argument(
        "--as",
        dest="form",
        choices=("document", "summary"),
        default="document",
        help="document Bundle (default) or resident summary",
    )
    add_server_options(p)
    add_force_option(p, "pull")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    nhs_number = args.nhs_number.replace(" ", "")
    if not re.fullmatch(r"[0-9]{10}", nhs_number):
        print(f"redbag pull: --nhs-number must be 10 digits, not {args.nhs_number!r}", file=sys.stderr)
        return USAGE
    try:
        client = open_client(args, os.environ)
    except (RedbagError, ValueError, OSError) as exc:
        print(f"redbag pull: {exc}", file=sys.stderr)
        return USAGE
    try:
        with client:
            compatibility = check_server(client, red_bag_pull_needs())
            if compatibility.refuses(["pull"]):
                print(capability_table(compatibility), file=sys.stderr)
                if not args.force:
                    print("redbag pull: nothing pulled (--force tries anyway)", file=sys.stderr)
                    return FAILED
            pulled = pull_red_bag(client, nhs_number, batch=compatibility.batch_reads)
        document = pulled.document
        result = document_to_summary(document) if args.form == "summary" else document
    except RedbagError as exc:
        report(args.server, exc)
        return FAILED
    data = dumps(result)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
    # The date, and any newer summary, always reach the person who pulled (hazard H5).
    print(f"{args.out or 'stdout'}: {pulled.describe(nhs_number)}", file=sys.stderr)
    return OK
