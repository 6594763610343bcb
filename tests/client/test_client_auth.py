"""Auth: bearer, basic, and SMART Backend Services against a local token endpoint."""

from __future__ import annotations

import time
from urllib.parse import parse_qsl

import httpx
import jwt
import orjson
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from adapter.client import AuthError, BasicAuth, BearerAuth, FhirClient, RetryPolicy, SmartBackendAuth

BASE = "http://fhir.test/r4"
TOKEN_URL = "http://auth.test/token"
CAPABILITY = orjson.dumps({"resourceType": "CapabilityStatement"})


PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey


def recording(seen: list[httpx.Request]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=CAPABILITY)

    return httpx.MockTransport(handler)


def test_bearer_token_is_sent() -> None:
    seen: list[httpx.Request] = []
    FhirClient(BASE, transport=recording(seen), auth=BearerAuth("abc")).capabilities()
    assert seen[0].headers["Authorization"] == "Bearer abc"


def test_basic_auth_is_sent() -> None:
    seen: list[httpx.Request] = []
    FhirClient(BASE, transport=recording(seen), auth=BasicAuth("user", "pass")).capabilities()
    assert seen[0].headers["Authorization"] == "Basic dXNlcjpwYXNz"


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


class TokenServer:
    """A token endpoint that checks the signed assertion like a SMART server, and a FHIR endpoint
    that accepts only tokens it issued and has not revoked."""

    def __init__(self, public_key: PublicKey, algorithm: str, clock: Clock, lifetime: int = 300) -> None:
        self.public_key = public_key
        self.clock = clock
        self.algorithm = algorithm
        self.lifetime = lifetime
        self.issued: list[str] = []
        self.revoked: set[str] = set()
        self.claims: list[dict[str, object]] = []
        self.refuse = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url == httpx.URL(TOKEN_URL):
            return self.token(request)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in self.issued or token in self.revoked:
            return httpx.Response(
                401,
                json={"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "login"}]},
            )
        return httpx.Response(200, content=CAPABILITY)

    def token(self, request: httpx.Request) -> httpx.Response:
        form = dict(parse_qsl(request.content.decode()))
        if self.refuse:
            return httpx.Response(400, json={"error": "invalid_client"})
        assert form["grant_type"] == "client_credentials"
        assert form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        assert form["scope"] == "system/*.rs"
        header = jwt.get_unverified_header(form["client_assertion"])
        assert (header["alg"], header["kid"], header["typ"]) == (self.algorithm, "key-1", "JWT")
        claims = jwt.decode(
            form["client_assertion"],
            self.public_key,
            algorithms=[self.algorithm],
            audience=TOKEN_URL,
            issuer="redbag-client",
            options={"require": ["exp", "jti"]},
            leeway=3600,
        )  # the test moves the client's clock; checked below instead
        assert claims["sub"] == "redbag-client"
        assert claims["exp"] - claims["iat"] <= 300
        assert claims["iat"] <= self.clock() < claims["exp"]
        self.claims.append(claims)
        token = f"token-{len(self.issued)}"
        self.issued.append(token)
        return httpx.Response(
            200,
            json={
                "access_token": token,
                "token_type": "bearer",
                "expires_in": self.lifetime,
                "scope": "system/*.rs",
            },
        )


def make_key(algorithm: str) -> tuple[bytes, PublicKey]:
    key = (
        rsa.generate_private_key(65537, 2048)
        if algorithm == "RS384"
        else ec.generate_private_key(ec.SECP384R1())
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return pem, key.public_key()


@pytest.mark.parametrize("algorithm", ["RS384", "ES384"])
def test_smart_backend_services_token_is_fetched_once_and_cached(algorithm: str) -> None:
    pem, public = make_key(algorithm)
    clock = Clock()
    server = TokenServer(public, algorithm, clock, lifetime=300)
    auth = SmartBackendAuth(TOKEN_URL, "redbag-client", pem, key_id="key-1", algorithm=algorithm, clock=clock)
    client = FhirClient(BASE, transport=httpx.MockTransport(server), auth=auth)
    client.capabilities()
    client.capabilities()
    assert server.issued == ["token-0"]
    clock.now += 280  # within the 30 s refresh margin of expiry: fetch a new one
    client.capabilities()
    assert server.issued == ["token-0", "token-1"]
    assert server.claims[0]["jti"] != server.claims[1]["jti"]


def test_a_revoked_cached_token_is_replaced_once() -> None:
    pem, public = make_key("RS384")
    server = TokenServer(public, "RS384", Clock())
    client = FhirClient(
        BASE,
        transport=httpx.MockTransport(server),
        # One clock for both sides: a second that ticks between them would fail the iat check.
        auth=SmartBackendAuth(TOKEN_URL, "redbag-client", pem, key_id="key-1", clock=server.clock),
    )
    client.capabilities()
    server.revoked.add("token-0")
    assert client.capabilities()["resourceType"] == "CapabilityStatement"
    assert server.issued == ["token-0", "token-1"]


def test_a_refused_token_request_is_an_auth_error() -> None:
    pem, public = make_key("ES384")
    server = TokenServer(public, "ES384", Clock())
    server.refuse = True
    client = FhirClient(
        BASE,
        transport=httpx.MockTransport(server),
        retry=RetryPolicy(max_attempts=1),
        auth=SmartBackendAuth(TOKEN_URL, "redbag-client", pem, key_id="key-1", algorithm="ES384"),
    )
    with pytest.raises(AuthError) as caught:
        client.capabilities()
    assert caught.value.status == 400
    assert caught.value.request.url == httpx.URL(TOKEN_URL)


def test_the_key_must_fit_the_algorithm() -> None:
    pem, _ = make_key("RS384")
    with pytest.raises(ValueError, match="ES384"):
        SmartBackendAuth(TOKEN_URL, "c", pem, key_id="k", algorithm="ES384")
