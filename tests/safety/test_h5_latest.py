"""H5: pull returns the latest red bag by time, shows its date, and says when a newer summary exists.

Runs against the real HAPI FHIR server.
"""

from __future__ import annotations

import pytest

from adapter.cli import main
from adapter.client import FhirClient
from adapter.exchange import pull_red_bag, push_transaction
from adapter.redbag import build_bundles, build_return_bundles
from tests.safety.conftest import example, fresh_nhs_number

pytestmark = pytest.mark.hapi


def _bag(nhs: str, created: str, departed: str) -> dict:
    summary = example("return-journey")
    summary["resident"]["nhsNumber"] = nhs
    summary["createdAt"] = created
    summary["transfer"]["departedAt"] = departed
    return summary


def test_h5_latest_transfer_wins_whatever_the_push_order(fhir: FhirClient) -> None:
    nhs = fresh_nhs_number()
    older = _bag(nhs, "2025-03-01T09:00:00+00:00", "2025-03-01T09:30:00+00:00")
    newer = _bag(nhs, "2025-06-01T09:00:00+01:00", "2025-06-01T09:30:00+01:00")
    push_transaction(fhir, build_bundles(newer)[1], "newer")
    push_transaction(fhir, build_bundles(older)[1], "older")  # an old bag re-sent late
    pulled = pull_red_bag(fhir, nhs)
    assert pulled.completed_at == newer["createdAt"]
    assert pulled.document["entry"][0]["resource"]["date"] == newer["createdAt"]
    assert pulled.newer == []
    assert newer["createdAt"] in pulled.describe(nhs)


def test_h5_a_newer_discharge_summary_is_announced(
    fhir: FhirClient, capsys: pytest.CaptureFixture[str], hapi_base_url: str, tmp_path
) -> None:
    nhs = fresh_nhs_number()
    summary = _bag(nhs, "2025-03-30T00:40:00+00:00", "2025-03-30T00:55:00+00:00")
    push_transaction(fhir, build_bundles(summary)[1], "out")
    _, back = build_return_bundles(summary, example("return-journey.discharge.json"))
    push_transaction(fhir, back, "back")
    pulled = pull_red_bag(fhir, nhs)
    assert pulled.completed_at == summary["createdAt"]
    assert pulled.newer and "Discharge summary" in pulled.newer[0]
    assert (
        main(["pull", "--server", hapi_base_url, "--nhs-number", nhs, "--out", str(tmp_path / "b.json")]) == 0
    )
    err = capsys.readouterr().err
    assert f"completed {summary['createdAt']}" in err and "a newer summary exists: Discharge summary" in err
    assert nhs not in err  # the NHS number is masked (hazard H9)
