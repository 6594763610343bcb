"""``redbag push``: send red bags to a FHIR server as transaction Bundles."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from adapter.cli.common import FAILED, OK, USAGE, progress, report
from adapter.cli.server_options import AUTH_HELP, add_server_options, open_client
from adapter.errors import RedbagError
from adapter.exchange import push_transaction, transaction_for
from adapter.redbag.contract import read_json_file

EPILOG = f"""\
examples:
  redbag push out/RB-VN4R7-0318.transaction.json --server http://127.0.0.1:8080/fhir
  redbag push examples/*.summary.json --server http://127.0.0.1:8080/fhir

Each FILE is a resident summary, a red-bag document Bundle or a transaction Bundle (summaries and
documents are converted first). Every entry is conditional, so pushing the same red bag again creates
nothing new. A failed transaction is rolled back whole and the server's OperationOutcome is printed.
{AUTH_HELP}
exit status: 0 all pushed, 1 some failed, 2 usage error.
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "push",
        help="send red bags to a FHIR server (transactions)",
        description=__doc__,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="summary, document or transaction JSON files")
    add_server_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.files]
    missing = [p for p in paths if not p.is_file()]
    for path in missing:
        print(f"{path}: no such file", file=sys.stderr)
    if missing:
        return USAGE
    try:
        client = open_client(args, os.environ)
    except (RedbagError, ValueError, OSError) as exc:
        print(f"redbag push: {exc}", file=sys.stderr)
        return USAGE
    failed = 0
    with client:
        for path in progress(paths, len(paths), "pushing"):
            try:
                transaction = transaction_for(read_json_file(path), str(path))
                print(push_transaction(client, transaction, str(path)).summary_line())
            except (RedbagError, OSError) as exc:
                failed += 1
                report(str(path), exc)
    print(f"pushed {len(paths) - failed} of {len(paths)} file(s) to {args.server}", file=sys.stderr)
    return FAILED if failed else OK
