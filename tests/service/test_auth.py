"""Callers authenticate with an API key or a bearer token, configured only as hashes; scopes limit them."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from adapter.config import ApiKey
from adapter.service.auth import KeyRing, new_key, scrypt_hash, sha256_hash
from tests.service.conftest import AppClient
from tests.service.helpers import CALLERS, make_settings

pytestmark = pytest.mark.anyio
PROTECTED = [
    ("POST", "/$convert"),
    ("POST", "/$validate"),
    ("POST", "/transfers"),
    ("GET", "/transfers"),
    ("GET", "/transfers/00000000-0000-4000-8000-000000000000"),
    ("POST", "/transfers/00000000-0000-4000-8000-000000000000/return"),
    ("GET", "/residents/9434765919/red-bag"),
    ("GET", "/audit"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
@pytest.mark.parametrize(
    "presented",
    [
        {},
        {"X-API-Key": "rbk_wrong"},
        {"Authorization": "Bearer rbk_wrong"},
        {"Authorization": "Basic ZWhyLWE6eA=="},
    ],
)
async def test_401_without_a_known_key(
    api: httpx.AsyncClient, method: str, path: str, presented: dict[str, str]
) -> None:
    api.headers.pop("X-API-Key")
    answer = await api.request(method, path, headers=presented)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Bearer")
    assert answer.json()["issue"][0]["code"] == "login"


@pytest.mark.parametrize("path", ["/healthz", "/metadata", "/openapi.json", "/docs"])
async def test_what_needs_no_key(api: httpx.AsyncClient, path: str) -> None:
    api.headers.pop("X-API-Key")
    assert (await api.get(path)).status_code == 200


async def test_a_key_works_as_api_key_or_bearer_token(api: httpx.AsyncClient) -> None:
    key = api.headers.pop("X-API-Key")
    assert (await api.get("/transfers", headers={"X-API-Key": key})).status_code == 200
    assert (await api.get("/transfers", headers={"Authorization": f"Bearer {key}"})).status_code == 200


async def test_a_key_without_the_scope_is_403(api: httpx.AsyncClient) -> None:
    answer = await api.get("/audit")  # ehr-a has send and pull, not audit
    assert answer.status_code == 403
    assert answer.json()["issue"][0]["code"] == "forbidden"
    pull = await api.get("/residents/9434765919/red-bag", headers={"X-API-Key": CALLERS["ehr-b"][0]})
    assert pull.status_code == 403  # ehr-b may only send


async def test_scrypt_hashed_keys_are_accepted(app_client: AppClient, tmp_path: Path) -> None:
    key = new_key()
    settings = make_settings(tmp_path, api_keys=(ApiKey("slow-hash", scrypt_hash(key, n=2**10)),))
    async with app_client(settings) as api:
        assert (await api.get("/transfers", headers={"X-API-Key": key})).status_code == 200
        assert (await api.get("/transfers", headers={"X-API-Key": key + "x"})).status_code == 401


async def test_auth_can_be_switched_off_for_development(app_client: AppClient, tmp_path: Path) -> None:
    async with app_client(make_settings(tmp_path, api_keys=(), auth_enabled=False)) as api:
        api.headers.pop("X-API-Key")
        assert (await api.get("/transfers")).status_code == 200


def test_the_keyring_identifies_each_client_and_nothing_else() -> None:
    a, b = new_key(), new_key()
    ring = KeyRing([ApiKey("a", sha256_hash(a)), ApiKey("b", scrypt_hash(b, n=2**10), frozenset({"audit"}))])
    assert ring.identify(a).client == "a"  # type: ignore[union-attr]
    caller = ring.identify(b)
    assert caller is not None and (caller.client, caller.scopes) == ("b", frozenset({"audit"}))
    assert ring.identify(b) == caller  # remembered, same answer
    assert ring.identify(a[:-1]) is None
    assert ring.identify("") is None
    assert a not in sha256_hash(a) and len(new_key()) > 40
