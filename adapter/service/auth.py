"""Who is calling: API keys (``X-API-Key``) or bearer tokens (``Authorization: Bearer``), one per calling
client, configured only as hashes (:mod:`adapter.config`), checked in constant time.

``sha256:`` hashes suit generated keys (:func:`new_key`, 256 bits of randomness: nothing to guess, so a
fast hash loses nothing); ``scrypt:`` hashes suit keys people chose. A verified scrypt key is remembered
(by its SHA-256) so that each key pays scrypt's price once per process, not once per request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from adapter.config import SCOPES, ApiKey

_SCRYPT_DEFAULTS = (2**14, 8, 1)
_REMEMBERED = 256
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="redbag"'}


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated calling client, what it may do, and for which organisations (ODS codes; None:
    every one) it subscribes and reads journeys."""

    client: str
    scopes: frozenset[str]
    organisations: frozenset[str] | None = None

    def serves(self, ods_code: str | None) -> bool:
        """True when this caller acts for the organisation with this ODS code."""
        return ods_code is not None and (self.organisations is None or ods_code in self.organisations)


def new_key() -> str:
    """A new random API key (shown once; only its hash is configured)."""
    return "rbk_" + secrets.token_urlsafe(32)


def sha256_hash(key: str) -> str:
    """``sha256:<hex>`` of a key, as configured."""
    return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()


def scrypt_hash(
    key: str, *, n: int = _SCRYPT_DEFAULTS[0], r: int = _SCRYPT_DEFAULTS[1], p: int = _SCRYPT_DEFAULTS[2]
) -> str:
    """``scrypt:n:r:p:salt:hash`` of a key (salt and hash base64), as configured."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(key.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=32)
    b64 = base64.urlsafe_b64encode
    return f"scrypt:{n}:{r}:{p}:{b64(salt).decode()}:{b64(digest).decode()}"


def _scrypt_matches(key: str, configured: str) -> bool:
    _, n, r, p, salt, expected = configured.split(":")
    want = base64.urlsafe_b64decode(expected)
    got = hashlib.scrypt(
        key.encode("utf-8"),
        salt=base64.urlsafe_b64decode(salt),
        n=int(n),
        r=int(r),
        p=int(p),
        dklen=len(want),
        maxmem=256 * 1024 * 1024,
    )
    return hmac.compare_digest(got, want)


class KeyRing:
    """The configured keys; :meth:`identify` tells which client a presented key belongs to."""

    def __init__(self, keys: Sequence[ApiKey]) -> None:
        self._by_sha256 = {
            bytes.fromhex(k.digest.removeprefix("sha256:")): k for k in keys if k.digest.startswith("sha256:")
        }
        self._scrypt = [k for k in keys if k.digest.startswith("scrypt:")]
        self._remembered: dict[bytes, ApiKey] = {}
        self._lock = threading.Lock()

    def identify(self, presented: str) -> Caller | None:
        """The caller a key belongs to, or None."""
        fingerprint = hashlib.sha256(presented.encode("utf-8")).digest()
        found = self._lookup(fingerprint)
        if found is None:
            for key in self._scrypt:
                if _scrypt_matches(presented, key.digest):
                    found = key
                    with self._lock:
                        if len(self._remembered) < _REMEMBERED:
                            self._remembered[fingerprint] = key
                    break
        return Caller(found.client, found.scopes, found.organisations) if found else None

    def _lookup(self, fingerprint: bytes) -> ApiKey | None:
        # Compare against every sha256 entry in constant time, so timing tells nothing about the keys.
        found = None
        for digest, key in self._by_sha256.items():
            if hmac.compare_digest(digest, fingerprint):
                found = key
        with self._lock:
            return found or self._remembered.get(fingerprint)


_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="the calling client's API key")
_bearer = HTTPBearer(auto_error=False, description="the calling client's API key as a bearer token")


async def authenticate(
    request: Request,
    api_key: Annotated[str | None, Security(_api_key)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
) -> Caller:
    """The calling client, from ``X-API-Key`` or ``Authorization: Bearer``; 401 without a known key."""
    service = request.app.state.service
    if not service.settings.auth_enabled:
        caller = Caller("anonymous", SCOPES)
    else:
        presented = api_key or (bearer.credentials if bearer else None)
        identified = service.keyring.identify(presented) if presented else None
        if identified is None:
            reason = "an API key or bearer token is required" if not presented else "unknown API key"
            raise HTTPException(401, reason, headers=CHALLENGE)
        caller = identified
    request.state.client = caller.client
    return caller


def require_scope(*scopes: str) -> Callable[[Caller], Awaitable[Caller]]:
    """A dependency: the authenticated caller, 403 unless its key has one of ``scopes``. The scopes are
    kept on the dependency (``.scopes``), where the test of the documented powers reads them."""

    async def check(caller: Annotated[Caller, Depends(authenticate)]) -> Caller:
        if caller.scopes.isdisjoint(scopes):
            raise HTTPException(
                403,
                f"client {caller.client!r} is not allowed to do this (its key needs the scope "
                f"{' or '.join(scopes)})",
            )
        return caller

    check.__name__ = f"require_{'_or_'.join(scopes)}"
    check.scopes = frozenset(scopes)  # type: ignore[attr-defined]
    return check


Sender = Annotated[Caller, Depends(require_scope("send"))]
#: Reads transfers: its own (send), or every client's (audit).
Reader = Annotated[Caller, Depends(require_scope("send", "audit"))]
Puller = Annotated[Caller, Depends(require_scope("pull"))]
Auditor = Annotated[Caller, Depends(require_scope("audit"))]
Admin = Annotated[Caller, Depends(require_scope("admin"))]
