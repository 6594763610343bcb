"""Plain ASGI middleware (no per-request threads or copies): the body size limit, and the request
envelope (request id, masked access log, protected names, the last-resort 500 OperationOutcome)."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from starlette.datastructures import Headers, QueryParams
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapter.errors import InputTooLargeError
from adapter.service.logmask import masked_logger, protected_scope
from adapter.service.negotiation import outcome_response, preferred_format
from adapter.service.outcome import simple_outcome

_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
access_log = masked_logger("adapter.service.access")
error_log = masked_logger("adapter.service.errors")


def too_large_message(limit: int) -> str:
    """What a 413 says."""
    return f"the request body is larger than this service accepts ({limit} bytes)"


class BodyLimit:
    """413 for bodies over ``max_bytes``: at once by Content-Length, or while streaming (chunked)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            fmt = preferred_format(headers, QueryParams(scope.get("query_string", b"")))
            response = outcome_response(413, simple_outcome(413, too_large_message(self.max_bytes)), fmt)
            response.headers["Connection"] = "close"
            await response(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Raised inside the route's body read: answered as 413 by the error handlers.
                    raise InputTooLargeError(too_large_message(self.max_bytes))
            return message

        await self.app(scope, limited, send)


class RequestEnvelope:
    """Gives each request an id (``X-Request-ID``, echoed back), a set of protected words for log
    masking, one masked access-log line, and a 500 OperationOutcome if anything escapes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        given = headers.get("x-request-id", "")
        request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        status = 0
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        with protected_scope():
            try:
                await self.app(scope, receive, send_with_id)
            except Exception:
                # The traceback keeps frames and exception types, not messages (they may quote input).
                error_log.exception("request %s failed: %s %s", request_id, scope["method"], scope["path"])
                if status == 0:
                    fmt = preferred_format(headers, QueryParams(scope.get("query_string", b"")))
                    outcome = simple_outcome(
                        500, f"internal error (request {request_id}); it has been logged"
                    )
                    await outcome_response(500, outcome, fmt)(scope, receive, send_with_id)
            finally:
                access_log.info(
                    '%s "%s %s" %s %.1fms client=%s id=%s',
                    (scope.get("client") or ("-",))[0],
                    scope["method"],
                    scope["path"],
                    status or "-",
                    (time.perf_counter() - started) * 1000,
                    state.get("client", "-"),
                    request_id,
                )
