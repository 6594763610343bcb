"""``redbag smoke``: a red-bag round trip against a FHIR server, with a pass/fail table."""

from __future__ import annotations

import argparse
import os
import sys

from adapter.cli.common import FAILED, OK, USAGE
from adapter.cli.server_options import AUTH_HELP, add_force_option, add_server_options, open_client
from adapter.errors import RedbagError
from adapter.exchange.capability_table import capability_table
from adapter.exchange.smoke import Check, run_smoke, table

EPILOG = f"""\
examples:
  redbag smoke --server http://127.0.0.1:8080/fhir
  REDBAG_FHIR_TOKEN=... redbag smoke --server https://fhir.example.nhs.uk/R4

First compares the server's CapabilityStatement with what a red bag needs and prints the table
(needed / offered / what redbag will do); when something essential is missing it stops there, before
any write (--force goes on). Then pushes a synthetic red bag (999-range test NHS number), reads it back,
searches by NHS number, pushes it again and checks nothing was duplicated, pulls it and compares with
what was sent, then deletes what it created. Prints one PASS/FAIL line per check.
{AUTH_HELP}
exit status: 0 every check passed, 1 some failed, 2 usage error.
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "smoke",
        help="round-trip a synthetic red bag through a FHIR server",
        description=__doc__,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_server_options(p)
    add_force_option(p, "push the synthetic red bag")
    p.set_defaults(func=run)


def show_progress(check: Check) -> None:
    """One line per finished check on stderr, while the run goes on."""
    if sys.stderr.isatty():
        print(f"  {check.name}: {'PASS' if check.passed else 'FAIL'}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    try:
        client = open_client(args, os.environ)
    except (RedbagError, ValueError, OSError) as exc:
        print(f"redbag smoke: {exc}", file=sys.stderr)
        return USAGE
    with client:
        smoke = run_smoke(client, on_check=show_progress, force=args.force)
    print(f"smoke test of {args.server}")
    if smoke.compatibility is not None:
        print(capability_table(smoke.compatibility))
        print()
    print(table(smoke.checks))
    return OK if smoke.passed else FAILED
