"""CSV export -> red bags: rows/s, resources/s and peak RSS at 10,000 and 100,000 residents.

Generates a care-home-csv export (15 rows per resident: the resident, 2 contacts, 3 conditions, 4 medicines,
1 allergy row, 4 belongings; 100,000 residents = 1.5 million rows), then times ``redbag convert DIR
--mapping care-home-csv`` in a fresh process per run, for NDJSON and bundle output, with ``--jobs 1`` and
``--jobs 2``. Peak RSS is the largest of the run's processes. Exports are cached in --data.

    .venv/bin/python benchmarks/csv.py                       # 10,000 and 100,000 residents
    .venv/bin/python benchmarks/csv.py --residents 10000 --outputs ndjson --jobs 1
    .venv/bin/python benchmarks/csv.py --repeat 5                          # median, best and worst of 5

Targets (issue 8): >= 20,000 rows/s with NDJSON on one core; --jobs 2 >= 1.7x --jobs 1; peak RSS at
100,000 residents within 1.2x of that at 10,000.

Output goes to a RAM file system when there is room (--out to choose): on a disk the kernel's file-system work
(sys s) varies with what the disk is doing, e.g. discarding the blocks of the run before.

Columns: rows/s and resources/s by wall clock; cpu s = CPU seconds of all the run's processes, of which sys s
in the kernel; rows/cpu-s =
rows per CPU-second (one core's throughput, whatever else the machine runs); idle s = what the run would take
on idle cores (the parent's CPU, plus the files' preparation spread over the workers, plus the slowest
worker), so the --jobs speed-up can be read on a busy machine too.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named csv.py: keep its folder off the import path, or it would shadow the csv module.
ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import csv  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

from tests.mapping.care_home_export import COLUMNS  # noqa: E402 - the documented layout, one copy

FORMAT_VERSION = "1"
# Codes checked in examples/CODES.md.
CONDITIONS = [
    ("26929004", "Alzheimer's disease"), ("49049000", "Parkinson's disease"),
    ("313436004", "Type II diabetes mellitus without complication"), ("49436004", "Atrial fibrillation"),
    ("13645005", "Chronic obstructive pulmonary disease"), ("15188001", "Hearing loss"),
    ("59621000", "Essential hypertension"), ("88805009", "Chronic congestive heart failure"),
    ("433144002", "Chronic kidney disease stage 3"), ("239873007", "Osteoarthritis of knee"),
    ("64859006", "Osteoporosis"), ("239872002", "Osteoarthritis of hip"),
]  # fmt: skip
MEDICINES = [
    ("42109611000001109", "Paracetamol 500mg tablets"), ("42294811000001108", "Furosemide 40mg tablets"),
    ("42371311000001103", "Bisoprolol 2.5mg tablets"), ("42381411000001102", "Ramipril 2.5mg capsules"),
    ("42377011000001106", "Losartan 50mg tablets"), ("42216511000001100", "Spironolactone 25mg tablets"),
    ("42382311000001100", "Simvastatin 40mg tablets"), ("19525211000001103", "Linagliptin 5mg tablets"),
    ("25290511000001101", "Empagliflozin 10mg tablets"),
]  # fmt: skip
INSULIN = (
    "36047411000001101",
    "Insulin isophane human 100units/ml suspension for injection 3ml pre-filled disposable devices",
)
ALLERGENS = [
    ("764146007", "Penicillin", "medication"),
    ("372687004", "Amoxicillin", "medication"),
    ("111088007", "Latex", "environment"),
    ("762952008", "Peanut", "food"),
]
GIVEN = [
    "Margaret",
    "Desmond",
    "Harold",
    "Dorothy",
    "Robert",
    "Clifford",
    "Bushra",
    "Eileen",
    "Stanley",
    "Winifred",
    "Arthur",
    "Joan",
    "Albert",
    "Irene",
    "Ernest",
    "Gladys",
    "Sian",
    "Zoë",
    "Łucja",
    "Seán",
]
FAMILY = [
    "Thwaite",
    "Ashworth",
    "Pryce",
    "Penhaligon",
    "Milburn",
    "Batten",
    "O'Brien",
    "Wiśniewska",
    "Hargreaves",
    "Sutcliffe",
    "Bell",
    "Khan",
    "Evans",
    "Murphy",
    "Clarke",
    "Doyle",
]
BELONGINGS = [
    ("Left hearing aid", "hearing-aid"),
    ("Reading glasses", "glasses"),
    ("Upper denture", "dentures"),
    ("Walking frame", "walking-aid"),
    ("Nightdress", "clothing"),
    ("Slippers", "footwear"),
    ("Wash bag", "toiletries"),
    ("Mobile phone", "phone"),
    ("Wedding ring", "valuables"),
]
BASELINE = ("Walks with a frame and one carer; steady when not rushed. Needs prompting to use the call bell "
            "at night and likes the door left open.")  # fmt: skip


def nhs_number(n: int) -> str:
    """A valid test NHS number (modulus 11) for each n (the 999 range, else 998 when 999 cannot check)."""
    for prefix in ("999", "998", "997"):
        nine = f"{prefix}{n % 1_000_000:06d}"
        check = 11 - sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True)) % 11
        if check != 10:
            return nine + str(check % 11)
    raise AssertionError("unreachable: one of three prefixes always has a check digit")


def generate(folder: Path, residents: int, seed: int = 8) -> int:
    """Write the export; return the number of data rows."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    handles = {name: (folder / name).open("w", encoding="utf-8", newline="") for name in COLUMNS}
    writers = {name: csv.writer(h, lineterminator="\r\n") for name, h in handles.items()}
    for name, w in writers.items():
        w.writerow(COLUMNS[name])
    rows = 0
    for i in range(residents):
        rid = f"R{i:07d}"
        home = rng.randrange(500)
        day = 1 + rng.randrange(28)
        created = f"2026-02-{day:02d}T{8 + i % 12:02d}:{i % 60:02d}:00+00:00"
        birth = f"{1 + rng.randrange(28):02d}/{1 + rng.randrange(12):02d}/{1925 + rng.randrange(35)}"
        writers["residents.csv"].writerow([
            rid, f"RB-V{home:04d}-{i:07d}", nhs_number(i), "yes", f"{rng.choice(GIVEN)} {rng.choice(GIVEN)}",
            rng.choice(FAMILY), "", birth, rng.choice(["male", "female"]), "en", "no",
            f"B{rng.randrange(300):05d}", "Adel Moor Surgery", f"V{home:04d}", f"Care Home {home}",
            rng.choice(["nursing", "residential"]), "dnacpr", "2025-06-01T10:00:00+01:00", "yes", "resident",
            "Sam Carer", "Senior carer", created, "Fall with suspected hip fracture", "Pain in the left hip",
            "999 called; kept warm", created, f"RZZ{rng.randrange(20):02d}", "Northfield General Hospital",
            BASELINE, "Mild memory loss", "Speaks clearly", "Hears well with aid", "Reading glasses",
            "Continent", "Normal diet", "Intact", "NEWS2 usually 1",
        ])  # fmt: skip
        writers["contacts.csv"].writerow(
            [rid, f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}", "Daughter", "07700 900123", "yes", "no"]
        )
        writers["contacts.csv"].writerow(
            [rid, f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}", "Son", "07700 900456", "no", "no"]
        )
        for code, display in rng.sample(CONDITIONS, 3):
            writers["conditions.csv"].writerow([rid, code, display, "2018", "active", ""])
        for n, (code, display) in enumerate([INSULIN, *rng.sample(MEDICINES, 3)]):
            critical = n == 0
            writers["medications.csv"].writerow([
                rid, code, display, "1 tablet", "Oral", "Once a day at 08:00", "active",
                "yes" if critical else "no", created if critical else "", "yes",
            ])  # fmt: skip
        if i % 3:
            code, display, category = rng.choice(ALLERGENS)
            writers["allergies.csv"].writerow(
                [rid, "SNOMED CT", code, display, category, "high", "Rash", "moderate"]
            )
        else:
            writers["allergies.csv"].writerow(
                [rid, "SNOMED CT", "716186003", "No known allergy", "", "", "", ""]
            )
        for item, kind in rng.sample(BELONGINGS, 4):
            writers["belongings.csv"].writerow([rid, item, kind, "1", ""])
        rows += 15
    for h in handles.values():
        h.close()
    (folder / "VERSION").write_text(f"{FORMAT_VERSION} {residents} {rows}\n", encoding="utf-8")
    return rows


