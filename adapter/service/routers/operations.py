"""The stateless FHIR operations: ``$convert`` (summary -> Bundle) and ``$validate`` (-> OperationOutcome).

Neither stores anything or talks to the FHIR server, so neither is in the audit trail.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from adapter.errors import PrintError, ValidationSetupError
from adapter.fhir.jsonio import loads
from adapter.redbag import assess_summary, build_bundles
from adapter.redbag.ips import build_ips
from adapter.redbag.pointer import FHIR_JSON, FHIR_XML, PDF, Content, build_pointer
from adapter.render import html_to_pdf, render_transfer_html
from adapter.service.auth import Sender
from adapter.service.deps import AnswerFormat, ServiceDep
from adapter.service.logmask import protect, resident_words
from adapter.service.negotiation import (
    JSON_TYPES,
    XML_TYPES,
    Format,
    fhir_response,
    json_body,
    preferences,
    render_fhir,
    require_content_type,
)
from adapter.service.openapi import AUTH_ERRORS, BODY_ERRORS, COMMON_ERRORS, fhir_answer, fhir_content
from adapter.service.outcome import warnings_outcome

router = APIRouter(
    tags=["FHIR operations"],
    responses=COMMON_ERRORS | AUTH_ERRORS | BODY_ERRORS,
    default_response_class=Response,
)
_RESOURCE_TYPE = re.compile(r"[A-Z][A-Za-z]{1,63}")
_CANONICAL = re.compile(r"(https?://|urn:)[^\s|]{1,1000}(\|[^\s|]{1,64})?")


@router.post(
    "/$convert",
    summary="A resident summary -> the red bag's FHIR document (or transaction) Bundle",
    description="The summary is checked against the contract first: a 422 OperationOutcome lists every "
    "problem, each with its JSON path. Missing or imprecise input travels, marked 'not recorded' in the "
    "FHIR: the answer's `X-Redbag-Warnings` header counts those gaps; `Prefer: return=OperationOutcome` "
    "answers them (severity warning, each with its JSON path) instead of the Bundle, and "
    "`Prefer: handling=strict` refuses such input (422). `?profile=ips` writes the International Patient "
    "Summary (HL7 IPS 2.0.0) view instead of the red-bag document. `?type=pointer` answers a "
    "DocumentReference in the shape of the National Record Locator's pointers for the document (in the "
    "answer's format) and its PDF (headless Chromium; 503 when it is not installed), each with its size, "
    "SHA-1 hash and, inline, its bytes: publish them and set each attachment's url before registering it. ",
    responses=fhir_answer(
        "Bundle",
        "the document Bundle (?profile=ips: the International Patient Summary document; ?type=transaction: "
        "the transaction; ?type=pointer: a DocumentReference for the document and its printed form)",
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/fhir+json": {"schema": {"$ref": "#/components/schemas/ResidentSummary"}},
                "application/json": {"schema": {"$ref": "#/components/schemas/ResidentSummary"}},
            },
        }
    },
)
async def convert(
    request: Request,
    caller: Sender,
    fmt: AnswerFormat,
    bundle_type: Annotated[
        Literal["document", "transaction", "pointer"],
        Query(
            alias="type",
            description="document (what travels and is read), transaction (to push) or pointer (a "
            "DocumentReference for the document and its PDF)",
        ),
    ] = "document",
    view: Annotated[
        Literal["redbag", "ips"],
        Query(
            alias="profile",
            description="redbag (the red-bag document) or ips (International Patient Summary)",
        ),
    ] = "redbag",
) -> Response:
    if view == "ips" and bundle_type == "transaction":
        raise HTTPException(
            400, "the International Patient Summary is a document: ?profile=ips takes no ?type=transaction"
        )
    data = await json_body(request, "a resident summary")
    protect(resident_words(data))
    prefer = preferences(request.headers)
    checked = assess_summary(data, source="request body", strict=prefer.strict)
    # built (and checked complete) either way
    if view == "ips":
        document = transaction = build_ips(checked.data, gaps=checked.warnings)
    else:
        document, transaction = build_bundles(checked.data, gaps=checked.warnings)
    headers = {"X-Redbag-Warnings": str(len(checked.warnings))}
    if prefer.outcome:
        return fhir_response(warnings_outcome(checked.warnings), fmt, headers=headers)
    if bundle_type == "pointer":
        return fhir_response(await run_in_threadpool(_pointer, document, fmt), fmt, headers=headers)
    return fhir_response(document if bundle_type == "document" else transaction, fmt, headers=headers)


def _pointer(document: dict[str, Any], fmt: Format) -> dict[str, Any]:
    """The pointer to ``document`` as this service answers it in ``fmt``, and to its PDF, both inline."""
    with tempfile.TemporaryDirectory(prefix="redbag-pointer-") as tmp:
        pdf = Path(tmp) / "red-bag.pdf"
        try:
            html_to_pdf(render_transfer_html(document), pdf)
        except PrintError as exc:
            raise HTTPException(503, f"the PDF could not be printed: {exc}") from exc
        printed = pdf.read_bytes()
    files = [
        Content(
            render_fhir(document, fmt), FHIR_XML if fmt == "xml" else FHIR_JSON, "Red bag (FHIR document)"
        ),
        Content(printed, PDF, "Red bag (printed form)"),
    ]
    return build_pointer(document, files, inline=True)


def _unwrap_parameters(data: dict[str, Any], profile: str | None) -> tuple[Any, str | None]:
    """The resource (and profile) of a ``$validate`` Parameters body
    (https://hl7.org/fhir/R4/resource-operation-validate.html)."""
    resource = None
    for parameter in data.get("parameter") or []:
        if not isinstance(parameter, dict):
            continue
        if parameter.get("name") == "resource":
            resource = parameter.get("resource")
        elif parameter.get("name") == "profile" and profile is None:
            profile = parameter.get("valueUri") or parameter.get("valueCanonical")
    if not isinstance(resource, dict):
        raise HTTPException(
            400, "a Parameters body to $validate needs a 'resource' parameter with the resource"
        )
    return resource, profile


@router.post(
    "/$validate",
    summary="Validate a FHIR resource or Bundle (JSON or XML), optionally against a profile",
    description="Answers 200 with an OperationOutcome whether or not the resource is valid (errors are "
    "issues of severity error). The body is the resource, or a Parameters resource with `resource` and "
    "`profile` parameters. ",
    responses=fhir_answer("OperationOutcome", "the validation result"),
    openapi_extra={
        "requestBody": {"required": True, "content": fhir_content("Resource")},
    },
)
async def validate(
    request: Request,
    caller: Sender,
    fmt: AnswerFormat,
    service: ServiceDep,
    profile: Annotated[
        str | None,
        Query(description="canonical URL of the profile to validate against", max_length=1100),
    ] = None,
) -> Response:
    media = require_content_type(request, JSON_TYPES | XML_TYPES, "a FHIR resource")
    body = await request.body()
    resource: Any = body  # XML goes to the validator as bytes: it reads FHIR XML itself
    if media in JSON_TYPES:
        data = loads(body, source="request body")
        resource_type = data.get("resourceType") if isinstance(data, dict) else None
        if not isinstance(resource_type, str) or not _RESOURCE_TYPE.fullmatch(resource_type):
            raise HTTPException(
                400, "the body is not a FHIR resource (a JSON object whose resourceType is a type name)"
            )
        resource, profile = (
            _unwrap_parameters(data, profile) if data["resourceType"] == "Parameters" else (data, profile)
        )
    if profile is not None and not _CANONICAL.fullmatch(str(profile)):
        # A profile is named by its canonical URL; never a path on this server's disk.
        raise HTTPException(
            400, f"profile must be a canonical URL (http(s):// or urn:), got {str(profile)[:80]!r}"
        )
    try:
        outcome = await run_in_threadpool(service.validate, resource, profile)
    except ValidationSetupError as exc:
        raise HTTPException(400, str(exc)) from exc
    return fhir_response(outcome, fmt)
