"""Throughput of summary -> document + transaction bundles on one core, and peak memory.

Each round checks the contract, builds both bundles and serialises them with orjson, as
``redbag convert`` does (minus the file writes).

    .venv/bin/python benchmarks/convert.py [--seconds 5]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapter.fhir.jsonio import dumps  # noqa: E402
from adapter.redbag import build_bundles, check_summary  # noqa: E402
from adapter.redbag.contract import read_json_file  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="how long to run (default 5)")
    args = parser.parse_args()
    summaries = [read_json_file(p) for p in sorted((ROOT / "examples").glob("*.summary.json"))]
    for s in summaries:  # warm up: schemas compiled once per process
        build_bundles(check_summary(s))
    done = resources = 0
    start = time.perf_counter()
    deadline = start + args.seconds
    while time.perf_counter() < deadline:
        for s in summaries:
            document, transaction = build_bundles(check_summary(s))
            dumps(document)
            dumps(transaction)
            done += 1
            resources += len(document["entry"])
    elapsed = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"examples:        {len(summaries)} summaries, {resources / done:.1f} resources per red bag")
    print(f"summaries/s:     {done / elapsed:,.0f}")
    print(
        f"resources/s:     {resources / elapsed:,.0f}  (resources in the document; the transaction carries "
        "the same resources again)"
    )
    print(f"peak RSS:        {peak_mb:,.1f} MB")


if __name__ == "__main__":
    main()
