"""Assembles the service: settings in, a FastAPI app out. Nothing else happens here."""

from __future__ import annotations

import gc
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from adapter import __version__
from adapter.config import Settings
from adapter.service.errors import install_error_handlers
from adapter.service.middleware import BodyLimit, RequestEnvelope
from adapter.service.openapi import install_openapi
from adapter.service.routers import (
    audit,
    board,
    care_homes,
    fhir_events,
    journeys,
    meta,
    operations,
    pathway_events,
    readiness,
    residents,
    subscriptions,
    transfers,
)
from adapter.service.state import Service

DESCRIPTION = """\
Care-home red bags (the hospital transfer pathway) as validated FHIR R4.

* `POST /$convert`, `POST /$validate`: stateless FHIR operations.
* `POST /transfers`: check, convert, validate and queue a red bag; a durable outbox delivers it to the
  configured FHIR server (retrying), `GET /transfers/{id}` follows it, `POST /transfers/{id}/return`
  sends the return journey.
* `GET /residents/{nhsNumber}/red-bag`: the resident's latest red bag, pulled from the FHIR server.
* `GET /audit`: who sent, read or pulled which resident's red bag, and when.
* The pathway: `POST /events` (admissions, discharges, ... from a hospital system), `/fhir-events/{source}`
  (FHIR Subscription notifications), `POST /Subscription` (care homes, GP practices and community teams
  subscribe to signed notifications), `GET /journeys`, `POST /journeys/{id}/visit` (the 48-hour visit).
* Getting residents home: `PUT /care-homes/{odsCode}/capabilities` (what a care home can manage),
  `PUT /transfers/{id}/readiness` (the Discharge Ready Date and what the resident needs: a checklist back,
  the home told at once), `GET /transfers/{id}/readiness` (with the delay once the red bag is back).
* `GET /board`: the live board of residents in hospital now, by care home (HTML; a key with `subscribe`).

FHIR answers are `application/fhir+json` or `application/fhir+xml` (Accept, or `_format`); every error is
an OperationOutcome. Callers present their API key as `X-API-Key` or `Authorization: Bearer`.
"""


def create_app(settings: Settings, *, service: Service | None = None, freeze_gc: bool = False) -> FastAPI:
    """The service's ASGI app; ``service`` lets tests share one validator or use a clock of their own.

    ``freeze_gc`` (for a process that serves only this app) moves everything loaded at start-up out of
    the garbage collector's full sweeps, which would otherwise walk it again and again under load.
    """
    service = service or Service(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(service.start)
        listener = await service.require_pathway().open_listener()
        app.state.started_at = datetime.now(UTC).isoformat(timespec="seconds")
        if freeze_gc:
            gc.collect()
            gc.freeze()
        try:
            yield
        finally:
            if listener is not None:
                listener.close()
                await listener.wait_closed()
            await run_in_threadpool(service.stop)

    app = FastAPI(
        title="redbag",
        version=__version__,
        lifespan=lifespan,
        default_response_class=Response,
    )
    app.state.service = service
    install_error_handlers(app)
    areas = (
        meta,
        operations,
        transfers,
        residents,
        audit,
        pathway_events,
        fhir_events,
        subscriptions,
        journeys,
        readiness,
        care_homes,
        board,
    )
    for area in areas:
        app.include_router(area.router)
    if transfers.viewable():
        app.include_router(transfers.view_router)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestEnvelope)  # outermost: sees every answer, including the body limit's
    install_openapi(app, DESCRIPTION)
    return app


def create_app_from_environment() -> FastAPI:
    """The app with settings from ``REDBAG_*`` environment variables: uvicorn's factory in each worker
    process of ``redbag serve``."""
    return create_app(Settings.from_environ(os.environ), freeze_gc=True)
