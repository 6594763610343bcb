"""Residents: pull a resident's latest red bag back from the FHIR server, by NHS number."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from adapter.errors import RedbagError
from adapter.exchange import NotOnServerError, pull_document
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


def pull(service: Service, caller: Caller, nhs_number: str, request_id: str) -> dict[str, Any]:
    """The latest red bag on the FHIR server (audited, found or not)."""
    try:
        with service.fhir_client() as client:
            document = pull_document(client, nhs_number)
    except NotOnServerError as exc:
        auditing.record(service, caller, "pull", "not-found", request_id, nhs_number=nhs_number)
        raise HTTPException(404, f"the FHIR server has no red bag for NHS number {nhs_number}") from exc
    except RedbagError:
        auditing.record(service, caller, "pull", "error", request_id, nhs_number=nhs_number)
        raise
    auditing.record(service, caller, "pull", "ok", request_id, nhs_number=nhs_number)
    return document


@router.get(
    "/residents/{nhsNumber}/red-bag",
    summary="The resident's latest red bag, pulled from the FHIR server as a document Bundle",
    responses=fhir_answer("Bundle", "the latest red bag (document Bundle)")
    | {
        404: outcome_answer("the FHIR server has no red bag for this NHS number"),
        502: outcome_answer("the FHIR server failed or refused"),
        503: outcome_answer("no FHIR server configured"),
        504: outcome_answer("the FHIR server did not answer in time"),
    },
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
    document = await run_in_threadpool(pull, service, caller, nhs_number, request_id)
    return fhir_response(document, fmt)
