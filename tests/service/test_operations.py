"""POST /$convert and POST /$validate, in-process: JSON and XML both ways, contract errors as issues."""

from __future__ import annotations

import httpx
import orjson
import pytest

from adapter.fhir.xml import from_xml
from adapter.redbag import build_bundles, check_summary
from tests.service.helpers import example

pytestmark = pytest.mark.anyio
FHIR_JSON = {"Content-Type": "application/fhir+json"}


async def test_convert_answers_the_document_bundle(api: httpx.AsyncClient) -> None:
    summary = example("dementia-dnacpr")
    answer = await api.post("/$convert", content=orjson.dumps(summary), headers=FHIR_JSON)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/fhir+json; charset=utf-8"
    document, _ = build_bundles(check_summary(example("dementia-dnacpr")))
    assert answer.json() == document


async def test_convert_answers_the_transaction_on_request(api: httpx.AsyncClient) -> None:
    answer = await api.post(
        "/$convert", params={"type": "transaction"}, json=example("insulin-parkinsons"), headers=FHIR_JSON
    )
    assert answer.status_code == 200
    assert answer.json()["type"] == "transaction"


@pytest.mark.parametrize(
    ("how", "value"),
    [
        ("accept", "application/fhir+xml"),
        ("accept", "application/xml;q=0.9, text/html;q=0.1"),
        ("_format", "xml"),
    ],
)
async def test_convert_answers_fhir_xml_when_asked(api: httpx.AsyncClient, how: str, value: str) -> None:
    options: dict[str, dict[str, str]] = {"headers": {**FHIR_JSON}, "params": {}}
    options["headers" if how == "accept" else "params"][how] = value
    answer = await api.post("/$convert", json=example("no-known-allergies"), **options)  # type: ignore[arg-type]
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/fhir+xml; charset=utf-8"
    assert answer.content.startswith(b"<?xml")
    bundle = from_xml(answer.content, "Bundle")
    assert bundle["type"] == "document"
    assert bundle["entry"][0]["resource"]["resourceType"] == "Composition"


async def test_a_summary_breaking_the_contract_gets_every_problem_with_its_path(
    api: httpx.AsyncClient,
) -> None:
    summary = example("dementia-dnacpr")
    summary["resident"]["nhsNumber"] = "9434765918"
    del summary["author"]
    answer = await api.post("/$convert", json=summary, headers=FHIR_JSON)
    assert answer.status_code == 422
    outcome = answer.json()
    assert outcome["resourceType"] == "OperationOutcome"
    by_location = {i["location"][0]: i for i in outcome["issue"]}
    assert set(by_location) == {"$.resident.nhsNumber", "$.author"}
    assert by_location["$.author"]["code"] == "invalid"
    assert by_location["$.resident.nhsNumber"]["code"] == "business-rule"
    assert "9434765918" not in answer.text  # the contract masks it; so must we


async def test_a_body_that_is_not_json_is_a_400(api: httpx.AsyncClient) -> None:
    answer = await api.post("/$convert", content=b'{"bagNumber": ', headers=FHIR_JSON)
    assert answer.status_code == 400
    assert "malformed JSON at line 1" in answer.json()["issue"][0]["diagnostics"]
    latin1 = await api.post("/$convert", content=b'{"bagNumber": "Zo\xeb"}', headers=FHIR_JSON)
    assert latin1.status_code == 400
    assert "not UTF-8" in latin1.json()["issue"][0]["diagnostics"]


@pytest.mark.parametrize("content_type", ["application/fhir+xml", "text/plain", None])
async def test_a_summary_must_be_json(api: httpx.AsyncClient, content_type: str | None) -> None:
    sent = {"Content-Type": content_type} if content_type else {}
    answer = await api.post("/$convert", content=b"<x/>", headers=sent)
    assert answer.status_code == 415
    assert answer.json()["issue"][0]["code"] == "not-supported"