def _complete(folder: Path, residents: int) -> bool:
    marker = folder / "VERSION"
    return marker.exists() and marker.read_text(encoding="utf-8").split()[:2] == [
        FORMAT_VERSION,
        str(residents),
    ]


def export_for(data: Path, residents: int) -> Path:
    """The cached export of ``residents`` residents, generated once (safe with runs in parallel)."""
    folder = data / f"care-home-{residents}"
    if not _complete(folder, residents):
        started = time.perf_counter()
        scratch = data / f".care-home-{residents}-{os.getpid()}"
        rows = generate(scratch, residents)
        if not _complete(folder, residents):
            shutil.rmtree(folder, ignore_errors=True)
        try:
            scratch.rename(folder)
        except OSError:  # another run put its copy in place first
            shutil.rmtree(scratch, ignore_errors=True)
        print(f"generated {residents:,} residents ({rows:,} rows) in {time.perf_counter() - started:.1f}s")
    return folder


def measure(export: Path, out: Path, jobs: int, ndjson: bool) -> dict[str, Any]:
    """One conversion in this process (called in a fresh child process)."""
    from adapter.mapping import ConvertRequest, convert_export

    started = time.perf_counter()
    cpu_start = time.process_time()
    result = convert_export(
        ConvertRequest("care-home-csv", export, out, jobs=jobs, ndjson=ndjson, as_of="2026-03-31")
    )
    wall = time.perf_counter() - started
    parent_cpu = time.process_time() - cpu_start
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    in_children = jobs > 1
    # On idle cores the run would take: the parent's own work, then the files' preparation spread over the
    # workers, then the slowest worker (in-process when --jobs 1, where the parent's time holds it all).
    idle = parent_cpu
    if in_children:
        idle += _makespan(result.prepare_cpu, jobs) + max(result.worker_cpu)
    return {
        "rows": result.rows,
        "residents": result.residents,
        "converted": result.converted,
        "resources": result.resources,
        "errors": result.errors,
        "wall": wall,
        "cpu": parent_cpu + children.ru_utime + children.ru_stime,
        "sys": me.ru_stime + children.ru_stime,  # kernel time: mostly the file system writing the output
        "idle_wall": idle,
        "phases": result.phases,
        "peak_rss_mb": max(me.ru_maxrss, children.ru_maxrss) / 1024,
        "parent_rss_mb": me.ru_maxrss / 1024,
        "largest_child_rss_mb": children.ru_maxrss / 1024,
    }


