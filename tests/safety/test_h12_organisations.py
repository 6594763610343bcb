"""H12: one ODS code names one organisation; the destination is never the care home itself."""

from __future__ import annotations

from adapter.redbag import summary_violations
from tests.safety.conftest import example


def test_h12_destination_cannot_be_the_care_home() -> None:
    summary = example("dementia-dnacpr")
    summary["transfer"]["destination"]["odsCode"] = summary["careHome"]["odsCode"]
    assert any(v.path == "$.transfer.destination.odsCode" for v in summary_violations(summary))


def test_h12_one_ods_code_one_name() -> None:
    summary = example("dementia-dnacpr")
    summary["resident"]["gp"]["odsCode"] = summary["transfer"]["destination"]["odsCode"]
    assert any(
        v.rule == "organisations" and v.path == "$.transfer.destination.name"
        for v in summary_violations(summary)
    )
