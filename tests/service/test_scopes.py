"""Every scope's powers, as documented, are what the code does: the README's table of routes by scope is
the app's routes with the scopes their dependencies require, and a key with each scope alone is let
through exactly where the table says (403 everywhere else)."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from fastapi.routing import APIRoute

from adapter import config
from adapter.config import SCOPES, ApiKey
from adapter.service import create_app
from adapter.service.auth import sha256_hash
from tests.service.conftest import AppClient
from tests.service.helpers import ROOT, make_settings

pytestmark = pytest.mark.anyio
Route = tuple[str, str]  # (method, path)


def documented() -> dict[Route, frozenset[str]]:
    """The README's table: each route and the scopes that may call it (empty: no key needed)."""
    text = (ROOT / "README.md").read_text("utf-8")
    table = text.split("| key scope | routes |", 1)[1].split("\n\n", 1)[0]
    found: dict[Route, frozenset[str]] = {}
    for scopes, routes in re.findall(r"^\| ([a-z ()]+) \| (.+) \|$", table, flags=re.MULTILINE):
        allowed = frozenset() if scopes == "(no key)" else frozenset(scopes.split(" or "))
        for method, path in re.findall(r"`([A-Z]+) ([^`]+)`", routes):
            found[(method, path)] = allowed
    return found


def _routes(routes: list[object]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from _routes(route.original_router.routes)


def in_code() -> dict[Route, frozenset[str]]:
    """The app's routes with the scopes their ``require_scope`` dependency names."""
    app = create_app(make_settings(Path("/nonexistent")))
    found: dict[Route, frozenset[str]] = {}
    for route in _routes(app.routes):
        scopes = [d.call.scopes for d in route.dependant.dependencies if hasattr(d.call, "scopes")]
        for method in route.methods:
            found[(method, route.path)] = frozenset().union(*scopes)
    return found


def test_the_documented_powers_are_the_codes() -> None:
    """Finding 6: config.py said the audit scope reads every client's transfers; the service said 403."""
    assert documented() == in_code()
    table = (config.__doc__ or "").split("scope      powers", 1)[1]
    listed = set(re.findall(r"^([a-z]+) {2,}\S", table, flags=re.MULTILINE))
    assert listed == SCOPES  # adapter/config.py describes every scope


ROUTES = sorted(in_code().items())
VALUES = {
    "transfer_id": str(uuid.uuid4()),
    "journey_id": str(uuid.uuid4()),
    "subscription_id": str(uuid.uuid4()),
    "nhsNumber": "9434765919",
    "nhs_number": "9434765919",
    "source": "trust",
    "resource_type": "Encounter",
    "resource_id": "e1",
    "ods_code": "VN4R7",
}


@pytest.fixture
async def one_scope_keys(app_client: AppClient, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The app with one key per scope, each having that scope alone."""
    settings = make_settings(tmp_path)
    keys = tuple(
        ApiKey(f"only-{s}", sha256_hash(f"rbk_only_{s}_key_000000000000000000"), frozenset({s}))
        for s in SCOPES
    )
    async with app_client(replace(settings, api_keys=keys)) as client:
        yield client


@pytest.mark.parametrize(("route", "allowed"), ROUTES, ids=[f"{m} {p}" for (m, p), _ in ROUTES])
async def test_a_key_with_one_scope_is_let_through_only_where_documented(
    one_scope_keys: httpx.AsyncClient, route: Route, allowed: frozenset[str]
) -> None:
    method, template = route
    path = re.sub(r"\{(\w+)\}", lambda m: VALUES[m.group(1)], template)
    for scope in sorted(SCOPES):
        key = {
            "X-API-Key": f"rbk_only_{scope}_key_000000000000000000",
            "Content-Type": "application/fhir+json",
        }
        answer = await one_scope_keys.request(
            method, path, headers=key, content=b"{}" if method in ("POST", "PUT") else None
        )
        refused = answer.status_code == 403 and "needs the scope" in answer.text
        assert refused is bool(allowed and scope not in allowed), (
            scope,
            answer.status_code,
            answer.text[:200],
        )
