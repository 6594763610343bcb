"""Residents: pull a resident's latest red bag back from the FHIR server, by NHS number.

The answer carries what ``redbag pull`` tells people (hazard H5): when the red bag was completed
(``X-Redbag-Completed-At``) and, when the server holds summaries dated after it (a discharge summary,
say), ``X-Redbag-Newer-Summaries``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from adapter.errors import RedbagError
from adapter.exchange import NotOnServerError, PulledRedBag
from adapter.exchange import pull_red_bag as pull_from_server
from adapter.redbag.identifiers import mask_nhs_number, nhs_number_is_valid
from adapter.service import auditing
from adapter.service.auth import Caller, Puller
from adapter.service.deps import AnswerFormat, FhirServer, RequestId, ServiceDep
from adapter.service.negotiation import fhir_response
from adapter.service.openapi import AUTH_ERRORS, COMMON_ERRORS, fhir_answer, outcome_answer
from adapter.service.state import Service

router = APIRouter(tags=["residents"], responses=COMMON_ERRORS | AUTH_ERRORS, default_response_class=Response)

NhsNumber = Annotated[
    str, Path(alias="nhsNumber", description="the resident's NHS number (10 digits)", pattern=r"^[0-9]{10}$")
]


COMPLETED_AT = "X-Redbag-Completed-At"
NEWER_SUMMARIES = "X-Redbag-Newer-Summaries"
_NOT_HEADER_TEXT = re.compile(r"[^\x20-\x7e]")
DATE_HEADERS: dict[str, Any] = {
    COMPLETED_AT: {
        "description": "when the red bag was completed (its Composition date), as the server holds it",
        "schema": {"type": "string"},
    },
    NEWER_SUMMARIES: {
        "description": "only when the server holds newer summaries about the resident (such as a discharge "
        "summary): each as '<type> of <date>', newest first, separated by '; '",
        "schema": {"type": "string"},
    },
}

PULL_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {**fhir_answer("Bundle", "the latest red bag (document Bundle)")[200], "headers": DATE_HEADERS},
    404: outcome_answer("the FHIR server has no red bag for this NHS number"),
    502: outcome_answer("the FHIR server failed or refused"),
    503: outcome_answer("no FHIR server configured"),
    504: outcome_answer("the FHIR server did not answer in time"),
}


def _header_text(text: str) -> str:
    """``text`` as a header value: printable ASCII, anything else shown as '?'."""
    return _NOT_HEADER_TEXT.sub("?", text)


def date_headers(pulled: PulledRedBag) -> dict[str, str]:
    """The completion date and any newer summaries of a pulled red bag, as response headers."""
    headers = {COMPLETED_AT: _header_text(pulled.completed_at)}
    if pulled.newer:
        headers[NEWER_SUMMARIES] = _header_text("; ".join(pulled.newer))
    return headers


def pull(service: Service, caller: Caller, nhs_number: str, request_id: str) -> PulledRedBag:
    """The latest red bag on the FHIR server, with its date (audited, found or not)."""
    try:
        with service.fhir_client() as client:
            pulled = pull_from_server(client, nhs_number)
    except NotOnServerError as exc:
        auditing.record(service, caller, "pull", "not-found", request_id, nhs_number=nhs_number)
        raise HTTPException(404, f"the FHIR server has no red bag for NHS number {nhs_number}") from exc
    except RedbagError:
        auditing.record(service, caller, "pull", "error", request_id, nhs_number=nhs_number)
        raise
    auditing.record(service, caller, "pull", "ok", request_id, nhs_number=nhs_number)
    return pulled


@router.get(
    "/residents/{nhsNumber}/red-bag",
    summary="The resident's latest red bag, pulled from the FHIR server as a document Bundle",
    description="The newest transfer summary (by its Composition date) with everything it refers to. "
    f"`{COMPLETED_AT}` says when it was completed; `{NEWER_SUMMARIES}` appears when the server holds "
    "newer summaries about the resident (a discharge summary, say), so an old red bag is not taken for "
    "the current one.",
    responses=PULL_ANSWERS,
)
async def pull_red_bag(
    nhs_number: NhsNumber,
    caller: Puller,
    service: ServiceDep,
    server: FhirServer,
    fmt: AnswerFormat,
    request_id: RequestId,
) -> Response:
    if not nhs_number_is_valid(nhs_number):
        raise HTTPException(
            422, f"{mask_nhs_number(nhs_number)} fails the NHS number check digit (modulus 11)"
        )
    pulled = await run_in_threadpool(pull, service, caller, nhs_number, request_id)
    return fhir_response(pulled.document, fmt, headers=date_headers(pulled))
