"""``redbag push``: send red bags to a FHIR server as transaction Bundles."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from adapter.cli.common import FAILED, OK, USAGE, progress, report
from adapter.cli.server_options import AUTH_HELP, add_force_option, add_server_options, open_client
from adapter.client import Resource
from adapter.errors import RedbagError
from adapter.exchange import push_transaction, transaction_for
from adapter.exchange.capability_table import capability_table
from adapter.exchange.compatibility import check_server
from adapter.exchange.needs import transactions_needs
from adapter.redbag.contract import read_json_file

EPILOG = f"""\
examples:
  redbag push out/RB-VN4R7-0318.transaction.json --server http://127.0.0.1:8080/fhir
  redbag push examples/*.summary.json --server http://127.0.0.1:8080/fhir

Each FILE is a resident summary, a red-bag document Bundle or a transaction Bundle (summaries and
documents are converted first). Before anything is written, the server's CapabilityStatement is
compared with what these transactions need, and the table (needed / offered / what redbag will do) is
printed on standard error: when something essential is missing (or the CapabilityStatement cannot be
read) nothing is sent, unless --force. Where the server has no conditional update but lets clients
create with their own ids, the transfer's resources are written by their deterministic ids instead.
Every entry is conditional or keyed, so pushing the same red bag again creates nothing new. A failed
transaction is rolled back whole and the server's OperationOutcome is printed.
{AUTH_HELP}
exit status: 0 all pushed, 1 some failed or the server cannot take red bags, 2 usage error.
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
    add_force_option(p, "push")
    p.set_defaults(func=run)


def read_transactions(paths: list[Path]) -> tuple[list[tuple[Path, Resource]], int]:
    """Each file's transaction, in order, and how many files could not be read or converted."""
    ready, failed = [], 0
    for path in paths:
        try:
            ready.append((path, transaction_for(read_json_file(path), str(path))))
        except (RedbagError, OSError) as exc:
            failed += 1
            report(str(path), exc)
    return ready, failed


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
    ready, failed = read_transactions(paths)
    with client:
        compatibility = check_server(client, transactions_needs(t for _, t in ready)) if ready else None
        if compatibility is not None:
            print(capability_table(compatibility), file=sys.stderr)
            if compatibility.refuses(["push"]) and not args.force:
                print(f"redbag push: nothing sent to {args.server} (--force sends anyway)", file=sys.stderr)
                return FAILED
        for path, transaction in progress(ready, len(ready), "pushing"):
            try:
                sent = compatibility.adapt(transaction) if compatibility else transaction
                print(push_transaction(client, sent, str(path)).summary_line())
            except RedbagError as exc:
                failed += 1
                report(str(path), exc)
    print(f"pushed {len(paths) - failed} of {len(paths)} file(s) to {args.server}", file=sys.stderr)
    return FAILED if failed else OK
