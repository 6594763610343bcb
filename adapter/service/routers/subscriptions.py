"""Subscriptions: care homes, GP practices and community nursing teams ask to be told (FHIR R4
``Subscription`` resources; rest-hook, signed Backport notifications)."""

from __future__ import annotations

import uuid
from typing import Annotated

import orjson
from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from adapter.notify import check_subscription, new_secret
from adapter.service.deps import AnswerFormat, RequestId, ServiceDep
from adapter.service.negotiation import fhir_response, json_body
from adapter.service.openapi import AUTH_ERRORS, BODY_ERRORS, COMMON_ERRORS, fhir_answer, outcome_answer
from adapter.service.pathway_access import Subscriber, audit, require_organisation, serves_resident
from adapter.service.state import Service
from adapter.store import CriteriaKind, SubscriptionRow

router = APIRouter(
    tags=["subscriptions"], responses=COMMON_ERRORS | AUTH_ERRORS, default_response_class=Response
)
SubscriptionId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$", description="the subscription's id")]
SIGNING_KEY_HEADER = "X-Redbag-Signing-Key"


def _resource(row: SubscriptionRow) -> dict[str, object]:
    resource: dict[str, object] = orjson.loads(row.resource)
    resource["status"] = "active" if row.status == "error" else row.status
    if row.error:
        resource["error"] = row.error
    return resource


def _own(service: Service, caller: Subscriber, subscription_id: str) -> SubscriptionRow:
    row = service.require_pathway().subscriptions.get(subscription_id)
    if row is None or row.client != caller.client:
        raise HTTPException(404, f"no Subscription {subscription_id}")
    return row


@router.post(
    "/Subscription",
    summary="Subscribe to a care home's residents, a GP practice's patients or one resident",
    description="criteria `Encounter?care-home=ODS`, `Encounter?general-practitioner=ODS` or "
    "`Encounter?patient.identifier=https://fhir.nhs.uk/Id/nhs-number|NHS-NUMBER` (or the Backport topic "
    "with one filter criteria); channel rest-hook, application/fhir+json, optional headers. A key subscribes "
    "only to the care homes and practices its `ods=` names, or to a resident known at one of them "
    "(registered, or named by their latest stay or red bag); 403 otherwise. The 201 answer carries the "
    "key that signs every notification (header X-Redbag-Signing-Key), shown once.",
    status_code=201,
    responses=fhir_answer("Resource", "the Subscription, active", 201)
    | BODY_ERRORS
    | {403: outcome_answer("not an organisation (or a resident of one) this key acts for")},
)
async def create(
    request: Request, caller: Subscriber, service: ServiceDep, fmt: AnswerFormat, request_id: RequestId
) -> Response:
    wanted = check_subscription(await json_body(request, "a Subscription"))
    if wanted.criteria_kind == "resident":
        if not await run_in_threadpool(serves_resident, service, caller, wanted.criteria_value):
            raise HTTPException(
                403,
                "this resident is not known at any organisation client "
                f"{caller.client!r} acts for: register them (PUT /registrations/{{nhsNumber}}) first",
            )
    else:
        what = "care home" if wanted.criteria_kind == "care-home" else "GP practice"
        require_organisation(caller, wanted.criteria_value, what)
    subscription_id = str(uuid.uuid4())
    secret = new_secret()
    resource = wanted.resource(subscription_id)
    row = SubscriptionRow(
        id=subscription_id,
        client=caller.client,
        status="active",
        criteria_kind=CriteriaKind(wanted.criteria_kind),
        criteria_value=wanted.criteria_value,
        endpoint=wanted.endpoint,
        headers=wanted.headers,
        secret=secret,
        resource=orjson.dumps(resource),
        events=0,
        failures=0,
        error=None,
        created_at=service.clock(),
    )
    await run_in_threadpool(service.require_pathway().subscriptions.create, row)
    resident = wanted.criteria_value if wanted.criteria_kind == "resident" else None
    await run_in_threadpool(audit, service, caller, "subscribe", "ok", request_id, resident)
    headers = {"Location": f"/Subscription/{subscription_id}", SIGNING_KEY_HEADER: secret}
    return fhir_response(resource, fmt, status=201, headers=headers)


@router.get(
    "/Subscription",
    summary="This client's subscriptions",
    responses=fhir_answer("Bundle", "a searchset Bundle of Subscriptions"),
)
async def search(caller: Subscriber, service: ServiceDep, fmt: AnswerFormat) -> Response:
    rows = await run_in_threadpool(service.require_pathway().subscriptions.of_client, caller.client)
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(rows),
        "entry": [{"resource": _resource(r), "fullUrl": f"Subscription/{r.id}"} for r in rows],
    }
    return fhir_response(bundle, fmt)


@router.get(
    "/Subscription/{subscription_id}",
    summary="One of this client's subscriptions (status error while its endpoint fails)",
    responses=fhir_answer("Resource", "the Subscription") | {404: outcome_answer("no such subscription")},
)
async def read(
    subscription_id: SubscriptionId, caller: Subscriber, service: ServiceDep, fmt: AnswerFormat
) -> Response:
    return fhir_response(_resource(await run_in_threadpool(_own, service, caller, subscription_id)), fmt)


@router.delete(
    "/Subscription/{subscription_id}",
    summary="End a subscription (what was not delivered yet is not sent)",
    status_code=204,
    responses={404: outcome_answer("no such subscription")},
)
async def end(
    subscription_id: SubscriptionId, caller: Subscriber, service: ServiceDep, request_id: RequestId
) -> Response:
    await run_in_threadpool(_own, service, caller, subscription_id)
    await run_in_threadpool(service.require_pathway().subscriptions.end, subscription_id)
    await run_in_threadpool(audit, service, caller, "unsubscribe", "ok", request_id)
    return Response(status_code=204)
