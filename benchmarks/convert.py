"""Throughput of summary -> document + transaction bundles on one core, and peak memory.

Each round checks the contract (with its warnings), builds both bundles and serialises them with
orjson, as ``redbag convert`` does (minus the file writes).

    .venv/bin/python benchmarks/convert.py [--seconds 5] [--examples DIR] [--rounds N]

Rates are given per wall-clock second and per CPU second of this process (the second is steadier on a
shared machine). ``--rounds N`` runs exactly N rounds over the examples instead of a time budget: with
valgrind's callgrind, the difference between N rounds and 1 round divided by N - 1 is the instruction
count of one round, a figure that does not swing with the load of a shared machine:

    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        .venv/bin/python benchmarks/convert.py --rounds 11     # and again with --rounds 1
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
from adapter.redbag import assess_summary, build_bundles  # noqa: E402
from adapter.redbag.contract import read_json_file  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="how long to run (default 5)")
    parser.add_argument(
        "--examples",
        type=Path,
        default=ROOT / "examples",
        help="folder of *.summary.json (default examples/)",
    )
    parser.add_argument(
        "--rounds", type=int, default=0, help="run exactly this many rounds (for instruction counts)"
    )
    args = parser.parse_args()
    summaries = [read_json_file(p) for p in sorted(args.examples.glob("*.summary.json"))]
    for s in summaries:  # warm up: schemas compiled once per process
        build_bundles(assess_summary(s).data)
    done = resources = 0
    start = time.perf_counter()
    cpu_start = time.process_time()
    deadline = start + args.seconds
    rounds = 0
    while (rounds < args.rounds) if args.rounds else (time.perf_counter() < deadline):
        rounds += 1
        for s in summaries:
            checked = assess_summary(s)
            document, transaction = build_bundles(checked.data, gaps=checked.warnings)
            dumps(document)
            dumps(transaction)
            done += 1
            resources += len(document["entry"])
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"examples:        {len(summaries)} summaries, {resources / done:.1f} resources per red bag")
    print(f"summaries/s:     {done / elapsed:,.0f} wall, {done / cpu:,.0f} per CPU second")
    print(
        f"resources/s:     {resources / elapsed:,.0f} wall, {resources / cpu:,.0f} per CPU second"
        "  (resources in the document; the transaction carries the same resources again)"
    )
    print(f"peak RSS:        {peak_mb:,.1f} MB")


if __name__ == "__main__":
    main()
