"""Reading write answers: ids and versions from Location, ETag or the body."""

from __future__ import annotations

import httpx
import pytest

from adapter.client import MethodOutcome

REQUEST = httpx.Request("PUT", "http://s/FHIR/Patient/1")


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        ({"Location": "http://s/FHIR/Patient/abc-1/_history/3"}, b"", ("abc-1", "3")),
        ({"Location": "http://s/FHIR/Patient/abc-1"}, b"", ("abc-1", None)),
        ({"Location": "https://s/R4/Observation/9/_history/2?_format=json"}, b"", ("9", "2")),
        ({"ETag": 'W/"7"'}, b'{"resourceType":"Patient","id":"p"}', ("p", "7")),
        ({}, b'{"resourceType":"Patient","id":"p","meta":{"versionId":"4"}}', ("p", "4")),
    ],
    ids=["location-versioned", "location-capitalised-base", "location-query", "etag", "body-meta"],
)
def test_id_and_version(headers: dict[str, str], body: bytes, expected: tuple[str, str | None]) -> None:
    outcome = MethodOutcome.of(REQUEST, httpx.Response(200, headers=headers, content=body))
    assert (outcome.id, outcome.version_id) == expected
    assert not outcome.created


def test_an_operation_outcome_body_is_kept_apart_from_the_resource() -> None:
    body = b'{"resourceType":"OperationOutcome","issue":[{"severity":"information","code":"informational"}]}'
    outcome = MethodOutcome.of(REQUEST, httpx.Response(201, content=body))
    assert outcome.created and outcome.resource is None
    assert outcome.outcome is not None and outcome.outcome["resourceType"] == "OperationOutcome"
