"""Every error the service answers is an OperationOutcome: the exception handlers.

Framework errors (404 no such route, 405, 422 invalid parameters, HTTPExceptions raised by routes) and
the adapter's own errors (:func:`adapter.service.outcome.answer_for`) are answered here; anything else
is answered 500 by :class:`adapter.service.middleware.RequestEnvelope`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from adapter.errors import RedbagError
from adapter.service.logmask import masked_logger
from adapter.service.negotiation import outcome_response, preferred_format
from adapter.service.outcome import answer_for, issue, operation_outcome, simple_outcome

log = masked_logger("adapter.service.errors")


def _answer(
    request: Request, status: int, outcome: dict[str, Any], headers: dict[str, str] | None
) -> Response:
    return outcome_response(status, outcome, preferred_format(request.headers, request.query_params), headers)


async def http_error(request: Request, exc: Exception) -> Response:
    """HTTPExceptions (raised by routes, or by routing: 404, 405): the detail as an OperationOutcome."""
    assert isinstance(exc, StarletteHTTPException)
    detail: Any = exc.detail
    if isinstance(detail, dict) and detail.get("resourceType") == "OperationOutcome":
        outcome = detail
    elif exc.status_code == 404 and detail == "Not Found":
        outcome = simple_outcome(404, f"no such endpoint: {request.url.path} (see /docs)")
    elif exc.status_code == 405:
        outcome = simple_outcome(405, f"{request.method} is not supported on {request.url.path}")
        return _answer(request, 405, outcome, {"Allow": ", ".join(allowed_methods(request))})
    else:
        outcome = simple_outcome(exc.status_code, str(detail))
    return _answer(request, exc.status_code, outcome, dict(exc.headers or {}))


_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path (routing alone names only the first route's)."""
    routes = request.app.router.routes
    return [
        method
        for method in _METHODS
        if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes)
    ]


def _where(location: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in location)


async def invalid_request(request: Request, exc: Exception) -> Response:
    """Parameters or headers that break the documented rules: 422, one issue per problem."""
    assert isinstance(exc, RequestValidationError)
    issues = [
        issue(
            "invalid",
            f"{_where(tuple(e.get('loc', ())))}: {e.get('msg', 'invalid')}",
            location=_where(tuple(e.get("loc", ()))),
        )
        for e in exc.errors()
    ] or [issue("invalid", "the request is invalid")]
    return _answer(request, 422, operation_outcome(*issues), None)


async def adapter_error(request: Request, exc: Exception) -> Response:
    """The adapter's own errors, each with the status its kind calls for."""
    answer = answer_for(exc)
    if answer.status >= 500:
        log.error("%s %s: %s: %s", request.method, request.url.path, type(exc).__name__, exc)
    return _answer(request, answer.status, answer.outcome, answer.headers)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on the app."""
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(RedbagError, adapter_error)
