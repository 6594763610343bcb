"""FHIR JSON and XML both ways (https://hl7.org/fhir/R4/http.html#mime-type): request bodies by
Content-Type, answers by ``_format`` or Accept.

Resident summaries and discharges are JSON (the contract is a JSON Schema); FHIR resources may be JSON
or XML. Answers that are FHIR resources (Bundles, OperationOutcomes, the CapabilityStatement) follow
the caller's choice; the service's own records (transfers, audit events) are JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import orjson
from fastapi import HTTPException, Request
from fastapi.responses import Response

from adapter.fhir.jsonio import loads
from adapter.service.outcome import printable

Format = Literal["json", "xml"]
FHIR_JSON = "application/fhir+json"
FHIR_XML = "application/fhir+xml"
JSON_TYPES = frozenset({FHIR_JSON, "application/json", "application/json+fhir", "text/json"})
XML_TYPES = frozenset({FHIR_XML, "application/xml", "application/xml+fhir", "text/xml"})
_FORMAT_PARAM = (
    {"json": "json", "xml": "xml"} | dict.fromkeys(JSON_TYPES, "json") | dict.fromkeys(XML_TYPES, "xml")
)
_MEDIA = {"json": f"{FHIR_JSON}; charset=utf-8", "xml": f"{FHIR_XML}; charset=utf-8"}


def media_type(content_type: str | None) -> str:
    """``application/fhir+json; charset=utf-8`` -> ``application/fhir+json``."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def _accept_ranges(accept: str) -> list[tuple[float, int, str]]:
    ranges = []
    for position, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        quality = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if fields[0] and quality > 0:
            ranges.append((-quality, position, fields[0].lower()))
    return sorted(ranges)


@dataclass(frozen=True)
class Preferences:
    """What the caller asks with FHIR's Prefer header (https://hl7.org/fhir/R4/http.html#ops).

    ``handling=strict``: refuse input with warnings (a field that would travel not recorded);
    ``return=OperationOutcome``: answer the warnings (an OperationOutcome) instead of the resource.
    """

    strict: bool = False
    outcome: bool = False


def preferences(headers: Mapping[str, str]) -> Preferences:
    """The caller's Prefer header, read leniently (unknown preferences are ignored, as RFC 7240 says)."""
    asked: dict[str, str] = {}
    for part in headers.get("prefer", "").split(","):
        name, _, value = part.strip().partition("=")
        asked[name.strip().lower()] = value.strip().strip('"').lower()
    return Preferences(
        strict=asked.get("handling") == "strict", outcome=asked.get("return") == "operationoutcome"
    )


def preferred_format(headers: Mapping[str, str], query: Mapping[str, str]) -> Format | None:
    """``json`` or ``xml`` as the caller asks (``_format`` first, then Accept); None when the caller
    accepts neither. No Accept header, or ``*/*``, means FHIR JSON."""
    asked = query.get("_format")
    if asked:
        chosen = _FORMAT_PARAM.get(media_type(asked))
        return "xml" if chosen == "xml" else "json" if chosen == "json" else None
    accept = headers.get("accept")
    if not accept:
        return "json"
    for _, _, media in _accept_ranges(accept):
        if media in JSON_TYPES or media in ("*/*", "application/*"):
            return "json"
        if media in XML_TYPES or media == "text/*":
            return "xml"
    return None


def answer_format(request: Request) -> Format:
    """The format to answer a FHIR resource in; 406 when the caller accepts neither JSON nor XML."""
    chosen = preferred_format(request.headers, request.query_params)
    if chosen is None:
        raise HTTPException(
            406,
            f"cannot answer in {request.headers.get('accept') or request.query_params.get('_format')}: "
            f"this service speaks {FHIR_JSON} and {FHIR_XML}",
        )
    return chosen


def render_fhir(resource: dict[str, Any], fmt: Format) -> bytes:
    """A FHIR resource as JSON or XML bytes."""
    if fmt == "xml":
        from adapter.fhir.xml import to_xml  # cold path: the XML models load on first use

        return to_xml(resource)
    return orjson.dumps(resource)


def fhir_response(
    resource: dict[str, Any], fmt: Format, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """A FHIR resource answer in the chosen format (an OperationOutcome made printable first)."""
    if resource.get("resourceType") == "OperationOutcome":
        resource = printable(resource)
    return Response(render_fhir(resource, fmt), status_code=status, media_type=_MEDIA[fmt], headers=headers)


def outcome_response(
    status: int, outcome: dict[str, Any], fmt: Format | None, headers: Mapping[str, str] | None = None
) -> Response:
    """An OperationOutcome answer; falls back to JSON if XML cannot be made (it never fails)."""
    fmt = fmt or "json"
    outcome = printable(outcome)
    try:
        body = render_fhir(outcome, fmt)
    except Exception:  # an error answer must always go out
        fmt, body = "json", orjson.dumps(outcome)
    return Response(body, status_code=status, media_type=_MEDIA[fmt], headers=headers)


def json_response(data: Any, *, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    """The service's own records, as plain JSON."""
    return Response(orjson.dumps(data), status_code=status, media_type="application/json", headers=headers)


def require_content_type(request: Request, allowed: frozenset[str], what: str) -> str:
    """The body's media type when allowed; 415 naming what is accepted otherwise."""
    media = media_type(request.headers.get("content-type"))
    if media not in allowed:
        shown = media or "no Content-Type"
        raise HTTPException(415, f"{what} must be sent as {' or '.join(sorted(allowed))} (got {shown})")
    return media


async def json_body(request: Request, what: str) -> Any:
    """The request body parsed as JSON (415 for another media type, 400 when it is not JSON)."""
    require_content_type(request, JSON_TYPES, what)
    return loads(await request.body(), source="request body")
