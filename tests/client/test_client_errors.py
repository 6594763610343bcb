"""One exception tree: each error status has its class, and every error carries outcome and request."""

from __future__ import annotations

import httpx
import orjson
import pytest

from adapter.client import (
    AuthError,
    BadRequestError,
    ConflictError,
    FhirClient,
    FhirClientError,
    FhirHttpError,
    FhirResponseError,
    GoneError,
    NotFoundError,
    PreconditionFailedError,
    RetryPolicy,
    ServerError,
    TooManyRequestsError,
    UnprocessableError,
)
from adapter.errors import RedbagError

BASE = "http://fhir.test/r4"


def answering(status: int, body: bytes = b"", content_type: str = "application/fhir+json") -> FhirClient:
    transport = httpx.MockTransport(
        lambda _: httpx.Response(status, content=body, headers={"Content-Type": content_type})
    )
    return FhirClient(BASE, transport=transport, retry=RetryPolicy(max_attempts=1))


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, BadRequestError),
        (401, AuthError),
        (403, AuthError),
        (404, NotFoundError),
        (405, FhirHttpError),
        (409, ConflictError),
        (410, GoneError),
        (412, PreconditionFailedError),
        (422, UnprocessableError),
        (429, TooManyRequestsError),
        (500, ServerError),
        (503, ServerError),
    ],
)
def test_status_maps_to_its_error_with_outcome_and_request(status: int, error: type[FhirHttpError]) -> None:
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "error",
                "code": "processing",
                "diagnostics": f"said {status}",
                "expression": ["Patient.birthDate"],
            }
        ],
    }
    with pytest.raises(error) as caught:
        answering(status, orjson.dumps(outcome)).read("Patient", "x")
    assert type(caught.value) is error
    assert isinstance(caught.value, FhirClientError) and isinstance(caught.value, RedbagError)
    assert caught.value.outcome == outcome
    assert caught.value.status == status
    assert caught.value.request.method == "GET" and caught.value.request.url.path == "/r4/Patient/x"
    assert f"said {status}" in str(caught.value) and "Patient.birthDate" in str(caught.value)


def test_an_error_page_that_is_not_an_outcome_still_raises_with_no_outcome() -> None:
    with pytest.raises(ServerError) as caught:
        answering(502, b"<html>Bad gateway</html>", "text/html").read("Patient", "x")
    assert caught.value.outcome is None


def test_a_success_that_is_not_json_is_a_response_error() -> None:
    with pytest.raises(FhirResponseError):
        answering(200, b"<html>login</html>", "text/html").read("Patient", "x")
