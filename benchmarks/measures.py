"""The pathway measures: seconds for 100,000 transfers from the store, and red bags read per second from a
FHIR server.

    .venv/bin/python benchmarks/measures.py [--transfers 100000] [--database URL] [--core 0]
    .venv/bin/python benchmarks/measures.py --server http://127.0.0.1:8080/fhir [--red-bags 400] [--no-push]

Store: fills a throwaway SQLite file (or the PostgreSQL database ``--database`` names; its facts tables
are emptied first) with the facts of ``--transfers`` red bags, synthetic but shaped like the pathway
(300 care homes, each near 3 of 40 hospitals, two years; 90% admitted with an admission event and a
48-hour visit, 10% admissions without a red bag on top, 85% back with a return journey of about 8
belongings, a fifth of the residents coming back within the period), then times every measure per care
home, per hospital and overall: for all stays, for one quarter, and for one care home. Pinned to one core
(``--core``); prints wall-clock and CPU seconds (the CPU time holds SQLite's work, not PostgreSQL's).

Server: sends ``--red-bags`` red bags and their return journeys (built from the examples) to the FHIR
server as transactions, one at a time (``--no-push``: read what is there), then times
:func:`adapter.measures.server.read_server` (FHIR search, ``_count`` 200, 4 slices at once) and prints
red bags and return journeys read per second. ``--server hapi`` starts testserver/hapi for the run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapter.measures import Filters, measure_database  # noqa: E402
from adapter.measures.compute import day_of  # noqa: E402
from adapter.store import Database, open_database, open_outbox  # noqa: E402
from adapter.store.stay_facts import JourneyFacts, ReturnFacts, TransferFacts, write_all  # noqa: E402

KINDS = ("hearing-aid", "glasses", "dentures", "walking-aid", "clothing", "footwear", "toiletries", "other")
START = datetime(2024, 1, 1, tzinfo=UTC)
DAY = 86400.0


def synthetic_facts(transfers: int, seed: int = 17) -> list[Any]:
    """The facts of ``transfers`` red bags and their stays (plus admissions without a red bag)."""
    rng = random.Random(seed)
    residents = [f"R{n:07d}" for n in range(transfers * 4 // 5)]
    facts: list[Any] = []
    for n in range(transfers + transfers // 10):
        with_bag = n < transfers
        home_number = rng.randrange(300)  # each care home sends its residents to one of 3 nearby hospitals
        home, hospital = f"VH{home_number:03d}", f"RZ{(home_number // 8 + rng.randrange(3)) % 40:03d}"
        departed = START + timedelta(seconds=rng.uniform(0, 730 * DAY))
        stay = timedelta(days=rng.expovariate(1 / 9.0) + 0.2)
        ended = departed + stay if rng.random() < 0.97 else None
        resident = rng.choice(residents)
        tid = f"T{n}"
        if with_bag:
            facts.append(
                (
                    tid,
                    TransferFacts(
                        resident,
                        home,
                        f"Home {home}",
                        hospital,
                        f"Hospital {hospital}",
                        departed.timestamp(),
                        day_of(departed.date()),
                    ),
                )
            )
        if not with_bag or rng.random() < 0.9:
            admitted = departed + timedelta(hours=1)
            due = admitted + timedelta(hours=48)
            visited = admitted + timedelta(hours=rng.uniform(2, 80)) if rng.random() < 0.8 else None
            visit = "visited" if visited else ("missed" if ended else "overdue")
            facts.append(
                JourneyFacts(
                    f"J{n}",
                    tid if with_bag else None,
                    resident,
                    home,
                    hospital,
                    False,
                    admitted.timestamp(),
                    day_of(admitted.date()),
                    ended.timestamp() if ended else None,
                    day_of(ended.date()) if ended else None,
                    day_of((ended - timedelta(days=rng.randrange(4))).date())
                    if ended and rng.random() < 0.5
                    else None,
                    visit,
                    due.timestamp(),
                    visited.timestamp() if visited else None,
                )
            )
        if with_bag and ended and rng.random() < 0.85:
            items = tuple(
                (rng.choice(KINDS), rng.choices(("returned", "missing", "retained"), (0.93, 0.04, 0.03))[0])
                for _ in range(rng.randrange(3, 14))
            )
            facts.append(
                (
                    tid,
                    ReturnFacts(
                        ended.timestamp(),
                        day_of(ended.date()),
                        rng.randrange(2),
                        rng.randrange(2),
                        rng.randrange(3),
                        items,
                    ),
                )
            )
    return facts


def fill(db: Database, facts: list[Any]) -> float:
    """Write the facts (in batches); seconds taken."""
    began = time.perf_counter()
    for start in range(0, len(facts), 20_000):
        write_all(db, facts[start : start + 20_000])
    return time.perf_counter() - began


def time_store(args: argparse.Namespace) -> None:
    if args.core is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.core})
    with tempfile.TemporaryDirectory(prefix="redbag-measures-") as work:
        url = args.database or f"sqlite:///{Path(work) / 'store.db'}"
        outbox = open_outbox(url)
        db = outbox.db
        with db.transaction(write=True) as tx:
            for table in ("transfer_facts", "belonging_facts", "journey_facts"):
                tx.execute(f"DELETE FROM {table}")
        facts = synthetic_facts(args.transfers)
        seconds = fill(db, facts)
        with db.transaction() as tx:
            counts = tx.execute(
                "SELECT (SELECT count(*) FROM transfer_facts) AS t, "
                "(SELECT count(*) FROM journey_facts) AS j, (SELECT count(*) FROM belonging_facts) AS b"
            )[0]
        print(f"store: {db.describe()}")
        print(
            f"  facts: {counts['t']} red bags, {counts['j']} journeys, {counts['b']} belongings "
            f"(written in {seconds:.1f} s)"
        )
        as_of = (START + timedelta(days=760)).timestamp()
        cases = [
            ("every stay", Filters()),
            ("one quarter", Filters(date(2025, 1, 1), date(2025, 3, 31))),
            ("one care home", Filters(care_home="VH007")),
        ]
        print("  measures (best of 3; wall clock, and CPU time of this process, which holds SQLite):")
        for label, filters in cases:
            measure_database(db, filters, as_of=as_of)  # warm the cache, as a second report would
            wall, cpu = min(_timed(db, filters, as_of) for _ in range(3))
            found = measure_database(db, filters, as_of=as_of)
            stays, figures = found.get("transfers", "stays").text, len(found.figures)
            print(f"  {label:14s} {wall:6.2f} s wall, {cpu:6.2f} s CPU  ({stays} stays, {figures} figures)")
        print(f"  load average while measuring: {os.getloadavg()[0]:.1f} (on {os.cpu_count()} cores)")
        outbox.close()


def _timed(db: Database, filters: Filters, as_of: float) -> tuple[float, float]:
    began, cpu = time.perf_counter(), time.process_time()
    measure_database(db, filters, as_of=as_of)
    return time.perf_counter() - began, time.process_time() - cpu


# -- a FHIR server -----------------------------------------------------------------------------------


def _red_bags(count: int) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """``count`` red bags (transactions) built from the examples, each a new resident and bag; most with
    their return journey."""
    import orjson

    from adapter.redbag import assess_summary, build_bundles, build_return_bundles
    from tests.service.helpers import unique_nhs_number

    summary_names = ["dementia-dnacpr", "insulin-parkinsons", "no-known-allergies", "return-journey"]
    back = orjson.loads((ROOT / "examples" / "return-journey.discharge.json").read_bytes())
    made = []
    for n in range(count):
        name = summary_names[n % len(summary_names)]
        summary = orjson.loads((ROOT / "examples" / f"{name}.summary.json").read_bytes())
        summary["bagNumber"] = f"RB-BENCH-{n:06d}"
        summary["resident"]["nhsNumber"] = unique_nhs_number()
        checked = assess_summary(summary)
        _, transaction = build_bundles(checked.data, gaps=checked.warnings)
        returned = None
        if name == "return-journey":
            discharge = {**back, "bagNumber": summary["bagNumber"]}
            _, returned = build_return_bundles(checked.data, discharge)
        made.append((transaction, returned))
    return made


async def _push(base: str, bags: list[tuple[dict[str, Any], dict[str, Any] | None]]) -> None:
    from adapter.client import AsyncFhirClient

    async with AsyncFhirClient(base, timeout=120) as client:
        gate = asyncio.Semaphore(1)  # HAPI on H2 times out on table locks with concurrent transactions

        async def one(transaction: dict[str, Any], returned: dict[str, Any] | None) -> None:
            async with gate:
                await client.transaction(transaction)
                if returned is not None:
                    await client.transaction(returned)

        await asyncio.gather(*(one(t, r) for t, r in bags))


async def _read(base: str, db: Database) -> tuple[float, Any]:
    from adapter.client import AsyncFhirClient
    from adapter.measures.server import ReadOptions, read_server

    async with AsyncFhirClient(base, timeout=120) as client:
        began = time.perf_counter()
        counts = await read_server(client, db, options=ReadOptions(page_size=200, slices=4))
        return time.perf_counter() - began, counts


def time_server(args: argparse.Namespace) -> None:
    hapi = None  # the state folder of the HAPI started here (its own, so no other server is touched)
    base = args.server
    if base == "hapi":
        hapi = tempfile.mkdtemp(prefix="redbag-hapi-bench-")
        started = subprocess.run(
            [sys.executable, str(ROOT / "testserver" / "hapi" / "hapi.py"), "start", "--state", hapi],
            capture_output=True,
            text=True,
            check=True,
        )
        base = started.stdout.strip().splitlines()[-1]
    try:
        if not args.no_push:
            bags = _red_bags(args.red_bags)
            began = time.perf_counter()
            asyncio.run(_push(base, bags))
            print(f"server: {base}: sent {len(bags)} red bags in {time.perf_counter() - began:.1f} s")
        with tempfile.TemporaryDirectory(prefix="redbag-measures-") as work:
            from adapter.store.schema import create_facts_tables

            db = open_database(f"sqlite:///{Path(work) / 'facts.db'}")
            create_facts_tables(db)
            seconds, counts = asyncio.run(_read(base, db))
            found = measure_database(db)
            db.close()
        read = counts.red_bags + counts.returns
        print(
            f"  read {counts.red_bags} red bags and {counts.returns} return journeys in {seconds:.1f} s: "
            f"{read / seconds:.0f} per second ({counts.pages} pages); "
            f"{found.get('transfers', 'stays').text} stays counted"
        )
    finally:
        if hapi is not None:
            script = str(ROOT / "testserver" / "hapi" / "hapi.py")
            subprocess.run([sys.executable, script, "stop", "--state", hapi], check=False)
            shutil.rmtree(hapi, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--transfers", type=int, default=100_000)
    parser.add_argument(
        "--database", metavar="URL", help="PostgreSQL (or SQLite) URL instead of a temporary file"
    )
    parser.add_argument("--core", type=int, default=0, help="pin to this core (default 0)")
    parser.add_argument(
        "--server", metavar="URL", help="time reading from this FHIR server ('hapi': start one)"
    )
    parser.add_argument("--red-bags", type=int, default=400)
    parser.add_argument("--no-push", action="store_true", help="read what the server holds, send nothing")
    args = parser.parse_args()
    if args.server:
        time_server(args)
    else:
        time_store(args)


if __name__ == "__main__":
    main()
