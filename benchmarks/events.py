"""ADT messages/s over MLLP end to end, ACK latency, and notifications delivered/s.

    .venv/bin/python benchmarks/events.py [--messages 4000] [--connections 8] [--core 0] [--database URL]

Starts ``redbag listen-hl7`` in its own process pinned to one core (a throwaway SQLite database in WAL mode
with ``synchronous=FULL``, so every ACK follows a disk sync), with one subscription by care home whose
endpoint is an HTTP listener in this process. The listener only receives (REDBAG_NOTIFY_THREADS=0);
once every message is acknowledged, a second ``listen-hl7`` on the other core delivers what it queued, as
``redbag serve`` beside ``listen-hl7`` would (``--together``: the listener delivers too, on its one
core). Each A01 is for another resident of that home (registered beforehand), so each is matched,
applied, stored with its stay and visit Task, and queues two signed notifications (admitted, visit
due). ``--connections`` senders each send their share one after the other and wait for each ACK (MLLP
original mode), as integration engines do. Prints messages/s from the first send to the last ACK, ACK
latency p50/p99, the listener's CPU time per message, and notifications delivered/s (received and
verified by the listener). Target on one core: >= 500 messages/s, p99 ACK < 50 ms.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapter.notify import verify  # noqa: E402
from adapter.store import CriteriaKind, JourneyStore, SubscriptionRow, SubscriptionStore, open_outbox  # noqa: E402

CARE_HOME = "VBENCH1"
SECRET = "benchmark-signing-key"
START_BLOCK, END_BLOCK = b"\x0b", b"\x1c\r"


def nhs_numbers(count: int) -> list[str]:
    """``count`` valid NHS numbers (modulus 11) in the 999 test range."""
    found: list[str] = []
    n = 0
    while len(found) < count:
        nine = f"998{n:06d}"
        n += 1
        check = 11 - sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True)) % 11
        if check != 10:
            found.append(nine + str(check % 11))
    return found


def a01(nhs: str, control_id: str, stamp: str) -> bytes:
    pv1 = ["PV1", "1", "E", "AMU^BAY1^BED1^RZZ01", *[""] * 10, "85", *[""] * 4, f"V{nhs}^^^RZZ01^VN"]
    pv1 += [""] * (44 - len(pv1) + 1)
    pv1[44] = stamp
    segments = [
        f"MSH|^~\\&|PAS|RZZ01|REDBAG|REDBAG|{stamp}||ADT^A01^ADT_A01|{control_id}|P|2.4|||AL|NE|GBR"
        "|UNICODE UTF-8",
        f"EVN|A01|{stamp}||||{stamp}",
        f"PID|1||L{nhs}^^^RZZ01^MR~{nhs}^^^NHS^NH||Bench^Resident||19400101|F",
        "PD1|||Practice^^B99017",
        "|".join(pv1),
    ]
    return ("\r".join(segments) + "\r").encode()


class Receiver:
    """The subscriber: an HTTP listener that counts verified notifications."""

    def __init__(self) -> None:
        self.count = 0
        self.bad = 0
        self.first: float | None = None
        self.last: float | None = None
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                good = verify(SECRET, body, self.headers.get("X-Redbag-Signature", ""))
                now = time.perf_counter()
                with owner.lock:
                    owner.count += good
                    owner.bad += not good
                    owner.first = owner.first or now
                    owner.last = now
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def prepare(database_url: str, residents: list[str], endpoint: str) -> None:
    """The care home's residents registered and its subscription made (straight into the database)."""
    outbox = open_outbox(database_url)
    journeys = JourneyStore(outbox.db)
    for nhs in residents:
        journeys.register(nhs, CARE_HOME, "B99017", "benchmark")

    SubscriptionStore(outbox.db).create(
        SubscriptionRow(
            id=str(uuid.uuid4()),
            client="benchmark",
            status="active",
            criteria_kind=CriteriaKind.CARE_HOME,
            criteria_value=CARE_HOME,
            endpoint=endpoint,
            headers=(),
            secret=SECRET,
            resource=b"{}",
            events=0,
            failures=0,
            error=None,
            created_at=time.time(),
        )
    )
    outbox.close()


