"""``redbag packages``: put the FHIR definition packages into the local package cache."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from adapter.errors import PackageError
from adapter.validation import packages

EPILOG = """\
examples:
  redbag packages install                      # into ~/.fhir/packages (or $FHIR_PACKAGE_CACHE)
  redbag packages install --cache /tmp/fhir    # somewhere else
  redbag packages list
"""


def register(subparsers: Any) -> None:
    """Add the ``packages`` command."""
    parser = subparsers.add_parser(
        "packages",
        help="install the FHIR R4 core, terminology, extension and IPS packages into the package cache",
        description="Fetch (with `npm pack`) and lay out the FHIR packages the validator needs, and the "
        "International Patient Summary (hl7.fhir.uv.ips) that `redbag convert --as ips` writes to.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("action", choices=("install", "list"), help="install the packages, or list them")
    parser.add_argument(
        "--cache", type=Path, help=f"package cache folder (default ${packages.ENV_CACHE} or ~/.fhir/packages)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Install or list; 1 when a package could not be installed."""
    root: Path = args.cache or packages.cache_root()
    if args.action == "list":
        every = (*packages.PACKAGES, *packages.GUIDES)
        for spec in every:
            state = "installed" if packages.is_installed(spec, root) else "missing"
            print(f"{spec.folder:45} {state:10} {packages.package_dir(spec, root)}")
        return 0 if all(packages.is_installed(s, root) for s in every) else 1
    try:
        results = packages.install_all(root, progress=lambda msg: print(msg, file=sys.stderr))
    except PackageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for spec, fresh in results:
        print(f"{spec.folder}: {'installed' if fresh else 'already present'} in {root}")
    return 0
