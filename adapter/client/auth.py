"""Authentication as ``httpx.Auth``: bearer token, basic, SMART Backend Services.

SMART Backend Services (https://hl7.org/fhir/smart-app-launch/backend-services.html): the
client signs a short-lived JWT assertion (RS384 or ES384) and trades it at the token endpoint
for an access token (OAuth 2.0 client credentials, RFC 7523); the token is cached until shortly
before it expires, and fetched again once if the server answers 401 to a cached one.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Generator
from urllib.parse import urlencode

import httpx
import orjson

from adapter.client.errors import AuthError, FhirResponseError
from adapter.client.jose import SigningKey, check_key, load_private_key, sign_jwt

BasicAuth = httpx.BasicAuth
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class BearerAuth(httpx.Auth):
    """``Authorization: Bearer <token>`` on every request."""

    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Add the header and send."""
        request.headers["Authorization"] = self._header
        yield request


class SmartBackendAuth(httpx.Auth):
    """SMART Backend Services client-credentials grant with a signed JWT assertion."""

    requires_response_body = True

    def __init__(
        self,
        token_url: str,
        client_id: str,
        private_key: SigningKey | bytes | str,
        *,
        key_id: str,
        algorithm: str = "RS384",
        scope: str = "system/*.rs",
        jku: str | None = None,
        refresh_margin: float = 30.0,
        assertion_lifetime: float = 300.0,
        timeout: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self.key = private_key if not isinstance(private_key, bytes | str) else load_private_key(private_key)
        check_key(self.key, algorithm)
        self.key_id = key_id
        self.algorithm = algorithm
        self.scope = scope
        self.jku = jku
        self.refresh_margin = refresh_margin
        self.assertion_lifetime = min(assertion_lifetime, 300.0)  # the spec's ceiling: 5 minutes
        self.timeout = httpx.Timeout(timeout)
        self.clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0

    def assertion(self) -> str:
        """A fresh signed client assertion for the token endpoint."""
        now = self.clock()
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": self.token_url,
            "exp": int(now + self.assertion_lifetime),
            "iat": int(now),
            "jti": str(uuid.uuid4()),
        }
        headers = {"kid": self.key_id, **({"jku": self.jku} if self.jku else {})}
        return sign_jwt(claims, self.key, self.algorithm, headers)

    def token_request(self) -> httpx.Request:
        """The client-credentials request (RFC 6749 §4.4 with an RFC 7523 assertion)."""
        form = {
            "grant_type": "client_credentials",
            "scope": self.scope,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": self.assertion(),
        }
        return httpx.Request(
            "POST",
            self.token_url,
            content=urlencode(form).encode("ascii"),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
            extensions={"timeout": self.timeout.as_dict()},
        )

    def cached_token(self) -> str | None:
        """The cached access token if it is still good for ``refresh_margin`` seconds."""
        with self._lock:
            if self._token and self.clock() < self._expires_at - self.refresh_margin:
                return self._token
            return None

    def store(self, request: httpx.Request, response: httpx.Response) -> str:
        """Read the token endpoint's answer and cache the access token."""
        if response.status_code != 200:
            raise AuthError(request, response, None)
        try:
            body = orjson.loads(response.content)
            token, lifetime = str(body["access_token"]), float(body.get("expires_in", 300))
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise FhirResponseError(
                f"token endpoint {self.token_url}: no access_token in the answer", request, response
            ) from exc
        with self._lock:
            self._token, self._expires_at = token, self.clock() + lifetime
        return token

    def forget(self) -> None:
        """Drop the cached token (the server refused it)."""
        with self._lock:
            self._token, self._expires_at = None, 0.0

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Use the cached token or fetch one; on 401 to a cached token, fetch once more."""
        token = self.cached_token()
        fresh = token is None
        if token is None:
            token_request = self.token_request()
            token = self.store(token_request, (yield token_request))
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401 and not fresh:
            self.forget()
            token_request = self.token_request()
            token = self.store(token_request, (yield token_request))
            request.headers["Authorization"] = f"Bearer {token}"
            yield request
