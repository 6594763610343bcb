"""GET /residents/{nhsNumber}/red-bag against the real HAPI FHIR server: the red bag, and the date and newer
summaries that keep an old red bag from being taken for the current one (hazard H5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapter.client import FhirClient
from adapter.exchange import push_transaction
from adapter.redbag import build_bundles, build_return_bundles
from tests.service.conftest import AppClient
from tests.service.helpers import example, make_settings, unique_resident

pytestmark = [pytest.mark.anyio, pytest.mark.hapi]


async def test_h5_the_pulled_red_bag_says_when_it_was_completed_and_what_is_newer(
    app_client: AppClient, tmp_path: Path, hapi_base_url: str
) -> None:
    summary = unique_resident(example("return-journey"))
    nhs = summary["resident"]["nhsNumber"]
    with FhirClient(hapi_base_url) as fhir:
        push_transaction(fhir, build_bundles(summary)[1], "out")
    async with app_client(make_settings(tmp_path, fhir_server=hapi_base_url)) as api:
        pulled = await api.get(f"/residents/{nhs}/red-bag")
        assert pulled.status_code == 200, pulled.text
        assert pulled.headers["x-redbag-completed-at"] == summary["createdAt"]
        assert pulled.json()["entry"][0]["resource"]["date"] == summary["createdAt"]
        assert "x-redbag-newer-summaries" not in pulled.headers
        with FhirClient(hapi_base_url) as fhir:  # the hospital's discharge summary arrives
            push_transaction(
                fhir, build_return_bundles(summary, example("return-journey.discharge.json"))[1], "back"
            )
        again = await api.get(f"/residents/{nhs}/red-bag", headers={"Accept": "application/fhir+xml"})
    assert again.status_code == 200
    assert again.headers["x-redbag-completed-at"] == summary["createdAt"]
    newer = again.headers["x-redbag-newer-summaries"]
    assert newer.startswith("Discharge summary of 2025-04-04T14:30:00+01:00"), newer