def send_all(port: int, messages: list[bytes], latencies: list[float]) -> None:
    """One connection: each message sent, its ACK awaited (and checked AA)."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buffer = b""
        for message in messages:
            started = time.perf_counter()
            sock.sendall(START_BLOCK + message + END_BLOCK)
            while END_BLOCK not in buffer:
                chunk = sock.recv(65536)
                if not chunk:
                    raise RuntimeError("the listener closed the connection")
                buffer += chunk
            ack, _, buffer = buffer.partition(END_BLOCK)
            latencies.append(time.perf_counter() - started)
            if b"MSA|AA|" not in ack:
                raise RuntimeError(f"not accepted: {ack!r}")


def start_listener(env: dict[str, str], port: int, core: int) -> subprocess.Popen[bytes]:
    """``redbag listen-hl7`` pinned to ``core``, once it says it listens."""
    process = subprocess.Popen(
        [sys.executable, "-m", "adapter.cli", "listen-hl7", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: os.sched_setaffinity(0, {core}),
    )
    assert process.stderr is not None
    line = process.stderr.readline().decode()
    if "listening on" not in line:
        process.kill()
        raise SystemExit(f"listen-hl7 did not start: {line}{process.stderr.read().decode()[-2000:]}")
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=60)
    if process.stderr is not None:
        process.stderr.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=4000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--core", type=int, default=0, help="the CPU the listener is pinned to")
    parser.add_argument("--database", help="database URL (default: a throwaway SQLite file)")
    parser.add_argument(
        "--together",
        action="store_true",
        help="the listener delivers the notifications itself, on its one core, while it receives",
    )
    args = parser.parse_args()
    other_core = next((c for c in sorted(os.sched_getaffinity(0)) if c != args.core), args.core)

    folder = Path(tempfile.mkdtemp(prefix="redbag-events-bench-"))
    database_url = args.database or f"sqlite:///{folder / 'redbag.db'}"
    residents = nhs_numbers(args.messages)
    receiver = Receiver()
    prepare(database_url, residents, receiver.url)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("REDBAG_")},
        "REDBAG_AUTH": "off",
        "REDBAG_DATABASE_URL": database_url,
        "REDBAG_LOG_LEVEL": "warning",
        "REDBAG_DELIVERY_POLL_SECONDS": "0.2",
    }
    port = free_port()
    listener = start_listener(
        env | ({} if args.together else {"REDBAG_NOTIFY_THREADS": "0"}), port, args.core
    )
    deliverer = None
    try:
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S+0000")
        messages = [a01(nhs, f"B{n:07d}", stamp) for n, nhs in enumerate(residents)]
        shares = [messages[i :: args.connections] for i in range(args.connections)]
        latencies: list[list[float]] = [[] for _ in shares]
        threads = [
            threading.Thread(target=send_all, args=(port, share, lat))
            for share, lat in zip(shares, latencies, strict=True)
        ]
        cpu_before = cpu_seconds(listener.pid)
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        cpu_during = cpu_seconds(listener.pid) - cpu_before
        acks = sorted(x for lat in latencies for x in lat)
        if len(acks) != args.messages:
            raise SystemExit(f"only {len(acks)} of {args.messages} messages were acknowledged")
        if not args.together:  # a second process delivers what the listener queued, on the other core
            deliverer = start_listener(env, free_port(), other_core)
        expected = 2 * args.messages
        deadline = time.monotonic() + 600
        while receiver.count + receiver.bad < expected and time.monotonic() < deadline:
            time.sleep(0.05)
        notified = receiver.count
        span = (receiver.last or 0) - (receiver.first or 0)
    finally:
        stop(listener)
        if deliverer is not None:
            stop(deliverer)
    p50 = statistics.median(acks) * 1000
    p99 = acks[min(len(acks) - 1, int(len(acks) * 0.99))] * 1000
    backend = database_url.split(":")[0]
    mode = "delivering too" if args.together else f"receiving only; notifications from CPU {other_core}"
    print(f"listener pinned to CPU {args.core} ({mode}); {args.connections} MLLP connection(s); {backend}")
    rate = args.messages / elapsed
    print(f"ADT A01 end to end : {rate:8.0f} messages/s  ({args.messages} in {elapsed:.2f} s)")
    print(f"ACK latency        : p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   max {acks[-1] * 1000:6.1f} ms")
    per_message = cpu_during / args.messages * 1000
    print(
        f"listener CPU       : {per_message:6.2f} ms per message while receiving: "
        f"{1000 / per_message:6.0f} messages/s on a core of its own"
    )
    print(
        f"notifications      : {notified / span if span else 0:8.0f} delivered/s  ({notified} of {expected}"
        f" signed and verified, {receiver.bad} bad, delivered over {span:.2f} s)"
    )
    digest = hashlib.sha256(b"".join(messages)).hexdigest()[:12]
    print(f"(workload {digest}: one A01 per resident, 2 notifications each, 1 subscriber)")


if __name__ == "__main__":
    main()
