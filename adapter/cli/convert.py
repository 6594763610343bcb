"""``redbag convert``: resident summaries (JSON) -> FHIR document and transaction bundles."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from adapter.cli.common import (
    FAILED,
    OK,
    USAGE,
    add_format_option,
    add_strict_option,
    progress,
    report,
    report_warnings,
    write_resource,
)
from adapter.cli.convert_csv import CSV_EPILOG, add_csv_options, run_csv, uses_csv_path
from adapter.errors import RedbagError
from adapter.redbag import build_bundles
from adapter.redbag.contract import assess_summary, read_json_file
from adapter.redbag.ips import build_ips
from adapter.redbag.pointer import FHIR_JSON, FHIR_XML, PDF, Content, build_pointer
from adapter.render import html_to_pdf, render_transfer_html

Json = dict[str, Any]

EPILOG = (
    """\
examples:
  redbag convert examples/*.summary.json --out out/
  redbag convert examples/dementia-dnacpr.summary.json --out out/ --format xml
  redbag convert examples/dementia-dnacpr.summary.json --out out/ --as ips
  redbag convert examples/*.summary.json --out out/ --pointer --content-url https://records.example.nhs.uk/rb/

Writes <bagNumber>.document.json and <bagNumber>.transaction.json for each input (with --as ips, the
International Patient Summary <bagNumber>.ips.json instead). --pointer also prints the red bag to
<bagNumber>.pdf (headless Chromium) and writes <bagNumber>.pointer.json: a DocumentReference for the document
and the PDF (NHS number, care home ODS code, each file's size and SHA-1), in the shape of the National Record
Locator's pointers; --content-url is where the files will be published (default: their file names, relative to
the pointer). A bad input file is reported (file, JSON path, reason) and the others are still converted.
Wrong or contradictory input is refused; missing or imprecise input travels, marked "not recorded" in the
red bag, with a warning per field on stderr (--strict refuses such input instead).
exit status: 0 all converted (warnings or not), 1 some inputs refused, 2 usage error.

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
    add_strict_option(p)
    p.add_argument(
        "--as",
        dest="view",
        choices=("redbag", "ips"),
        default="redbag",
        help="redbag: the red-bag document and transaction (default); ips: the International Patient "
        "Summary (HL7 IPS 2.0.0) document",
    )
    p.add_argument(
        "--pointer",
        action="store_true",
        help="also write the PDF and a DocumentReference pointing at the document and the PDF",
    )
    p.add_argument(
        "--content-url",
        metavar="URL",
        help="with --pointer: the base URL the document and PDF will be published under",
    )
    add_csv_options(p)
    p.set_defaults(func=run)


def convert_file(
    path: Path,
    out: Path,
    fmt: str,
    *,
    strict: bool = False,
    view: str = "redbag",
    pointer: bool = False,
    content_url: str | None = None,
) -> list[Path]:
    """Convert one summary file (its warnings printed); raise RedbagError naming the problem."""
    checked = assess_summary(read_json_file(path), source=str(path), strict=strict)
    summary = checked.data
    bag = summary["bagNumber"]
    if view == "ips":
        document = build_ips(summary, gaps=checked.warnings)
        written = [write_resource(out, f"{bag}.ips", document, fmt)]
    else:
        document, transaction = build_bundles(summary, gaps=checked.warnings)
        written = [
            write_resource(out, f"{bag}.document", document, fmt),
            write_resource(out, f"{bag}.transaction", transaction, fmt),
        ]
    report_warnings(str(path), checked.warnings)
    if pointer:
        written += write_pointer(out, document, written[0], fmt, content_url)
    return written


def write_pointer(out: Path, document: Json, written: Path, fmt: str, content_url: str | None) -> list[Path]:
    """Print the document to ``<bag>.pdf`` and write ``<bag>.pointer`` describing both files as written."""
    bag = written.name.split(".")[0]
    pdf = out / f"{bag}.pdf"
    html_to_pdf(render_transfer_html(document), pdf)
    files = [
        Content(written.read_bytes(), FHIR_XML if fmt == "xml" else FHIR_JSON, "Red bag (FHIR document)"),
        Content(pdf.read_bytes(), PDF, "Red bag (printed form)"),
    ]
    base = content_url or ""
    contents = [replace(c, url=f"{base}{p.name}") for c, p in zip(files, (written, pdf), strict=True)]
    return [pdf, write_resource(out, f"{bag}.pointer", build_pointer(document, contents), fmt)]


def run(args: argparse.Namespace) -> int:
    if uses_csv_path(args):
        if args.view != "redbag" or args.pointer or args.content_url:
            print(
                "--as ips, --pointer and --content-url work on summary files, not with --mapping",
                file=sys.stderr,
            )
            return USAGE
        return run_csv(args)
    if args.content_url and not args.pointer:
        print("--content-url goes with --pointer", file=sys.stderr)
        return USAGE
    paths = [Path(p) for p in args.inputs]
    missing = [p for p in paths if not p.is_file()]
    if missing:
        for p in missing:
            print(f"{p}: no such file", file=sys.stderr)
        return USAGE
    failed = 0
    for path in progress(paths, len(paths), "converting"):
        try:
            written = convert_file(
                path,
                args.out,
                args.format,
                strict=args.strict,
                view=args.view,
                pointer=args.pointer,
                content_url=args.content_url,
            )
        except (RedbagError, OSError) as exc:
            failed += 1
            report(str(path), exc)
            continue
        print(f"{path} -> {', '.join(str(w) for w in written)}")
    print(f"converted {len(paths) - failed} of {len(paths)} file(s)", file=sys.stderr)
    return FAILED if failed else OK
