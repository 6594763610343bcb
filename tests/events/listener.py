"""A real HTTP listener on loopback that plays a subscriber: it records every notification it is sent
(headers and body) and can be told to be down (answer 503) or to be slow."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson

from adapter.notify import event_number_of, verify


@dataclass(frozen=True)
class Received:
    """One request the listener got."""

    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def bundle(self) -> dict[str, Any]:
        data: dict[str, Any] = orjson.loads(self.body)
        return data

    @property
    def event_number(self) -> int | None:
        return event_number_of(self.bundle)

    @property
    def code(self) -> str:
        """The pathway event's code."""
        status = self.bundle["entry"][0]["resource"]
        event = next(p for p in status["parameter"] if p["name"] == "notification-event")
        details = event["extension"][0]["extension"]
        return str(next(d["valueCoding"]["code"] for d in details if d["url"] == "code"))

    def detail(self, name: str) -> Any:
        status = self.bundle["entry"][0]["resource"]
        event = next(p for p in status["parameter"] if p["name"] == "notification-event")
        for d in event["extension"][0]["extension"]:
            if d["url"] == name:
                return next((v for k, v in d.items() if k.startswith("value")), d)
        return None

    def signed_with(self, key: str) -> bool:
        return verify(key, self.body, self.headers.get("x-redbag-signature", ""))


class Subscriber:
    """The listener; ``url`` is its endpoint, ``received`` what it got (accepted ones only)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.refused = 0
        self.down = False
        self.delay = 0.0  # seconds to take over each answer (a slow subscriber)
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                self.do_POST()

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if len(body) < length or not body:
                    # The sender went away mid-request (killed, say): nothing was delivered, as a real
                    # subscriber would see it; the sender retries after its restart.
                    self.close_connection = True
                    return
                if owner.down:
                    with owner._lock:
                        owner.refused += 1
                    self.send_response(503)
                    self.end_headers()
                    return
                with owner._lock:
                    owner.received.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Received]:
        """At least ``count`` notifications, or fail after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.05)
        with self._lock:
            codes = [r.code for r in self.received]
        raise AssertionError(f"{len(codes)} notification(s) after {timeout}s, wanted {count}: {codes}")

    def distinct(self) -> dict[int, bytes]:
        """Each event number received, with its body (a copy sent twice must be byte-identical)."""
        found: dict[int, bytes] = {}
        with self._lock:
            for r in self.received:
                number = r.event_number
                assert number is not None
                assert found.setdefault(number, r.body) == r.body, (
                    f"event {number} came twice with other content"
                )
        return found

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
