"""GET /metadata, /healthz, /readyz and the OpenAPI document."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from adapter.fhir.xml import from_xml
from adapter.service.state import ValidatorLike
from tests.service.conftest import AppClient
from tests.service.helpers import make_settings

pytestmark = pytest.mark.anyio


async def test_metadata_is_a_valid_capability_statement(
    api: httpx.AsyncClient, validator: ValidatorLike
) -> None:
    answer = await api.get("/metadata")
    assert answer.status_code == 200
    statement = answer.json()
    assert (statement["resourceType"], statement["kind"], statement["fhirVersion"]) == (
        "CapabilityStatement",
        "instance",
        "4.0.1",
    )
    assert {op["name"] for op in statement["rest"][0]["operation"]} == {"convert", "validate"}
    problems = [i for i in validator.validate(statement)["issue"] if i["severity"] in ("error", "fatal")]
    assert not problems
    xml = await api.get("/metadata", params={"_format": "xml"})
    assert from_xml(xml.content, "CapabilityStatement")["software"]["name"] == "redbag"


async def test_healthz_answers_without_dependencies(api: httpx.AsyncClient) -> None:
    answer = await api.get("/healthz")
    assert (answer.status_code, answer.json()) == (200, {"status": "ok"})


async def test_readyz_names_each_dependency_that_is_down(api: httpx.AsyncClient) -> None:
    answer = await api.get("/readyz")  # the test settings point at a FHIR server that is not there
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "5"
    [issue] = answer.json()["issue"]
    assert issue["code"] == "transient" and issue["diagnostics"].startswith(
        "fhirServer: http://127.0.0.1:9/fhir"
    )


@pytest.mark.hapi
async def test_readyz_when_database_and_fhir_server_answer(
    app_client: AppClient, tmp_path: Path, hapi_base_url: str
) -> None:
    async with app_client(make_settings(tmp_path, fhir_server=hapi_base_url)) as api:
        answer = await api.get("/readyz")
    assert answer.status_code == 200, answer.text
    ready = answer.json()
    assert (ready["status"], ready["checks"]) == ("ready", {"database": "ok", "fhirServer": "ok"})
    assert ready["queue"]["failedTransfers"] == 0 and ready["queue"]["waitingTransfers"] == 0


async def test_the_openapi_document_carries_the_contract(api: httpx.AsyncClient) -> None:
    document = (await api.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    assert {"ResidentSummary", "Discharge", "OperationOutcome", "Bundle", "TransferView"} <= set(schemas)
    text = json.dumps(document)
    refs = set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', text))
    assert refs <= set(schemas), refs - set(schemas)
    assert "$defs" not in text
    convert = document["paths"]["/$convert"]["post"]
    assert convert["requestBody"]["content"]["application/fhir+json"]["schema"] == {
        "$ref": "#/components/schemas/ResidentSummary"
    }
    assert {"401", "413", "415", "422", "500"} <= set(convert["responses"])
    assert "HTTPValidationError" not in schemas  # 422s are OperationOutcomes, documented as such
    assert {"APIKeyHeader", "HTTPBearer"} <= set(document["components"]["securitySchemes"])
    assert "security" not in document["paths"]["/healthz"]["get"]
    assert (await api.get("/docs")).status_code == 200
