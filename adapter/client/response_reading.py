"""Reading FHIR REST responses -- no I/O: status to exception, body to dict, Bundle links."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import orjson

from adapter.client.errors import (
    FhirResponseError,
    FhirTimeoutError,
    FhirTransportError,
    Resource,
    error_class,
)

# The last Type/id[/_history/vid] of a Location (the base URL may itself contain capitalised segments).
LOCATION = re.compile(
    r"(?:^|/)(?P<type>[A-Z][A-Za-z]+)/(?P<id>[A-Za-z0-9\-.]{1,64})(?:/_history/(?P<vid>[A-Za-z0-9\-.]{1,64}))?/?$"
)


def parse_json(request: httpx.Request, response: httpx.Response) -> Resource | None:
    """The body as a JSON object, None when empty; anything else is a :class:`FhirResponseError`."""
    if not response.content:
        return None
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError as exc:
        kind = response.headers.get("Content-Type", "no content type")
        raise FhirResponseError(
            f"{request.method} {request.url}: answer is not JSON ({kind})", request, response
        ) from exc
    if not isinstance(body, dict):
        raise FhirResponseError(
            f"{request.method} {request.url}: answer is not a JSON object", request, response
        )
    return body


def outcome_of(response: httpx.Response) -> Resource | None:
    """The OperationOutcome in an error answer, if the body is one."""
    try:
        body = orjson.loads(response.content) if response.content else None
    except orjson.JSONDecodeError:
        return None
    return body if isinstance(body, dict) and body.get("resourceType") == "OperationOutcome" else None


def accept(request: httpx.Request, reply: httpx.Response | httpx.RequestError) -> httpx.Response:
    """The response if it is a success; otherwise the matching exception, raised."""
    if isinstance(reply, httpx.TimeoutException):
        raise FhirTimeoutError(
            f"{request.method} {request.url}: timed out ({type(reply).__name__})", request
        ) from reply
    if isinstance(reply, httpx.RequestError):
        raise FhirTransportError(
            f"{request.method} {request.url}: {type(reply).__name__}: {reply}", request
        ) from reply
    if reply.status_code >= 400:
        raise error_class(reply.status_code)(request, reply, outcome_of(reply))
    return reply


def resource_of(request: httpx.Request, response: httpx.Response) -> Resource:
    """The body, which must be a FHIR resource."""
    body = parse_json(request, response)
    if body is None or "resourceType" not in body:
        raise FhirResponseError(
            f"{request.method} {request.url}: answer is not a FHIR resource", request, response
        )
    return body


@dataclass(frozen=True, slots=True)
class MethodOutcome:
    """What a create, update or delete answered (https://hl7.org/fhir/R4/http.html#create)."""

    status: int
    location: str | None
    etag: str | None
    resource: Resource | None
    outcome: Resource | None

    @property
    def created(self) -> bool:
        """True when the server created a resource (201), false when it matched or updated one."""
        return self.status == 201

    @property
    def id(self) -> str | None:
        """The logical id, from Location or the returned resource."""
        match = LOCATION.search((self.location or "").split("?")[0])
        if match:
            return match["id"]
        return (self.resource or {}).get("id")

    @property
    def version_id(self) -> str | None:
        """The version id, from Location, ETag or the returned resource."""
        match = LOCATION.search((self.location or "").split("?")[0])
        if match and match["vid"]:
            return match["vid"]
        if self.etag:
            return self.etag.removeprefix("W/").strip('"')
        return ((self.resource or {}).get("meta") or {}).get("versionId")

    @classmethod
    def of(cls, request: httpx.Request, response: httpx.Response) -> MethodOutcome:
        """Read the headers and body of a write's answer."""
        body = parse_json(request, response)
        is_outcome = body is not None and body.get("resourceType") == "OperationOutcome"
        return cls(
            status=response.status_code,
            location=response.headers.get("Location") or response.headers.get("Content-Location"),
            etag=response.headers.get("ETag"),
            resource=None if is_outcome else body,
            outcome=body if is_outcome else None,
        )


def next_link(bundle: Resource) -> str | None:
    """The Bundle's ``next`` link (https://hl7.org/fhir/R4/http.html#paging), if any."""
    for link in bundle.get("link") or []:
        if link.get("relation") == "next" and link.get("url"):
            return str(link["url"])
    return None


def entry_resources(
    bundle: Resource, modes: frozenset[str] | None = frozenset({"match"})
) -> Iterator[Resource]:
    """Resources of the Bundle's entries; ``modes`` filters on ``entry.search.mode`` (entries
    without one count as matches), None keeps every entry."""
    for entry in bundle.get("entry") or []:
        resource = entry.get("resource")
        if resource is None:
            continue
        if modes is None or (entry.get("search") or {}).get("mode", "match") in modes:
            yield resource
