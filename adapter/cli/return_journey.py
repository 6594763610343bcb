"""``redbag return``: a hospital discharge + the summary that went out -> FHIR (the return journey)."""

from __future__ import annotations

import argparse
from pathlib import Path

from adapter.cli.common import (
    FAILED,
    OK,
    add_format_option,
    add_strict_option,
    report,
    report_warnings,
    write_resource,
)
from adapter.errors import RedbagError
from adapter.redbag import build_return_bundles, check_summary
from adapter.redbag.contract import assess_discharge, read_json_file

EPILOG = """\
example:
  redbag return examples/return-journey.discharge.json \\
      --summary examples/return-journey.summary.json --out out/

Writes <bagNumber>.return.document.json and <bagNumber>.return.transaction.json: the transfer Encounter
finished, medication changes, new diagnoses and the belongings reconciled item by item (an item with no
return status is flagged missing). Output that would lose an item is refused, never written. A discharge
without its belongings check travels with a warning on stderr (--strict refuses it instead).
exit status: 0 ok (warnings or not), 1 invalid input or output refused as incomplete, 2 usage error.
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "return",
        help="discharge (return journey) -> FHIR document + transaction bundles",
        description=__doc__,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("discharge", type=Path, metavar="DISCHARGE", help="discharge JSON file")
    p.add_argument("--summary", type=Path, required=True, help="the resident summary that went out")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    add_format_option(p)
    add_strict_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        summary = check_summary(read_json_file(args.summary), source=str(args.summary))
    except (RedbagError, OSError) as exc:
        report(str(args.summary), exc)
        return FAILED
    try:
        checked = assess_discharge(
            read_json_file(args.discharge), summary, source=str(args.discharge), strict=args.strict
        )
    except (RedbagError, OSError) as exc:
        report(str(args.discharge), exc)
        return FAILED
    discharge = checked.data
    bag = summary["bagNumber"]
    try:  # a CompletenessError (hazard H1) is reported like any other failed input
        document, transaction = build_return_bundles(summary, discharge)
        written = [
            write_resource(args.out, stem, resource, args.format)
            for stem, resource in (
                (f"{bag}.return.document", document),
                (f"{bag}.return.transaction", transaction),
            )
        ]
    except (RedbagError, OSError) as exc:
        report(str(args.discharge), exc)
        return FAILED
    report_warnings(str(args.discharge), checked.warnings)
    for path in written:
        print(path)
    return OK
