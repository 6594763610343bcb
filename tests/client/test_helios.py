"""redbag against a third FHIR R4 server, helios-hfs 0.2.7 as installed (``make test-helios``; skipped
with the reason when it is not built). It states everything a red bag needs, so nothing is adapted."""

from __future__ import annotations

import pytest

from adapter.cli import main
from adapter.client import FhirClient
from adapter.exchange.compatibility import check_server
from adapter.exchange.needs import red_bag_needs

pytestmark = pytest.mark.helios


def test_helios_offers_what_a_red_bag_needs(helios_base_url: str) -> None:
    with FhirClient(helios_base_url) as client:
        report = check_server(client, red_bag_needs())
    assert report.software.startswith("Helios FHIR Server")
    assert {f.status for f in report.findings} == {"ok"}


def test_smoke_passes_against_helios(helios_base_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["smoke", "--server", helios_base_url]) == 0
    out = capsys.readouterr().out
    assert "7 of 7 checks passed" in out
    assert "MISSING" not in out and "ADAPT" not in out
