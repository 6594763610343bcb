"""Every error is an OperationOutcome: 400, 401, 404, 405, 406, 413, 415, 422, 500 (in JSON or XML)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import orjson
import pytest

from adapter.fhir.xml import from_xml
from adapter.service.routers import operations
from tests.service.conftest import AppClient
from tests.service.helpers import example, make_settings

pytestmark = pytest.mark.anyio
FHIR_JSON = {"Content-Type": "application/fhir+json"}


def assert_outcome(answer: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/fhir+json; charset=utf-8"
    outcome: dict[str, object] = answer.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == code  # type: ignore[index]
    return outcome


async def test_404_for_an_unknown_path_and_an_unknown_transfer(api: httpx.AsyncClient) -> None:
    assert_outcome(await api.get("/no/such/thing"), 404, "not-found")
    assert_outcome(await api.get(f"/transfers/{uuid.uuid4()}"), 404, "not-found")


async def test_405_names_the_allowed_methods(api: httpx.AsyncClient) -> None:
    answer = await api.delete("/$convert")
    assert_outcome(answer, 405, "not-supported")
    assert answer.headers["allow"] == "POST"
    both = await api.put("/transfers")  # two routes share the path: GET and POST
    assert_outcome(both, 405, "not-supported")
    assert both.headers["allow"] == "GET, POST"


async def test_406_when_the_caller_accepts_neither_json_nor_xml(api: httpx.AsyncClient) -> None:
    answer = await api.post(
        "/$convert", json=example("dementia-dnacpr"), headers={**FHIR_JSON, "Accept": "text/html"}
    )
    assert_outcome(answer, 406, "not-supported")


async def test_422_for_invalid_parameters_names_each(api: httpx.AsyncClient) -> None:
    answer = await api.get("/transfers", params={"status": "lost", "limit": 0})
    outcome = assert_outcome(answer, 422, "invalid")
    locations = sorted(i["location"][0] for i in outcome["issue"])  # type: ignore[attr-defined]
    assert locations == ["query.limit", "query.status"]
    assert_outcome(await api.get("/transfers/not-a-uuid"), 422, "invalid")


async def test_errors_come_as_fhir_xml_when_asked(api: httpx.AsyncClient) -> None:
    answer = await api.get("/no/such/thing", headers={"Accept": "application/fhir+xml"})
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/fhir+xml; charset=utf-8"
    outcome = from_xml(answer.content, "OperationOutcome")
    assert outcome["issue"][0]["code"] == "not-found"


@pytest.fixture
async def small_limit(app_client: AppClient, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(make_settings(tmp_path, max_body_bytes=4096)) as client:
        yield client


async def test_413_by_content_length_before_reading(small_limit: httpx.AsyncClient) -> None:
    body = orjson.dumps(example("many-belongings"))
    assert len(body) > 4096
    answer = await small_limit.post("/$convert", content=body, headers=FHIR_JSON)
    outcome = assert_outcome(answer, 413, "too-long")
    assert "4096 bytes" in outcome["issue"][0]["diagnostics"]  # type: ignore[index]


async def test_413_for_a_chunked_body_that_grows_too_large(small_limit: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"bagNumber": "'
        for _ in range(10):
            yield b"x" * 1000
        yield b'"}'

    answer = await small_limit.post("/$convert", content=chunks(), headers=FHIR_JSON)
    assert "content-length" not in answer.request.headers
    assert_outcome(answer, 413, "too-long")


async def test_a_body_under_the_limit_is_read(small_limit: httpx.AsyncClient) -> None:
    answer = await small_limit.post("/$validate", json={"resourceType": "Patient"}, headers=FHIR_JSON)
    assert answer.status_code == 200


async def test_500_is_an_outcome_naming_the_request_and_the_log_is_masked(
    api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    summary = example("dementia-dnacpr")
    family = summary["resident"]["name"]["family"]
    nhs = summary["resident"]["nhsNumber"]

    def broken(*_: object, **__: object) -> object:  # fault injection: a bug deep in the conversion
        raise RuntimeError(f"cannot place {family} ({nhs})")

    monkeypatch.setattr(operations, "build_bundles", broken)
    with caplog.at_level(logging.ERROR, logger="adapter.service"):
        answer = await api.post("/$convert", json=summary, headers={**FHIR_JSON, "X-Request-ID": "req-500"})
    outcome = assert_outcome(answer, 500, "exception")
    assert answer.headers["x-request-id"] == "req-500"
    diagnostics = outcome["issue"][0]["diagnostics"]  # type: ignore[index]
    assert "req-500" in diagnostics and family not in diagnostics and "RuntimeError" not in diagnostics
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "RuntimeError: cannot place" in logged  # the traceback is kept...
    assert family not in logged and nhs not in logged  # ...without the resident's name or NHS number
    assert f"*******{nhs[-3:]}" in logged


async def test_h1_an_incomplete_red_bag_is_an_outcome_and_nothing_is_queued(
    api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The completeness control's refusal, on $convert and on /transfers, is an OperationOutcome that says
    what was lost (never a bare 500 or a traceback), and no transfer is queued."""
    import adapter.redbag.bundles as bundles

    real = bundles.add_allergies
    monkeypatch.setattr(bundles, "add_allergies", lambda ctx: real(ctx)[1:])  # fault injection
    summary = example("dementia-dnacpr")
    for path in ("/$convert", "/transfers"):
        answer = await api.post(path, json=summary, headers=FHIR_JSON)
        outcome = assert_outcome(answer, 500, "incomplete")
        diagnostics = outcome["issue"][0]["diagnostics"]  # type: ignore[index]
        assert "output is incomplete: allergy http://snomed.info/sct|764146007 is missing" in diagnostics
        assert "Traceback" not in answer.text
    assert (await api.get("/transfers")).json()["count"] == 0
