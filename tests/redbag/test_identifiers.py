"""Offline identifier checks: NHS number modulus 11, SNOMED CT / dm+d Verhoeff and partition."""

from __future__ import annotations

import pytest

from adapter.redbag.identifiers import (
    nhs_number_is_valid,
    ods_code_is_valid,
    sctid_problem,
    verhoeff_is_valid,
)


@pytest.mark.parametrize("number", ["9434765919", "9000000009", "4010232137"])
def test_valid_nhs_numbers(number: str) -> None:
    assert nhs_number_is_valid(number)


@pytest.mark.parametrize(
    "number", ["9434765918", "943476591", "94347659190", "943476591X", "1000000010", "٩٤٣٤٧٦٥٩١٩"]
)
def test_invalid_nhs_numbers(number: str) -> None:
    assert not nhs_number_is_valid(number)


@pytest.mark.parametrize(
    "code", ["716186003", "450476008", "322236009", "39732411000001106", "1102411000000102"]
)
def test_real_concept_ids_pass(code: str) -> None:
    assert sctid_problem(code) is None


def test_one_digit_typo_is_caught() -> None:
    assert sctid_problem("716186004") == "the Verhoeff check digit does not match: the code is mistyped"


def test_description_id_is_not_a_concept() -> None:
    # A description id (partition 01) with a valid check digit is still not a concept id.
    body = "12345601"
    digit = next(d for d in "0123456789" if verhoeff_is_valid(body + d))
    assert "partition identifier '01'" in str(sctid_problem(body + digit))


def test_ods_codes() -> None:
    assert ods_code_is_valid("RR801") and not ods_code_is_valid("rr801") and not ods_code_is_valid("R8")
