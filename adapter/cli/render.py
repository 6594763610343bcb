"""``redbag render``: a red bag (document or resident summary) -> printable transfer form (HTML, PDF)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from adapter.cli.common import FAILED, OK, USAGE, report
from adapter.errors import InputError, RedbagError
from adapter.redbag import check_discharge, check_summary
from adapter.redbag.contract import read_json_file
from adapter.render import html_to_pdf, render_summary_html, render_transfer_html
from adapter.render.from_document import outbound_summary

#: The form is designed for one or two A4 pages.
MAX_PAGES = 2

EPILOG = """\
examples:
  redbag render out/RB-VN4R7-0318.document.json --html bag.html --pdf bag.pdf
  redbag render examples/dementia-dnacpr.summary.json --html bag.html
  redbag render out/RB-VR8D2-0456.document.json --return out/RB-VR8D2-0456.return.document.json \\
      --html back.html --pdf back.pdf
  redbag render examples/return-journey.summary.json \\
      --discharge examples/return-journey.discharge.json --pdf back.pdf

FILE is an outbound or return document Bundle (JSON) or a resident summary. For the return journey add
the return document (--return) or the discharge (--discharge): the form then shows what changed (medicines,
diagnoses, follow-up) and what is missing. The PDF is printed by headless Chromium (Debian package
chromium; scripts/install-chromium.sh installs it) on A4, normally one or two pages.
exit status: 0 ok, 1 invalid input or printing failed, 2 usage error.
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "render",
        help="red bag -> printable transfer form (HTML, A4 PDF)",
        description=__doc__,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", type=Path, metavar="FILE", help="document Bundle or resident summary (JSON)")
    p.add_argument("--html", type=Path, metavar="OUT.html", help="write the form as HTML")
    p.add_argument("--pdf", type=Path, metavar="OUT.pdf", help="print the form to an A4 PDF (needs Chromium)")
    back = p.add_mutually_exclusive_group()
    back.add_argument(
        "--return",
        dest="return_document",
        type=Path,
        metavar="RETURN_DOCUMENT",
        help="the return-journey document Bundle of the same bag",
    )
    back.add_argument(
        "--discharge", type=Path, metavar="DISCHARGE", help="the discharge JSON of the same bag"
    )
    p.set_defaults(func=run)


def _is_bundle(data: Any) -> bool:
    return isinstance(data, dict) and data.get("resourceType") == "Bundle"


def form_html(args: argparse.Namespace) -> str:
    """The form for the command's inputs; raises RedbagError naming the file at fault."""
    data = read_json_file(args.file)
    back = read_json_file(args.return_document) if args.return_document else None
    if back is not None and not _is_bundle(back):
        raise InputError(f"{args.return_document}: not a FHIR Bundle (a return document is needed)")
    if _is_bundle(data) and not args.discharge:
        return render_transfer_html(data, return_document=back)
    summary = outbound_summary(data) if _is_bundle(data) else check_summary(data, source=str(args.file))
    if args.discharge:
        discharge = check_discharge(read_json_file(args.discharge), summary, source=str(args.discharge))
        return render_summary_html(summary, discharge=discharge)
    return render_summary_html(summary, return_document=back)


def run(args: argparse.Namespace) -> int:
    if not args.html and not args.pdf:
        print("redbag render: give --html OUT.html, --pdf OUT.pdf or both", file=sys.stderr)
        return USAGE
    missing = [p for p in (args.file, args.return_document, args.discharge) if p and not p.is_file()]
    for path in missing:
        print(f"{path}: no such file", file=sys.stderr)
    if missing:
        return USAGE
    try:
        html = form_html(args)
    except (RedbagError, OSError) as exc:
        report(getattr(exc, "source", None) or str(args.file), exc)  # a discharge names its own file
        return FAILED
    if args.html:
        args.html.parent.mkdir(parents=True, exist_ok=True)
        args.html.write_text(html, encoding="utf-8")
        print(args.html)
    if args.pdf:
        try:
            pages = html_to_pdf(html, args.pdf)
        except RedbagError as exc:
            report(str(args.pdf), exc)
            return FAILED
        print(f"{args.pdf}: {pages} A4 page(s)")
        if pages > MAX_PAGES:
            print(f"{args.pdf}: longer than the {MAX_PAGES} pages the form is designed for", file=sys.stderr)
    return OK