async def test_validate_reports_errors_of_a_resource(api: httpx.AsyncClient) -> None:
    patient = {"resourceType": "Patient", "gender": "robot", "birthDate": "1930-13-45"}
    answer = await api.post("/$validate", json=patient, headers=FHIR_JSON)
    assert answer.status_code == 200
    errors = [i for i in answer.json()["issue"] if i["severity"] == "error"]
    assert len(errors) >= 2


async def test_validate_accepts_a_valid_resource_in_json_xml_and_parameters(api: httpx.AsyncClient) -> None:
    patient = {"resourceType": "Patient", "gender": "female", "birthDate": "1930-02-01"}
    xml = (
        b'<Patient xmlns="http://hl7.org/fhir"><gender value="female"/>'
        b'<birthDate value="1930-02-01"/></Patient>'
    )
    parameters = {"resourceType": "Parameters", "parameter": [{"name": "resource", "resource": patient}]}
    for body, content_type in (
        (orjson.dumps(patient), "application/fhir+json"),
        (xml, "application/fhir+xml"),
        (orjson.dumps(parameters), "application/fhir+json"),
    ):
        answer = await api.post("/$validate", content=body, headers={"Content-Type": content_type})
        assert answer.status_code == 200, answer.text
        severities = {i["severity"] for i in answer.json()["issue"]}
        assert not severities & {"error", "fatal"}, answer.text


async def test_validate_names_profiles_by_url_never_by_path(api: httpx.AsyncClient) -> None:
    patient = {"resourceType": "Patient"}
    answer = await api.post("/$validate", params={"profile": "/etc/passwd"}, json=patient, headers=FHIR_JSON)
    assert answer.status_code == 400
    assert "canonical URL" in answer.json()["issue"][0]["diagnostics"]
    unknown = "https://example.org/StructureDefinition/nope"
    answer = await api.post("/$validate", params={"profile": unknown}, json=patient, headers=FHIR_JSON)
    assert answer.status_code == 400
    assert "not known" in answer.json()["issue"][0]["diagnostics"]


async def test_validate_needs_a_resource(api: httpx.AsyncClient) -> None:
    for body in (
        b"[1, 2]",
        b'{"no": "type"}',
        b'{"resourceType": "no such type"}',
        b'{"resourceType": "Parameters", "parameter": []}',
    ):
        answer = await api.post("/$validate", content=body, headers=FHIR_JSON)
        assert answer.status_code == 400, body
        assert answer.json()["resourceType"] == "OperationOutcome"


async def test_convert_answers_the_ips_view_on_request(api: httpx.AsyncClient) -> None:
    from adapter.redbag.ips import build_ips

    answer = await api.post(
        "/$convert", params={"profile": "ips"}, json=example("no-known-allergies"), headers=FHIR_JSON
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == build_ips(check_summary(example("no-known-allergies")))
    refused = await api.post(
        "/$convert",
        params={"profile": "ips", "type": "transaction"},
        json=example("no-known-allergies"),
        headers=FHIR_JSON,
    )
    assert refused.status_code == 400
    assert refused.json()["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_convert_answers_a_pointer_carrying_the_files_it_describes(
    api: httpx.AsyncClient, fmt: str
) -> None:
    import base64
    import hashlib

    from adapter.render import chromium_path
    from adapter.service.negotiation import render_fhir

    if chromium_path() is None:
        pytest.skip("Chromium is not installed (scripts/install-chromium.sh): the pointer's PDF is printed")
    summary = example("dementia-dnacpr")
    answer = await api.post(
        "/$convert", params={"type": "pointer", "_format": fmt}, json=summary, headers=FHIR_JSON
    )
    assert answer.status_code == 200, answer.text
    pointer = from_xml(answer.content, "DocumentReference") if fmt == "xml" else answer.json()
    document, pdf = (base64.b64decode(c["attachment"]["data"]) for c in pointer["content"])
    built, _ = build_bundles(check_summary(summary))
    assert document == render_fhir(built, fmt)  # the document exactly as $convert answers it
    assert pdf.startswith(b"%PDF")
    for data, c in zip((document, pdf), pointer["content"], strict=True):
        assert c["attachment"]["size"] == len(data)
        assert base64.b64decode(c["attachment"]["hash"]) == hashlib.sha1(data).digest()
