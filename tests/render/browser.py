"""A small Chrome DevTools Protocol client over ``--remote-debugging-pipe`` (no port, no extra package).

Chromium reads commands from file descriptor 3 and writes replies and events to descriptor 4, each
message a JSON object ended by a NUL byte. Enough for the end-to-end tests: open a page at a given
viewport and zoom, evaluate JavaScript, take a screenshot.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from adapter.render.pdf import BROWSER_FLAGS

Json = dict[str, Any]


class Browser:
    """Headless Chromium driven through the DevTools protocol on a pipe; use as a context manager."""

    def __init__(self, chromium: str, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self._profile = tempfile.TemporaryDirectory(prefix="redbag-browser-", ignore_cleanup_errors=True)
        commands, self._to_browser = os.pipe()
        self._from_browser, replies = os.pipe()
        # Move the child's ends above fd 10 so that placing them on 3 and 4 cannot clobber each other.
        child_in = fcntl.fcntl(commands, fcntl.F_DUPFD_CLOEXEC, 10)
        child_out = fcntl.fcntl(replies, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(commands)
        os.close(replies)

        def child_fds() -> None:  # in the child, before exec: fd 3 reads commands, fd 4 writes replies
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        # No URL on the command line: with one, headless Chromium runs it as a one-shot command.
        flags = [chromium, *BROWSER_FLAGS, f"--user-data-dir={self._profile.name}"]
        self._process = subprocess.Popen(
            [*flags, "--remote-debugging-pipe", "--hide-scrollbars"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=False,  # fds 3 and 4 are made after the point where close_fds would keep them
            preexec_fn=child_fds,
        )
        os.close(child_in)
        os.close(child_out)
        self._buffer = b""
        self._next_id = 0
        self._events: list[Json] = []
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.send("Page.enable", session=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        os.close(self._to_browser)
        self._process.terminate()  # Chromium shuts down cleanly on SIGTERM
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        os.close(self._from_browser)
        self._profile.cleanup()

    def _read_message(self, deadline: float) -> Json:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_browser], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message: Json = json.loads(raw)
        return message

    def send(self, method: str, *, session: bool = False, **params: Any) -> Json:
        """Call a DevTools method and return its result (events that arrive meanwhile are kept)."""
        self._next_id += 1
        message: Json = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: Json = reply.get("result", {})
                return result
            self._events.append(reply)

    def wait_for(self, event: str) -> Json:
        """The first event named ``event`` (already received, or the next to arrive)."""
        deadline = time.monotonic() + self.timeout
        while True:
            for i, e in enumerate(self._events):
                if e.get("method") == event:
                    return self._events.pop(i)
            self._events.append(self._read_message(deadline))

    def open(self, page: Path, *, width: int, height: int = 900, scale: float = 1.0) -> None:
        """Load ``page`` in a ``width`` x ``height`` CSS-pixel viewport at device scale ``scale``."""
        self.navigate(page.resolve().as_uri(), width=width, height=height, scale=scale)

    def navigate(self, url: str, *, width: int, height: int = 900, scale: float = 1.0) -> None:
        """Load ``url`` (http or file) in a ``width`` x ``height`` CSS-pixel viewport."""
        self.send(
            "Emulation.setDeviceMetricsOverride",
            session=True,
            width=width,
            height=height,
            deviceScaleFactor=scale,
            mobile=False,
        )
        self._events.clear()
        self.send("Page.navigate", session=True, url=url)
        self.wait_for("Page.loadEventFired")

    def statuses(self) -> list[tuple[str, int]]:
        """(URL, HTTP status) of the responses since the last navigation (after :meth:`send_headers` or
        ``Network.enable``)."""
        return [
            (e["params"]["response"]["url"], e["params"]["response"]["status"])
            for e in self._events
            if e.get("method") == "Network.responseReceived"
        ]

    def send_headers(self, headers: dict[str, str]) -> None:
        """Send these headers with every request from now on (as a browser resends remembered credentials)."""
        self.send("Network.enable", session=True)
        self.send("Network.setExtraHTTPHeaders", session=True, headers=headers)

    def evaluate(self, expression: str) -> Any:
        """The JSON value of a JavaScript expression in the page."""
        result = self.send("Runtime.evaluate", session=True, expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"JavaScript failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path) -> Path:
        """A PNG of the whole page (beyond the viewport), saved to ``path``."""
        shot = self.send("Page.captureScreenshot", session=True, format="png", captureBeyondViewport=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path
