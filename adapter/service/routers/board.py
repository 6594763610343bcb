"""``GET /board``: the live board of residents in hospital, for a ward computer or a phone.

It shows personal data (names, NHS numbers, belongings), so it needs a key with the ``subscribe`` scope,
like ``GET /journeys``. Programs send it as ``X-API-Key`` or ``Authorization: Bearer``; a browser, which
cannot add a header, is asked for it (HTTP Basic: any user name, the key as password; the browser keeps
it for the session, so the page can refresh itself). Over anything but loopback, serve it behind TLS.
"""

from __future__ import annotations

import html
from functools import cache
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from fastapi.security import (
    APIKeyHeader,
    HTTPAuthorizationCredentials,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
)
from jinja2 import Environment, PackageLoader, select_autoescape

from adapter.service import auditing
from adapter.service.auth import Caller, authenticate, require_scope
from adapter.service.board import Settings, build_board, updated_at
from adapter.service.deps import RequestId, ServiceDep
from adapter.service.openapi import AUTH_ERRORS, COMMON_ERRORS

BROWSER_CHALLENGE = {"WWW-Authenticate": 'Basic realm="redbag board", charset="UTF-8"'}
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="the calling client's API key")
_bearer = HTTPBearer(auto_error=False, description="the calling client's API key as a bearer token")
_basic = HTTPBasic(auto_error=False, realm="redbag board", description="a browser: the API key as password")
_may_view = require_scope("subscribe")


REFUSED_PAGE = """<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Red bag board: key needed</title></head>
<body style="font-family: system-ui, Arial, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem">
<h1>Red bag board</h1><p>{reason}.</p>
<p>This board shows residents' personal data. Use an API key with the <code>subscribe</code> scope: your
browser asks for it (any user name, the key as the password).</p></body></html>
"""


async def board_viewer(
    request: Request,
    api_key: Annotated[str | None, Security(_api_key)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
    basic: Annotated[HTTPBasicCredentials | None, Security(_basic)],
) -> Caller | HTMLResponse:
    """The caller, by the service's own key check (a browser's Basic password is the key); 401 asks a
    browser for it, 403 when the key lacks the ``subscribe`` scope. A browser is refused with a page (a
    FHIR OperationOutcome would be offered to it as a download), a program with an OperationOutcome."""
    try:
        caller = await authenticate(request, api_key or (basic.password if basic else None), bearer)
        return await _may_view(caller)
    except HTTPException as exc:
        headers = BROWSER_CHALLENGE if exc.status_code == 401 else None
        if "text/html" in request.headers.get("accept", ""):
            return HTMLResponse(
                REFUSED_PAGE.format(reason=html.escape(str(exc.detail))),
                status_code=exc.status_code,
                headers=headers,
            )
        raise HTTPException(exc.status_code, exc.detail, headers=headers) from None


board_viewer.scopes = _may_view.scopes  # type: ignore[attr-defined]  # read by the documented-powers test
Viewer = Annotated[Caller | HTMLResponse, Depends(board_viewer)]
router = APIRouter(tags=["pathway"], responses=COMMON_ERRORS | AUTH_ERRORS)


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("adapter.service", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


@router.get(
    "/board",
    summary="The live board: residents in hospital now by care home (HTML, refreshes itself)",
    response_class=HTMLResponse,
    responses={200: {"description": "the board", "content": {"text/html": {}}}},
)
async def board(
    access: Viewer,
    service: ServiceDep,
    request_id: RequestId,
    care_home: Annotated[str | None, Query(alias="careHome", pattern=r"^[A-Z0-9]{3,10}$")] = None,
    refresh: Annotated[int, Query(ge=10, le=3600, description="seconds between refreshes")] = 60,
    sent_days: Annotated[
        int, Query(alias="sentDays", ge=1, le=90, description="red bags sent with no admission yet, days")
    ] = 14,
    return_days: Annotated[
        int, Query(alias="returnDays", ge=1, le=90, description="returns shown, days")
    ] = 14,
) -> HTMLResponse:
    if isinstance(access, HTMLResponse):  # a browser without a (good) key: the refusal page
        return access
    caller = access

    def work() -> str:
        homes = build_board(service, Settings(care_home, sent_days, return_days))
        auditing.record(service, caller, "board", "ok", request_id)
        return (
            _environment()
            .get_template("board.html")
            .render(
                homes=homes,
                updated=updated_at(service),
                refresh=refresh,
                care_home=care_home,
                in_hospital=sum(len(h.residents) for h in homes),
            )
        )

    page = await run_in_threadpool(work)
    return HTMLResponse(page, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})
