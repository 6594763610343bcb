"""Push throughput and client overhead against a real HAPI FHIR server.

    .venv/bin/python benchmarks/push.py [--server URL] [--rounds 5]

Without ``--server`` (or ``REDBAG_HAPI_URL``) it starts the local HAPI test server (testserver/hapi)
and stops it afterwards. It prints:

* resources/s pushing the examples as one transaction per red bag, and as one request per resource
  (the same conditional creates and updates, references rewritten to the ids the server assigned);
  every round pushes fresh red bags (new bag and NHS numbers), so the server really creates them;
* the client's time over raw httpx on the same requests against HAPI (conditional writes one by one,
  reads by id; target <= 1.2x), and per-call overhead with no network at all (httpx.MockTransport).
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import orjson

from adapter.client import FhirClient, RetryPolicy
from adapter.exchange import push_transaction, transaction_for
from adapter.exchange.synthetic import random_test_nhs_number
from adapter.redbag.contract import read_json_file

ROOT = Path(__file__).resolve().parents[1]
HAPI = ROOT / "testserver" / "hapi" / "hapi.py"
FHIR_JSON = "application/fhir+json"
Json = dict[str, Any]
# send(method, path, resource, headers) -> the Location the server answered
Send = Callable[[str, str, Json | None, dict[str, str]], str]


@contextmanager
def hapi_server(url: str | None) -> Iterator[str]:
    """The given server, or a local HAPI test server for the duration of the benchmark."""
    if url:
        yield url.rstrip("/")
        return
    state = tempfile.mkdtemp(prefix="redbag-bench-hapi-")
    started = subprocess.run(
        [sys.executable, str(HAPI), "start", "--state", state], capture_output=True, text=True, check=False
    )
    if started.returncode != 0:
        raise SystemExit(f"HAPI did not start:\n{started.stderr[-3000:]}")
    try:
        yield started.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run(
            [sys.executable, str(HAPI), "stop", "--state", state], capture_output=True, check=False
        )


def fresh_variant(summary: Json, tag: str) -> Json:
    """The same red bag for a different resident and bag, so pushing it creates new resources."""
    out = copy.deepcopy(summary)
    out["bagNumber"] = f"{summary['bagNumber']}-{tag}"
    resident = out["resident"]
    if "nhsNumber" in resident:
        resident["nhsNumber"] = random_test_nhs_number()
    if "localId" in resident:
        resident["localId"] = f"{resident['localId']}-{tag}"
    return out


def rewrite(value: Any, ids: dict[str, str]) -> Any:
    """A copy with ``urn:uuid`` references replaced by the server ids they were given."""
    if isinstance(value, dict):
        return {
            k: ids.get(v, v) if k == "reference" and isinstance(v, str) else rewrite(v, ids)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [rewrite(v, ids) for v in value]
    return value


def push_one_by_one(send: Send, transaction: Json) -> int:
    """Send each entry as its own conditional request; returns how many were sent."""
    ids: dict[str, str] = {}
    for entry in transaction["entry"]:
        request = entry["request"]
        resource = rewrite(entry["resource"], ids)
        headers = {"If-None-Exist": request["ifNoneExist"]} if request.get("ifNoneExist") else {}
        location = send(request["method"], request["url"], resource, headers)
        ids[entry["fullUrl"]] = "/".join(location.split("/_history")[0].split("/")[-2:])
    return len(transaction["entry"])


def raw_sender(http: httpx.Client, base: str) -> Send:
    """Plain httpx: the requests written out by hand, bodies encoded with orjson."""

    def send(method: str, path: str, resource: Json | None, headers: dict[str, str]) -> str:
        response = http.request(
            method,
            f"{base}/{path}",
            content=orjson.dumps(resource),
            headers={"Accept": FHIR_JSON, "Content-Type": FHIR_JSON, **headers},
        )
        response.raise_for_status()
        orjson.loads(response.content)
        return str(response.headers.get("Location") or response.headers["Content-Location"])

    return send


def client_sender(client: FhirClient) -> Send:
    """The same requests through FhirClient."""

    def send(method: str, path: str, resource: Json | None, headers: dict[str, str]) -> str:
        assert resource is not None
        if method == "POST":
            outcome = client.create(resource, if_none_exist=headers.get("If-None-Exist"))
        elif "?" in path:
            outcome = client.update(resource, condition=path.split("?", 1)[1])
        else:
            outcome = client.update(resource)
        return outcome.location or ""

    return send


def push_all_one_by_one(send: Send, transactions: list[Json]) -> int:
    """Every transaction's entries as separate requests; returns how many were sent."""
    return sum(push_one_by_one(send, t) for t in transactions)


def push_as_transactions(client: FhirClient, transactions: list[Json]) -> int:
    """Every transaction as one request; returns how many entries they held."""
    return sum(push_transaction(client, t, "bench").entries for t in transactions)


def timed(action: Callable[[], int]) -> tuple[int, float]:
    """(items, seconds) for one run of ``action``."""
    started = time.perf_counter()
    items = action()
    return items, time.perf_counter() - started


