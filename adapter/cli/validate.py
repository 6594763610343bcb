"""``redbag validate``: validate FHIR resources (JSON or XML) against R4 core and the red-bag profiles."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from adapter.errors import PackageError, ValidationSetupError

EPILOG = """\
examples:
  redbag validate out/RB-0001.document.json
  redbag validate patient.xml --profile https://example.org/fhir/StructureDefinition/RedBagPatient
  redbag validate obs.json --profile my-profile.json --definitions extra/ --format outcome

exit status: 0 every file is valid, 1 at least one file has errors, 2 usage or set-up problem
"""


def register(subparsers: Any) -> None:
    """Add the ``validate`` command."""
    parser = subparsers.add_parser(
        "validate",
        help="validate FHIR R4 resources against core and the red-bag profiles",
        description="Validate FHIR R4 resources (JSON or XML) the way the HL7 validator does: structure, "
        "cardinality, types, slicing, bindings, invariants, extensions, references and Bundle rules.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "files", nargs="+", type=Path, metavar="FILE", help="resources to validate (.json/.xml)"
    )
    parser.add_argument(
        "--profile", help="profile to validate against: canonical URL or StructureDefinition file"
    )
    parser.add_argument(
        "--definitions",
        action="append",
        default=[],
        type=Path,
        metavar="PATH",
        help="extra StructureDefinitions/ValueSets/CodeSystems (file or folder; repeatable)",
    )
    parser.add_argument(
        "--format",
        choices=("text", "outcome"),
        default="text",
        help="text (default) or the OperationOutcome JSON",
    )
    parser.add_argument("--no-cache", action="store_true", help="do not use the on-disk definitions cache")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate each file; the exit code says whether all were valid."""
    from adapter.validation import Validator, error_count

    missing = [str(f) for f in [*args.files, *args.definitions] if not f.exists()]
    if missing:
        print(f"error: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    try:
        validator = Validator.load(definitions=args.definitions, use_cache=not args.no_cache)
        profile = validator.profile(args.profile) if args.profile else None
    except (PackageError, ValidationSetupError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    outcomes = []
    invalid = 0
    for file in args.files:
        outcome = validator.validate(file, profile)
        errors = error_count(outcome)
        invalid += errors > 0
        outcomes.append((file, outcome, errors))
    if args.format == "outcome":
        if len(outcomes) == 1:
            print(json.dumps(outcomes[0][1], indent=2))
        else:
            print(json.dumps([{"file": str(f), "outcome": o} for f, o, _ in outcomes], indent=2))
    else:
        for file, outcome, errors in outcomes:
            _print_text(file, outcome, errors)
    return 1 if invalid else 0


def _print_text(file: Path, outcome: dict[str, Any], errors: int) -> None:
    from adapter.validation.outcome import issues_of

    issues = issues_of(outcome)
    warnings = sum(1 for i in issues if i.severity == "warning")
    verdict = "INVALID" if errors else "valid"
    print(f"{file}: {verdict} ({errors} error(s), {warnings} warning(s))")
    for issue in issues:
        print(f"  {issue.text()}")
