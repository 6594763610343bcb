"""redbag against a second, independent FHIR R4 server: sekmet-fhir 0.1.1 (tests/fixtures_sekmet.py).

Its CapabilityStatement lists neither List nor Composition, which every red bag holds: smoke, pull and
readiness must say so before anything is written (push: tests/safety/test_h32_server_capabilities.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from adapter.cli import main
from adapter.client import FhirClient
from adapter.exchange.compatibility import check_server
from adapter.exchange.needs import red_bag_needs
from tests.capability_statements import has_row

pytestmark = pytest.mark.sekmet
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "dementia-dnacpr.summary.json"
MISSING_ROW = ("MISSING", "push", "conditional update on identifier", "Composition, List")
MISSING_PULL = ("MISSING", "pull", "search by subject,type", "Composition")


def patients(base_url: str) -> int:
    with FhirClient(base_url) as client:
        return client.search("Patient").count()


def test_sekmet_offers_all_but_list_and_composition(sekmet_base_url: str) -> None:
    with FhirClient(sekmet_base_url) as client:
        report = check_server(client, red_bag_needs())
    assert report.software.startswith("SEKMET FHIR R4 Tester")
    assert {f.need.resource_type for f in report.blocking()} == {"List", "Composition"}
    assert report.batch_reads and report.by_id == frozenset()


def test_smoke_against_sekmet_reports_list_and_composition_before_any_write(
    sekmet_base_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = patients(sekmet_base_url)
    assert main(["smoke", "--server", sekmet_base_url]) == 1
    out = capsys.readouterr().out
    assert has_row(out, *MISSING_ROW) and has_row(out, *MISSING_PULL)
    assert (
        "capabilities            FAIL" in out
        and "does not offer what a red bag needs (Composition, List" in out
    )
    assert "push                    FAIL     0.00s  not run (an earlier step failed)" in out
    assert patients(sekmet_base_url) == before


def test_pull_from_sekmet_is_refused_by_its_capabilities(
    sekmet_base_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["pull", "--server", sekmet_base_url, "--nhs-number", "9990000018"]) == 1
    err = capsys.readouterr().err
    assert has_row(err, *MISSING_PULL)
    assert "redbag pull: nothing pulled (--force tries anyway)" in err


def test_an_unreadable_capability_statement_is_reported_as_such(
    sekmet_base_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong_base = sekmet_base_url.removesuffix("/fhir") + "/not-fhir"
    assert main(["push", str(EXAMPLE), "--server", wrong_base]) == 1
    err = capsys.readouterr().err
    assert f"{wrong_base}: the CapabilityStatement cannot be read (HTTP 404" in err
    assert "nothing sent" in err
