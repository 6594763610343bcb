"""A small HTTP proxy in front of a real server that injects faults on chosen requests.

Each request takes the next action from ``plan`` (then ``pass`` once the plan is empty):

* ``pass``          forward and relay the answer;
* ``reset-before``  reset the connection (TCP RST) without forwarding;
* ``reset-after``   forward (the server does the work), then reset instead of answering;
* ``delay``         wait ``delay_seconds`` before forwarding (provokes client read timeouts);
* ``503`` / ``429`` answer that status with ``Retry-After: 1`` and an OperationOutcome, without forwarding.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit

import httpx
import orjson

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "content-length",
    "content-encoding",
    "host",
}


class FaultProxy:
    """Proxy to ``upstream`` (a FHIR base URL) on 127.0.0.1; ``base_url`` is the proxied base."""

    def __init__(self, upstream: str, delay_seconds: float = 2.0) -> None:
        parts = urlsplit(upstream)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.path = parts.path
        self.delay_seconds = delay_seconds
        self.plan: deque[str] = deque()
        self.log: list[tuple[str, str, str]] = []
        self._lock = threading.Lock()
        self._upstream = httpx.Client(timeout=60.0)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """The FHIR base URL through the proxy."""
        return f"http://127.0.0.1:{self._server.server_address[1]}{self.path}"

    def next_action(self, method: str, path: str) -> str:
        """Pop the next planned action and log it."""
        with self._lock:
            action = self.plan.popleft() if self.plan else "pass"
            self.log.append((method, path, action))
        return action

    def forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> httpx.Response:
        """Send the request on to the real server."""
        return self._upstream.request(method, self.origin + path, headers=headers, content=body)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

            def handle_one(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                action = proxy.next_action(self.command, self.path)
                if action == "reset-before":
                    self.reset()
                    return
                if action in ("503", "429"):
                    outcome = orjson.dumps(
                        {
                            "resourceType": "OperationOutcome",
                            "issue": [
                                {
                                    "severity": "error",
                                    "code": "transient",
                                    "diagnostics": f"injected {action}",
                                }
                            ],
                        }
                    )
                    self.answer(
                        int(action), {"Retry-After": "1", "Content-Type": "application/fhir+json"}, outcome
                    )
                    return
                if action == "delay":
                    time.sleep(proxy.delay_seconds)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                response = proxy.forward(self.command, self.path, headers, body)
                if action == "reset-after":
                    self.reset()
                    return
                kept = {k: v for k, v in response.headers.items() if k.lower() not in HOP_BY_HOP}
                self.answer(response.status_code, kept, response.content)

            def answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
                with contextlib.suppress(OSError):
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

            def reset(self) -> None:
                """Abort the connection with a TCP RST (SO_LINGER 0), as a crashing proxy would."""
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.connection.close()

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_one  # noqa: N815

        return Handler

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._upstream.close()
