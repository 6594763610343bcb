"""The ``redbag`` command: one module per sub-command, assembled here.

Each command module exposes ``register(subparsers)``, which adds its parser and sets
``func(args) -> int`` (the exit code: 0 all good, 1 some input failed, 2 usage error).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from adapter import __version__

# Sub-command modules, in the order `redbag --help` lists them.
COMMANDS = (
    "convert",
    "return_journey",
    "readiness",
    "to_summary",
    "validate",
    "packages",
    "push",
    "pull",
    "smoke",
    "render",
    "report",
    "serve",
    "outbox",
    "listen_hl7",
)

EPILOG = """\
examples:
  redbag convert examples/*.summary.json --out out/
  redbag validate out/RB-VN4R7-0318.document.json
  redbag push out/RB-VN4R7-0318.transaction.json --server http://127.0.0.1:8080/fhir
  redbag convert examples/csv --mapping care-home-csv --out out/csv/
  redbag readiness examples/return-journey.readiness.json --summary examples/return-journey.summary.json
  redbag listen-hl7 --port 2575
  redbag outbox requeue --all-failed
  redbag report --database sqlite:///redbag.db --out out/report

Run `redbag COMMAND --help` for each command's options and an example.
"""


#: Sub-commands whose name is not their module's.
_MODULE_OF = {"return": "return_journey"}


def _module_of(word: str) -> str | None:
    """The module of sub-command ``word`` (``to-summary`` -> ``to_summary``), or None."""
    if word in _MODULE_OF:
        return _MODULE_OF[word]
    module = word.replace("-", "_")
    return module if module in COMMANDS and module not in _MODULE_OF.values() else None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser with every sub-command registered, or only the one of module ``only`` (a
    command imports what it needs alone: `redbag convert` does not load the service, the store or the
    validator's engine)."""
    parser = argparse.ArgumentParser(
        prog="redbag",
        description="Care-home Red Bag summaries to validated FHIR R4 and back.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"redbag {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in (only,) if only else COMMANDS:
        importlib.import_module(f"adapter.cli.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``redbag`` console script."""
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_module_of(words[0]) if words else None)
    args = parser.parse_args(words)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    code: int = args.func(args)
    return code
