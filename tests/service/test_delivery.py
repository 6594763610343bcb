"""Delivery to the real HAPI FHIR server: delivered, refused (with the server's OperationOutcome),
unreachable (retried, then failed), the return journey after the transfer, and pulling it back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import httpx
import pytest

from adapter.client import FhirClient
from adapter.redbag import document_to_summary, vocab
from tests.service.conftest import AppClient
from tests.service.helpers import FAST_DELIVERY, example, make_settings, unique_resident, wait_for_status

pytestmark = pytest.mark.anyio
FHIR_JSON = {"Content-Type": "application/fhir+json"}


def on_server(base_url: str, resource_type: str, bag: str) -> int:
    """How many resources of a type carry this bag number on the server."""
    with FhirClient(base_url) as fhir:
        return fhir.search(resource_type).where(identifier=f"{vocab.ID_BAG_NUMBER}|{bag}").count()


@pytest.fixture
async def delivering(
    app_client: AppClient, tmp_path: Path, hapi_base_url: str
) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(
        tmp_path, fhir_server=hapi_base_url, delivery=FAST_DELIVERY, validate_transfers=True
    )
    async with app_client(settings) as api:
        yield api


@pytest.mark.hapi
async def test_a_transfer_is_delivered_once_and_can_be_pulled_back(
    delivering: httpx.AsyncClient, hapi_base_url: str
) -> None:
    summary = unique_resident(example("dementia-dnacpr"))
    sent = await delivering.post("/transfers", json=summary, headers=FHIR_JSON)
    assert sent.status_code == 202
    view = await wait_for_status(delivering, sent.headers["location"], {"delivered", "failed"})
    assert (view["status"], view["attempts"], view["error"]) == ("delivered", 1, None), view
    assert on_server(hapi_base_url, "Encounter", summary["bagNumber"]) == 1
    # sending it again: the same transfer, nothing new on the server
    again = await delivering.post("/transfers", json=summary, headers=FHIR_JSON)
    assert again.headers["location"] == sent.headers["location"]
    pulled = await delivering.get(f"/residents/{summary['resident']['nhsNumber']}/red-bag")
    assert pulled.status_code == 200, pulled.text
    document = pulled.json()
    assert document["type"] == "document"
    assert document["entry"][0]["resource"]["resourceType"] == "Composition"
    assert document_to_summary(document)["bagNumber"] == summary["bagNumber"]


@pytest.mark.hapi
async def test_pulling_a_resident_the_server_does_not_know_is_404(delivering: httpx.AsyncClient) -> None:
    nhs = unique_resident(example("dementia-dnacpr"))["resident"]["nhsNumber"]
    answer = await delivering.get(f"/residents/{nhs}/red-bag")
    assert answer.status_code == 404
    assert answer.json()["issue"][0]["code"] == "not-found"
    assert (await delivering.get("/residents/9434765918/red-bag")).status_code == 422  # check digit


@pytest.mark.hapi
async def test_the_return_journey_is_delivered_after_the_transfer(
    delivering: httpx.AsyncClient, hapi_base_url: str
) -> None:
    summary = unique_resident(example("return-journey"))
    discharge = example("return-journey.discharge.json")
    discharge["bagNumber"] = summary["bagNumber"]
    out = await delivering.post("/transfers", json=summary, headers=FHIR_JSON)
    back = await delivering.post(f"{out.headers['location']}/return", json=discharge, headers=FHIR_JSON)
    assert back.status_code == 202, back.text
    returned = await wait_for_status(delivering, back.headers["location"], {"delivered", "failed"})
    outbound = await wait_for_status(delivering, out.headers["location"], {"delivered", "failed"})
    assert (outbound["status"], returned["status"]) == ("delivered", "delivered"), returned
    assert outbound["deliveredAt"] <= returned["deliveredAt"]
    with FhirClient(hapi_base_url) as fhir:
        [encounter] = fhir.search("Encounter").where(
            identifier=f"{vocab.ID_BAG_NUMBER}|{summary['bagNumber']}"
        )
    assert encounter["status"] == "finished"


@pytest.mark.hapi
async def test_a_transfer_the_server_refuses_fails_with_its_outcome(
    app_client: AppClient, tmp_path: Path, hapi_base_url: str
) -> None:
    # Fault injection: a base URL that is a resource type, so the server refuses the transaction.
    settings = make_settings(tmp_path, fhir_server=f"{hapi_base_url}/Patient", delivery=FAST_DELIVERY)
    async with app_client(settings) as api:
        sent = await api.post(
            "/transfers", json=unique_resident(example("dementia-dnacpr")), headers=FHIR_JSON
        )
        view = await wait_for_status(api, sent.headers["location"], {"delivered", "failed"})
    assert (view["status"], view["attempts"]) == ("failed", 1)  # a 4xx is not worth repeating
    assert view["error"].startswith("HTTP 4")
    assert view["outcome"]["resourceType"] == "OperationOutcome"
    assert view["outcome"]["issue"]


async def test_an_unreachable_server_is_retried_then_the_transfer_fails(
    app_client: AppClient, tmp_path: Path
) -> None:
    async with app_client(make_settings(tmp_path, delivery=FAST_DELIVERY)) as api:  # nothing listens
        sent = await api.post("/transfers", json=example("dementia-dnacpr"), headers=FHIR_JSON)
        seen = set()
        while (view := (await api.get(sent.headers["location"])).json())["status"] != "failed":
            seen.add(view["status"])
            if view["status"] == "retrying":
                assert view["deadlineAt"] is not None
            await anyio.sleep(0.05)
    assert "retrying" in seen
    assert view["attempts"] >= 2 and view["deadlineAt"] is None  # tried until its deadline
    assert "Connection refused" in view["error"] or "connect" in view["error"].lower()
    assert view["nextAttemptAt"] is None
