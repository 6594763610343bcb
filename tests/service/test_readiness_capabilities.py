"""Readiness reads the FHIR server's CapabilityStatement: a server that cannot hold red bags is not ready."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.service.conftest import AppClient
from tests.service.helpers import make_settings

pytestmark = [pytest.mark.anyio, pytest.mark.sekmet]


async def test_readyz_names_what_the_fhir_server_lacks(
    app_client: AppClient, tmp_path: Path, sekmet_base_url: str
) -> None:
    async with app_client(make_settings(tmp_path, fhir_server=sekmet_base_url)) as api:
        answer = await api.get("/readyz")
    assert answer.status_code == 503
    [issue] = answer.json()["issue"]
    assert issue["diagnostics"] == (
        f"fhirServer: {sekmet_base_url} (SEKMET FHIR R4 Tester 0.1.0): does not offer what a red bag needs "
        "(Composition, List)"
    )


async def test_readyz_reports_an_unreadable_capability_statement(
    app_client: AppClient, tmp_path: Path, sekmet_base_url: str
) -> None:
    wrong_base = sekmet_base_url.removesuffix("/fhir") + "/not-fhir"
    async with app_client(make_settings(tmp_path, fhir_server=wrong_base)) as api:
        answer = await api.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["issue"][0]["diagnostics"].startswith(
        f"fhirServer: {wrong_base}: the CapabilityStatement cannot be read (HTTP 404"
    )
