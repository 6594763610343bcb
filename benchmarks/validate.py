"""Validator throughput and load time.

Prints the load time of R4 core + packages + the red-bag profiles (cold: no on-disk cache; cached: the
second load), the one-off cost of compiling validation plans on first use, and resources/s validating
Bundles on one core (CPU time, best of several rounds).

Bundles: the red-bag document and transaction Bundles built from ``examples/*.summary.json`` when
``adapter.redbag.build_bundles`` exists; otherwise collection Bundles of core-valid resources taken from
the R4 examples package (``npm pack hl7.fhir.r4.examples@4.0.1``, found through ``--examples`` or in the
package cache folder of hl7.fhir.r4.core, which holds only definitions, so it is fetched into a temp folder).

    python benchmarks/validate.py [--rounds 5] [--bundle-size 20] [--examples DIR]
"""

from __future__ import annotations

import argparse
import importlib
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapter.validation import Validator  # noqa: E402

EXAMPLE_TYPES = (
    "Patient",
    "Condition",
    "MedicationStatement",
    "MedicationAdministration",
    "AllergyIntolerance",
    "Encounter",
    "Observation",
    "Practitioner",
    "Organization",
    "Device",
    "Procedure",
    "List",
    "Immunization",
    "Provenance",
    "Task",
)


UK_CORE = ROOT.parent / "shared" / "corpora" / "uk-core-r4"


def uk_core_definitions() -> list[Path]:
    """UK Core's definitions, which the red-bag profiles build on, when the corpus copy is present."""
    folders = [UK_CORE / name for name in ("structuredefinitions", "valuesets", "codesystems")]
    return [f for f in folders if f.is_dir()]


def load_times(definitions: list[Path]) -> tuple[float, float, Validator]:
    """(cold load s, cached load s, validator): cold uses an empty cache folder."""
    with tempfile.TemporaryDirectory() as tmp:
        old = os.environ.get("REDBAG_CACHE_DIR")
        os.environ["REDBAG_CACHE_DIR"] = tmp
        try:
            t = time.perf_counter()
            Validator.load(definitions=definitions)
            cold = time.perf_counter() - t
            t = time.perf_counter()
            v = Validator.load(definitions=definitions)
            cached = time.perf_counter() - t
        finally:
            if old is None:
                os.environ.pop("REDBAG_CACHE_DIR", None)
            else:
                os.environ["REDBAG_CACHE_DIR"] = old
    return cold, cached, v


def redbag_bundles() -> list[dict[str, Any]] | None:
    """Document and transaction Bundles of the project's examples, when the builder exists."""
    try:
        module = importlib.import_module("adapter.redbag")
    except ImportError:
        return None
    build = getattr(module, "build_bundles", None)
    summaries = sorted((ROOT / "examples").glob("*.summary.json"))
    if build is None or not summaries:
        return None
    bundles = []
    for path in summaries:
        document, transaction = build(orjson.loads(path.read_bytes()))
        bundles.extend([document, transaction])
    return bundles


def _examples_dir(given: Path | None, tmp: Path) -> Path:
    if given is not None:
        return given
    subprocess.run(
        ["npm", "pack", "hl7.fhir.r4.examples@4.0.1", "--pack-destination", str(tmp), "--silent"],
        check=True,
        capture_output=True,
        timeout=900,
    )
    tgz = next(tmp.glob("*.tgz"))
    with tarfile.open(tgz) as tar:
        members = [
            m
            for m in tar.getmembers()
            if m.isfile()
            and m.name.startswith("package/")
            and m.name.split("/")[-1].split("-")[0] in EXAMPLE_TYPES
        ]
        tar.extractall(tmp, members=members, filter="data")
    return tmp / "package"


def core_bundles(v: Validator, examples: Path, size: int) -> list[dict[str, Any]]:
    """Collection Bundles of example resources that are valid against R4 core."""
    valid = []
    for t in EXAMPLE_TYPES:
        for f in sorted(examples.glob(f"{t}-*.json")):
            res = orjson.loads(f.read_bytes())
            if not any(i.is_error for i in v.validate_issues(res)):
                valid.append(res)

    def chunks() -> Iterator[list[dict[str, Any]]]:
        for i in range(0, len(valid), size):
            yield valid[i : i + size]

    return [
        {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                {"fullUrl": f"http://example.org/fhir/{r['resourceType']}/{r.get('id', i)}", "resource": r}
                for i, r in enumerate(chunk)
            ],
        }
        for chunk in chunks()
    ]


def count_resources(bundles: list[dict[str, Any]]) -> int:
    """Resources validated per pass (the entries, plus the Bundles themselves)."""
    return sum(len(b.get("entry", [])) for b in bundles)


def machine_speed() -> float:
    """Millions of iterations/s of a plain Python loop on this core: the figure to scale throughput by
    when comparing machines (an idle modern x86 core runs it at roughly 40-60)."""
    t = time.process_time()
    total = 0
    for i in range(5_000_000):
        total += i
    return 5.0 / (time.process_time() - t)


def main(argv: list[str] | None = None) -> int:
    """Print load times and throughput."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5, help="timed passes (the best one is reported)")
    parser.add_argument("--bundle-size", type=int, default=20, help="entries per Bundle (R4 example bundles)")
    parser.add_argument("--examples", type=Path, help="folder of R4 example JSON files (default: npm pack)")
    parser.add_argument(
        "--definitions",
        type=Path,
        action="append",
        help="extra definitions to load (default: UK Core from ../shared/corpora/uk-core-r4 when present)",
    )
    args = parser.parse_args(argv)
    definitions = args.definitions if args.definitions is not None else uk_core_definitions()
    cold, cached, v = load_times(definitions)
    extra = f" + {len(definitions)} extra folder(s)" if definitions else ""
    print(f"load, cold (no cache):   {cold:.2f} s  (R4 core, packages, profiles/{extra})")
    print(f"load, cached:            {cached:.2f} s")
    bundles = redbag_bundles()
    source = "red-bag examples (document + transaction Bundles)"
    with tempfile.TemporaryDirectory() as tmp:
        if bundles is None:
            source = "R4 core examples (collection Bundles)"
            bundles = core_bundles(v, _examples_dir(args.examples, Path(tmp)), args.bundle_size)
    fresh = Validator(v.defs)
    t = time.process_time()
    for b in bundles:
        fresh.validate_issues(b)
    first = time.process_time() - t
    n = count_resources(bundles)
    best = float("inf")
    errors = 0
    for _ in range(args.rounds):
        t = time.process_time()
        errors = sum(sum(1 for i in v.validate_issues(b) if i.is_error) for b in bundles)
        best = min(best, time.process_time() - t)
    print(f"first pass (plans built): {first:.2f} s CPU for {n} resources")
    print(f"machine speed:           {machine_speed():.1f} M Python loop iterations/s on this core")
    print(
        f"throughput:              {n / best:,.0f} resources/s on one core "
        f"({len(bundles)} Bundles, {n} resources, {source}; {errors} errors)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
