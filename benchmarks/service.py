"""Requests/s and latency of the HTTP service, measured from a separate process over loopback.

    .venv/bin/python benchmarks/service.py [--seconds 10] [--concurrency 4] [--workers 1]

Starts ``redbag serve`` (uvicorn, its own process, a throwaway SQLite outbox, one API key) and drives it
from this process with keep-alive HTTP/1.1 connections (a minimal asyncio client, so the load generator
costs little of the shared CPU). It measures ``POST /$convert`` with a typical resident summary
(examples/dementia-dnacpr.summary.json, authenticated, contract check + both bundles + JSON answer) and,
for scale, ``GET /healthz`` (a bare endpoint of the same app through the same middleware). It prints
requests/s and p50/p99 latency for each. Target on a 2-core machine: >= 300 requests/s, p99 <= 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUMMARY = ROOT / "examples" / "dementia-dnacpr.summary.json"
KEY = "rbk_benchmark_key_not_secret_000000000000000000"


@dataclass(frozen=True)
class Target:
    """One endpoint to drive: a name and the raw request bytes."""

    name: str
    request: bytes


def http_request(method: str, path: str, host: str, body: bytes = b"", content_type: str = "") -> bytes:
    lines = [
        f"{method} {path} HTTP/1.1",
        f"Host: {host}",
        f"X-API-Key: {KEY}",
        "Accept: application/fhir+json",
    ]
    if body:
        lines += [f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def read_response(reader: asyncio.StreamReader) -> int:
    """Read one response (Content-Length framed); its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


async def connection(host: str, port: int, target: Target, until: float, latencies: list[float]) -> int:
    """Send ``target`` back to back on one keep-alive connection until ``until``; errors counted."""
    reader, writer = await asyncio.open_connection(host, port)
    errors = 0
    try:
        while time.perf_counter() < until:
            started = time.perf_counter()
            writer.write(target.request)
            await writer.drain()
            status = await read_response(reader)
            latencies.append(time.perf_counter() - started)
            errors += status != 200
    finally:
        writer.close()
    return errors


async def drive(
    host: str, port: int, target: Target, seconds: float, concurrency: int
) -> tuple[list[float], int]:
    latencies: list[float] = []
    until = time.perf_counter() + seconds
    errors = await asyncio.gather(
        *(connection(host, port, target, until, latencies) for _ in range(concurrency))
    )
    return latencies, sum(errors)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_service(port: int, workers: int, folder: Path, log_level: str) -> subprocess.Popen[bytes]:
    digest = "sha256:" + hashlib.sha256(KEY.encode()).hexdigest()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDBAG_")} | {
        "REDBAG_API_KEYS": f"bench {digest}",
        "REDBAG_DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
        "REDBAG_LOG_LEVEL": log_level,
    }
    command = [sys.executable, "-m", "adapter.cli", "serve", "--port", str(port), "--workers", str(workers)]
    with (folder / "serve.log").open("wb") as log:  # the access log is written (as in service), not shown
        process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.1)
    os.killpg(process.pid, signal.SIGKILL)
    raise SystemExit("the service did not start")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--seconds", type=float, default=10.0, help="measuring time per endpoint (default 10)"
    )
    parser.add_argument("--concurrency", type=int, default=4, help="keep-alive connections (default 4)")
    parser.add_argument("--workers", type=int, default=1, help="service worker processes (default 1)")
    parser.add_argument(
        "--log-level", default="info", help="the service's log level (default info: with its access log)"
    )
    args = parser.parse_args()
    host, port = "127.0.0.1", free_port()
    summary = SUMMARY.read_bytes()
    targets = [
        Target("GET /healthz (bare)", http_request("GET", "/healthz", f"{host}:{port}")),
        Target(
            "POST /$convert",
            http_request("POST", "/$convert", f"{host}:{port}", summary, "application/fhir+json"),
        ),
    ]
    with tempfile.TemporaryDirectory() as folder:
        service = start_service(port, args.workers, Path(folder), args.log_level)
        try:
            print(
                f"service: redbag serve --workers {args.workers} (pid {service.pid}, log level "
                f"{args.log_level}); load: 1 process, {args.concurrency} keep-alive connections, "
                f"{args.seconds:.0f}s per endpoint; {os.cpu_count()} CPUs, load average "
                f"{os.getloadavg()[0]:.1f} before the run"
            )
            print(f"summary: {SUMMARY.name} ({len(summary):,} bytes)")
            print(f"{'endpoint':<22} {'requests/s':>11} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
            for target in targets:
                asyncio.run(drive(host, port, target, 2.0, args.concurrency))  # warm-up
                latencies, errors = asyncio.run(drive(host, port, target, args.seconds, args.concurrency))
                rate = len(latencies) / args.seconds
                p50, p99 = percentile(latencies, 0.50) * 1000, percentile(latencies, 0.99) * 1000
                print(f"{target.name:<22} {rate:>11,.0f} {p50:>8.1f} {p99:>8.1f} {errors:>7}")
                if target.name.startswith("POST"):
                    verdict = "met" if rate >= 300 and p99 <= 50 else "NOT met"
                    print(
                        f"target (>= 300 requests/s, p99 <= 50 ms): {verdict}; "
                        f"mean {statistics.fmean(latencies) * 1000:.1f} ms"
                    )
        finally:
            os.killpg(service.pid, signal.SIGTERM)
            service.wait(timeout=30)


if __name__ == "__main__":
    main()
