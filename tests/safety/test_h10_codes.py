"""H10: a mistyped NHS number, SNOMED CT / dm+d id or ODS code is rejected, not passed on."""

from __future__ import annotations

import pytest

from adapter.redbag import summary_violations
from tests.safety.conftest import example


def test_h10_nhs_number_typo_is_rejected() -> None:
    summary = example("dementia-dnacpr")
    good = summary["resident"]["nhsNumber"]
    summary["resident"]["nhsNumber"] = good[:-1] + str((int(good[-1]) + 1) % 10)
    assert any(v.rule == "nhs-number" for v in summary_violations(summary))


@pytest.mark.parametrize("field", ["conditions", "medications", "allergies"])
def test_h10_one_digit_typo_in_a_clinical_code_is_rejected(field: str) -> None:
    summary = example("dementia-dnacpr")
    code = summary[field][0]["code"]
    code["code"] = code["code"][:-2] + str((int(code["code"][-2]) + 1) % 10) + code["code"][-1]
    found = summary_violations(summary)
    assert any(v.path == f"$.{field}[0].code.code" and v.rule == "code-check" for v in found), found


def test_h10_transposed_digits_are_rejected() -> None:
    summary = example("dementia-dnacpr")
    code = summary["conditions"][0]["code"]
    digits = code["code"]
    code["code"] = digits[1] + digits[0] + digits[2:]
    assert digits[0] != digits[1]
    assert any(v.rule == "code-check" for v in summary_violations(summary))


def test_h10_ods_code_format_is_checked() -> None:
    summary = example("dementia-dnacpr")
    summary["careHome"]["odsCode"] = "vn4-r7"
    assert any(v.path == "$.careHome.odsCode" for v in summary_violations(summary))