def throughput(server: str, summaries: list[Json], rounds: int) -> None:
    """Resources/s: transactions versus one request per resource, fresh red bags every round."""
    tx_rates, single_rates = [], []
    with FhirClient(server) as client:
        one_by_one = client_sender(client)
        for n in range(rounds + 1):  # round 0 warms the server up and is not counted
            batch = [transaction_for(fresh_variant(s, f"T{n}"), "bench") for s in summaries]
            count, seconds = timed(partial(push_as_transactions, client, batch))
            if n:
                tx_rates.append(count / seconds)
            singles = [transaction_for(fresh_variant(s, f"S{n}"), "bench") for s in summaries]
            count, seconds = timed(partial(push_all_one_by_one, one_by_one, singles))
            if n:
                single_rates.append(count / seconds)
    per_round = sum(len(transaction_for(s, "bench")["entry"]) for s in summaries)
    tx, single = statistics.median(tx_rates), statistics.median(single_rates)
    print(f"{len(summaries)} red bags, {per_round} resources per round, median of {rounds} rounds")
    print(f"  push as transactions (one per red bag): {tx:8.0f} resources/s")
    print(f"  push one request per resource:          {single:8.0f} resources/s")
    print(f"  transactions are {tx / single:.1f}x faster")


def recorded(send: Send, durations: list[float]) -> Send:
    """``send`` that appends each request's duration to ``durations``."""

    def timed_send(method: str, path: str, resource: Json | None, headers: dict[str, str]) -> str:
        started = time.perf_counter()
        location = send(method, path, resource, headers)
        durations.append(time.perf_counter() - started)
        return location

    return timed_send


def overhead_against_hapi(server: str, summaries: list[Json], rounds: int) -> None:
    """Client versus raw httpx on identical requests against HAPI: interleaved (alternating which
    goes first) and compared by median latency, so load spikes on a shared machine favour neither."""
    transactions = [transaction_for(fresh_variant(s, "OVH"), "bench") for s in summaries]
    times: dict[str, dict[str, list[float]]] = {k: {"raw": [], "client": []} for k in ("write", "read")}
    with httpx.Client(timeout=60) as http, FhirClient(server, retry=RetryPolicy(max_attempts=1)) as client:
        senders = {"raw": raw_sender(http, server), "client": client_sender(client)}
        for t in transactions:  # create once; every timed run below repeats the same no-op writes
            push_one_by_one(senders["client"], t)
        ids = [(r["resourceType"], r["id"]) for r in client.search("Patient").page_size(200).fetch()][:100]
        reads: dict[str, Callable[[str, str], object]] = {
            "raw": lambda t, i: orjson.loads(
                http.get(f"{server}/{t}/{i}", headers={"Accept": FHIR_JSON}).content
            ),
            "client": client.read,
        }
        for n in range(rounds * len(transactions)):
            order = ("raw", "client") if n % 2 else ("client", "raw")
            for name in order:
                push_one_by_one(
                    recorded(senders[name], times["write"][name]), transactions[n % len(transactions)]
                )
            for t, i in ids[n % 10 :: 10]:
                for name in order:
                    started = time.perf_counter()
                    reads[name](t, i)
                    times["read"][name].append(time.perf_counter() - started)
    print("client versus raw httpx, same requests against HAPI (median latency; target <= 1.2x):")
    for kind, label in (("write", "conditional writes one by one"), ("read", "reads by id")):
        raw_ms, client_ms = (statistics.median(times[kind][k]) * 1e3 for k in ("raw", "client"))
        print(
            f"  {label:<30} raw {raw_ms:6.2f} ms, client {client_ms:6.2f} ms: {client_ms / raw_ms:.2f}x "
            f"({len(times[kind]['raw'])} requests each)"
        )


def overhead_without_network(calls: int = 3000) -> None:
    """Per-call cost of the client's own work: both sides talk to the same in-memory transport."""
    body = orjson.dumps({"resourceType": "Patient", "id": "p1", "name": [{"family": "Benchmark"}]})
    transport = httpx.MockTransport(
        lambda _: httpx.Response(200, content=body, headers={"Content-Type": FHIR_JSON})
    )
    base = "http://bench.invalid/fhir"
    with httpx.Client(transport=transport) as http, FhirClient(base, transport=transport) as client:
        raw_times, client_times = [], []
        for _ in range(5):
            _, seconds = timed(
                lambda: sum(
                    len(orjson.loads(http.get(f"{base}/Patient/p1", headers={"Accept": FHIR_JSON}).content))
                    for _ in range(calls)
                )
            )
            raw_times.append(seconds / calls)
            _, seconds = timed(lambda: sum(len(client.read("Patient", "p1")) for _ in range(calls)))
            client_times.append(seconds / calls)
    raw, wrapped = statistics.median(raw_times), statistics.median(client_times)
    print(
        f"no network (MockTransport): raw httpx {raw * 1e6:.0f} us/read, client {wrapped * 1e6:.0f} us/read "
        f"({wrapped / raw:.2f}x; +{(wrapped - raw) * 1e6:.0f} us per request)"
    )


def main() -> int:
    """Run the three measurements and print the figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--server", default=os.environ.get("REDBAG_HAPI_URL"), help="FHIR base URL")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds (default 5)")
    args = parser.parse_args()
    summaries = [read_json_file(p) for p in sorted((ROOT / "examples").glob("*.summary.json"))]
    with hapi_server(args.server) as server, FhirClient(server) as probe:
        software = probe.capabilities().get("software") or {}
        print(f"server: {software.get('name', '?')} {software.get('version', '')} at {server}")
        throughput(server, summaries, args.rounds)
        overhead_against_hapi(server, summaries, args.rounds)
    overhead_without_network()
    return 0


if __name__ == "__main__":
    sys.exit(main())
