"""The FHIR client's exceptions: one subtree under :class:`adapter.errors.FhirClientError`.

::

    FhirClientError                        (code: "client")
    ├── InvalidRequestError                the client refused to build the request (bad type or id)
    ├── FhirTransportError                 no HTTP answer: connection refused or reset, protocol error
    │   └── FhirTimeoutError               connect, read, write or pool timeout
    ├── FhirResponseError                  a 2xx answer that is not the FHIR JSON asked for
    ├── CapabilityStatementError           /metadata answered, but not with a usable CapabilityStatement
    └── FhirHttpError                      any other 4xx/5xx
        ├── BadRequestError                400
        ├── AuthError                      401, 403 (and a failed SMART token request)
        ├── NotFoundError                  404
        ├── ConflictError                  409
        ├── GoneError                      410 (deleted)
        ├── PreconditionFailedError        412 (If-Match, conditional update/create ambiguity)
        ├── UnprocessableError             422 (profile or business-rule violation)
        ├── TooManyRequestsError           429 (after retries, where retrying was safe)
        └── ServerError                    5xx

Every error carries ``request`` (the :class:`httpx.Request`) and ``outcome`` (the server's
parsed OperationOutcome as a dict, or None); HTTP errors also carry ``status`` and ``response``.
"""

from __future__ import annotations

from typing import Any

import httpx

from adapter.errors import FhirClientError

Resource = dict[str, Any]


class InvalidRequestError(FhirClientError):
    """A request the client will not send (unsafe resource type, id or URL)."""

    code = "client-invalid-request"


class FhirTransportError(FhirClientError):
    """The server gave no HTTP answer (connection refused or reset, broken protocol)."""

    code = "client-transport"

    def __init__(self, message: str, request: httpx.Request) -> None:
        super().__init__(message)
        self.request = request
        self.outcome: Resource | None = None


class FhirTimeoutError(FhirTransportError):
    """A connect, read, write or connection-pool timeout."""

    code = "client-timeout"


class FhirResponseError(FhirClientError):
    """A successful status whose body is not the FHIR JSON that was asked for."""

    code = "client-response"

    def __init__(self, message: str, request: httpx.Request, response: httpx.Response) -> None:
        super().__init__(message)
        self.request = request
        self.response = response
        self.outcome: Resource | None = None


class CapabilityStatementError(FhirClientError):
    """The server's /metadata is not a CapabilityStatement a client can plan with."""

    code = "client-capabilities"


class FhirHttpError(FhirClientError):
    """The server answered with an error status; ``outcome`` is its OperationOutcome, if any."""

    code = "client-http"

    def __init__(self, request: httpx.Request, response: httpx.Response, outcome: Resource | None) -> None:
        self.request = request
        self.response = response
        self.status = response.status_code
        self.outcome = outcome
        super().__init__(
            f"HTTP {self.status} {response.reason_phrase} for {request.method} {request.url}"
            + "".join(f"\n  {line}" for line in describe_outcome(outcome))
        )

    @property
    def issues(self) -> list[Resource]:
        """The OperationOutcome's issues (empty when the server sent none)."""
        return list((self.outcome or {}).get("issue", []))


class BadRequestError(FhirHttpError):
    """400: the server could not parse or accept the request."""

    code = "client-bad-request"


class AuthError(FhirHttpError):
    """401 or 403, or a SMART token request that failed."""

    code = "client-auth"


class NotFoundError(FhirHttpError):
    """404: no such resource, version or endpoint."""

    code = "client-not-found"


class ConflictError(FhirHttpError):
    """409: a version conflict or a duplicate."""

    code = "client-conflict"


class GoneError(FhirHttpError):
    """410: the resource was deleted."""

    code = "client-gone"


class PreconditionFailedError(FhirHttpError):
    """412: If-Match failed, or a conditional create/update matched more than one resource."""

    code = "client-precondition-failed"


class UnprocessableError(FhirHttpError):
    """422: the resource breaks a profile or business rule."""

    code = "client-unprocessable"


class TooManyRequestsError(FhirHttpError):
    """429 that outlived the retries (or came back on a request that was not safe to repeat)."""

    code = "client-too-many-requests"


class ServerError(FhirHttpError):
    """5xx: the server failed."""

    code = "client-server-error"


# Status -> class: a lookup, not an if-chain. 5xx not listed here fall back to ServerError.
ERROR_BY_STATUS: dict[int, type[FhirHttpError]] = {
    400: BadRequestError,
    401: AuthError,
    403: AuthError,
    404: NotFoundError,
    409: ConflictError,
    410: GoneError,
    412: PreconditionFailedError,
    422: UnprocessableError,
    429: TooManyRequestsError,
}


def error_class(status: int) -> type[FhirHttpError]:
    """The exception class for an error status."""
    return ERROR_BY_STATUS.get(status, ServerError if status >= 500 else FhirHttpError)


def describe_outcome(outcome: Resource | None) -> list[str]:
    """One line per issue: ``severity code @ location: diagnostics``."""
    lines = []
    for issue in (outcome or {}).get("issue", []):
        where = ", ".join(issue.get("expression") or issue.get("location") or [])
        text = issue.get("diagnostics") or (issue.get("details") or {}).get("text") or ""
        lines.append(
            f"{issue.get('severity', '?')} {issue.get('code', '?')}"
            + (f" @ {where}" if where else "")
            + (f": {text}" if text else "")
        )
    return lines
