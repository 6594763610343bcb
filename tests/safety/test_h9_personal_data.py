"""H9: personal data never appears in error messages."""

from __future__ import annotations

from adapter.redbag import summary_violations
from tests.safety.conftest import example


def test_h9_contract_errors_do_not_echo_personal_values() -> None:
    summary = example("dementia-dnacpr")
    summary["resident"]["nhsNumber"] = "9434765918"
    summary["resident"]["name"]["family"] = " Thwaite "
    summary["resident"]["birthDate"] = "1937-02-30x"
    summary["contacts"][0]["phone"] = "call Mrs Thwaite"
    messages = " ".join(str(v) for v in summary_violations(summary))
    for secret in ("9434765918", "Thwaite", "1937-02-30x", "call Mrs"):
        assert secret not in messages
    assert "$.resident.name.family" in messages and "withheld" in messages
    assert "*******918" in messages
