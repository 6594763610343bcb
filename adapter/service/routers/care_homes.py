"""What a care home can manage: it publishes the list once and keeps it current; its red bags carry it
(``POST /transfers`` adds it to a summary that does not say it) and discharge readiness matches against it."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from adapter.redbag import vocab
from adapter.redbag.build_capabilities import healthcare_service
from adapter.redbag.identifiers import ods_code_is_valid
from adapter.redbag.readiness_contract import check_capabilities
from adapter.service.auth import Sender
from adapter.service.deps import RequestId, ServiceDep
from adapter.service.models import iso
from adapter.service.negotiation import json_body, json_response
from adapter.service.openapi import AUTH_ERRORS, BODY_ERRORS, COMMON_ERRORS, outcome_answer
from adapter.service.openapi import json_body as body_doc
from adapter.service.pathway_access import audit
from adapter.service.readiness_access import Reader
from adapter.store import Published

router = APIRouter(
    tags=["care homes"], responses=COMMON_ERRORS | AUTH_ERRORS, default_response_class=Response
)
OdsCode = Annotated[str, Path(pattern=r"^[A-Z0-9]{3,10}$", description="the care home's ODS code")]
Json = dict[str, Any]


def view(published: Published) -> Json:
    """A care home's published capabilities, with the HealthcareService they are in a red bag."""
    block: Json = orjson.loads(published.capabilities)
    ods = published.ods_code
    home = {"odsCode": ods, "name": f"Care home {ods}", "capabilities": block}
    organisation = {"identifier": {"system": vocab.ODS_ORGANIZATION, "value": ods}}
    location = {"identifier": {"system": vocab.ID_CARE_HOME_LOCATION, "value": ods}}
    return {
        "odsCode": ods,
        "capabilities": block,
        "updatedAt": iso(published.updated_at),
        "publishedBy": published.client,
        "healthcareService": healthcare_service(home, organisation, location),
    }


def _checked_ods(ods_code: str) -> None:
    if not ods_code_is_valid(ods_code):
        raise HTTPException(422, f"{ods_code}: not an ODS code")


@router.put(
    "/care-homes/{ods_code}/capabilities",
    summary="Publish what a care home can manage (replacing what it published before)",
    description="The care it gives, its equipment, what it does for a discharge, and when it takes a "
    "resident back (the resident summary's `careHome.capabilities` block). Red bags sent after this "
    "carry it when their summary does not say it, and discharge readiness matches against it.",
    responses={
        200: {"description": "stored: the capabilities and their FHIR HealthcareService"},
        **BODY_ERRORS,
    },
    openapi_extra=body_doc("CareHomeCapabilities", "what the care home can manage"),
)
async def publish(
    ods_code: OdsCode, request: Request, caller: Sender, service: ServiceDep, request_id: RequestId
) -> Response:
    _checked_ods(ods_code)
    data = await json_body(request, "what a care home can manage")
    block = check_capabilities(data, source="request body")

    def work() -> Json:
        store = service.require_pathway().readiness
        if not store.publish(ods_code, caller.client, orjson.dumps(block), block.get("confirmedOn")):
            audit(service, caller, "publish-capabilities", "refused", request_id)
            raise HTTPException(
                403,
                "what this care home can manage was published by another client, which alone may change it",
            )
        audit(service, caller, "publish-capabilities", "ok", request_id)
        published = store.published(ods_code)
        assert published is not None
        return view(published)

    return json_response(await run_in_threadpool(work))


@router.get(
    "/care-homes/{ods_code}/capabilities",
    summary="What a care home has published that it can manage",
    responses={404: outcome_answer("the care home has published nothing")},
)
async def read(ods_code: OdsCode, caller: Reader, service: ServiceDep, request_id: RequestId) -> Response:
    _checked_ods(ods_code)

    def work() -> Json:
        published = service.require_pathway().readiness.published(ods_code)
        audit(service, caller, "read-capabilities", "ok" if published else "not-found", request_id)
        if published is None:
            raise HTTPException(404, f"care home {ods_code} has not published what it can manage")
        return view(published)

    return json_response(await run_in_threadpool(work))