def table_row(residents: int, output: str, jobs: int, r: dict[str, Any]) -> str:
    return (
        f"{residents:>10,} {output:>8} {jobs:>4} {r['rows']:>10,} {r['rows'] / r['wall']:>8,.0f} "
        f"{r['resources'] / r['wall']:>11,.0f} {r['wall']:>7.1f} {r['cpu']:>7.1f} {r['sys']:>6.1f} "
        f"{r['rows'] / r['cpu']:>10,.0f} {r['idle_wall']:>7.1f} {r['rows'] / r['idle_wall']:>11,.0f} "
        f"{r['peak_rss_mb']:>7.1f}MB"
    )


def median_run(done: list[dict[str, Any]]) -> dict[str, Any]:
    """The run in the middle by wall clock (the slower of the two middle ones for an even count)."""
    return sorted(done, key=lambda r: r["wall"])[len(done) // 2]


def _makespan(tasks: list[float], workers: int) -> float:
    """Longest-first greedy schedule of ``tasks`` on ``workers``: when the last one finishes."""
    loads = [0.0] * workers
    for t in sorted(tasks, reverse=True):
        loads[loads.index(min(loads))] += t
    return max(loads)


def default_out() -> Path:
    """A folder on a RAM file system with room for the largest run's output, else the export cache."""
    shm = Path("/dev/shm")
    if shm.is_dir() and shutil.disk_usage(shm).free > 12 * 1024**3:
        return shm / "redbag-bench-csv"
    return Path("/tmp/redbag-bench-csv")


def remove(folder: Path) -> None:
    """Delete a folder in another process: listing 200,000 files here would raise this process's peak RSS,
    and Linux hands a process's peak on to the program it starts next (the next measured run)."""
    subprocess.run(["rm", "-rf", str(folder)], check=True)


def run_child(export: Path, out: Path, jobs: int, ndjson: bool) -> dict[str, Any]:
    remove(out)
    cmd = [sys.executable, __file__, "--measure", str(export), str(out), "--jobs", str(jobs)]
    if ndjson:
        cmd.append("--ndjson")
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    remove(out)
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--residents", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--outputs", nargs="+", choices=("ndjson", "bundles"), default=["ndjson", "bundles"])
    parser.add_argument("--data", type=Path, default=Path("/tmp/redbag-bench-csv"), help="export cache")
    parser.add_argument(
        "--out",
        type=Path,
        default=default_out(),
        help="where runs write (default: a RAM file system when one has room, so the figures measure "
        "redbag rather than the disk; 100,000 bundles are about 9 GB)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="runs of each configuration: the summary lines use the median run (by wall clock) and show the "
        "best; peak RSS is the largest of all runs (this VM's timings vary by 10%% and more)",
    )
    parser.add_argument("--measure", nargs=2, metavar=("EXPORT", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--ndjson", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(Path(args.measure[0]), Path(args.measure[1]), args.jobs[0], args.ndjson)))
        return
    runs: dict[tuple[int, str, int], list[dict[str, Any]]] = {}
    print(f"output written under {args.out}")
    print(
        f"{'residents':>10} {'output':>8} {'jobs':>4} {'rows':>10} {'rows/s':>8} {'resources/s':>11} "
        f"{'wall s':>7} {'cpu s':>7} {'sys s':>6} {'rows/cpu-s':>10} {'idle s':>7} {'idle rows/s':>11} "
        f"{'peak RSS':>9}"
    )
    for residents in args.residents:
        export = export_for(args.data, residents)
        for output in args.outputs:
            for jobs in args.jobs:
                for _ in range(max(1, args.repeat)):
                    r = run_child(export, args.out / f"out-{os.getpid()}", jobs, output == "ndjson")
                    runs.setdefault((residents, output, jobs), []).append(r)
                    print(table_row(residents, output, jobs, r), flush=True)
    results = {key: median_run(done) for key, done in runs.items()}
    print()
    if args.repeat > 1:
        for (residents, output, jobs), done in runs.items():
            rates = sorted(r["rows"] / r["wall"] for r in done)
            middle = results[(residents, output, jobs)]
            rate = middle["rows"] / middle["wall"]
            print(
                f"{residents:,} residents, {output}, --jobs {jobs}: median {rate:,.0f} rows/s, "
                f"best {rates[-1]:,.0f}, worst {rates[0]:,.0f} ({len(done)} runs)"
            )
    for (residents, output, jobs), r in results.items():
        if jobs == 2 and (residents, output, 1) in results:
            one = results[(residents, output, 1)]
            print(
                f"{residents:,} residents, {output}: --jobs 2 is {one['wall'] / r['wall']:.2f}x --jobs 1 by "
                f"wall clock, {one['idle_wall'] / r['idle_wall']:.2f}x on idle cores (target >= 1.7x)"
            )
    peaks = {key: max(done, key=lambda r: r["peak_rss_mb"]) for key, done in runs.items()}
    for (residents, output, jobs), r in peaks.items():
        print(
            f"peak RSS {residents:,} residents, {output}, --jobs {jobs}: main process "
            f"{r['parent_rss_mb']:.1f}MB, largest worker {r['largest_child_rss_mb']:.1f}MB"
        )
    small, large = min(args.residents), max(args.residents)
    if small != large:
        for output in args.outputs:
            for jobs in args.jobs:
                if (small, output, jobs) in peaks and (large, output, jobs) in peaks:
                    ratio = (
                        peaks[(large, output, jobs)]["peak_rss_mb"]
                        / peaks[(small, output, jobs)]["peak_rss_mb"]
                    )
                    print(
                        f"peak RSS {large:,} / {small:,} residents, {output}, --jobs {jobs}: {ratio:.2f}x "
                        "(target <= 1.2x)"
                    )
    with open("/proc/loadavg", encoding="ascii") as handle:  # noqa: PTH123 - a shared machine skews timings
        print(f"load average at the end: {handle.read().split()[0]}")


if __name__ == "__main__":
    main()
