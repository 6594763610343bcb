"""Primitive values: definition regexes, real dates, timezones, integers, base64, empty strings."""

from __future__ import annotations

import pytest

from adapter.validation import Validator
from tests.validation.helpers import errors, patient, where


@pytest.mark.parametrize(
    ("field", "value", "ok"),
    [
        ("birthDate", "1940-02-29", True),
        ("birthDate", "1941-02-29", False),  # not a real day
        ("birthDate", "not a date", False),
        ("birthDate", "1940-13", False),
        ("birthDate", "", False),
    ],
    ids=["leap-day", "no-such-day", "text", "month-13", "empty"],
)
def test_dates(validator: Validator, field: str, value: str, ok: bool) -> None:
    issues = validator.validate_issues(patient(**{field: value}))
    assert (errors(issues) == []) is ok
    if not ok:
        assert where(issues) == [("invalid", f"Patient.{field}")]


def test_date_time_needs_a_timezone_with_a_time(validator: Validator) -> None:
    obs = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"text": "x"},
        "effectiveDateTime": "2020-01-01T10:00:00",
    }
    issues = errors(validator.validate_issues(obs))
    assert [i.message for i in issues] == ["If a date has a time, it must have a timezone"]
    assert issues[0].expression == "Observation.effective.ofType(dateTime)"


def test_integer_ranges(validator: Validator) -> None:
    ok = patient(multipleBirthInteger=2)
    assert errors(validator.validate_issues(ok)) == []
    too_big = patient(multipleBirthInteger=2**31)
    assert where(validator.validate_issues(too_big)) == [("value", "Patient.multipleBirth.ofType(integer)")]


def test_positive_int_must_be_positive(validator: Validator) -> None:
    res = {
        "resourceType": "RiskAssessment",
        "status": "final",
        "subject": {"reference": "Patient/1"},
        "text": {"status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml">x</div>'},
        "meta": {"versionId": "1"},
    }
    assert errors(validator.validate_issues(res)) == []


def test_base64_must_be_base64(validator: Validator) -> None:
    res = patient(photo=[{"contentType": "image/png", "data": "not.base64"}])
    issues = errors(validator.validate_issues(res))
    assert [(i.code, i.expression) for i in issues] == [("structure", "Patient.photo[0].data")]
    assert "'.'" in issues[0].message


def test_attachment_size_must_match_data(validator: Validator) -> None:
    res = patient(photo=[{"contentType": "image/png", "data": "aGVsbG8=", "size": 3}])
    issues = errors(validator.validate_issues(res))
    assert [(i.code, i.expression) for i in issues] == [("structure", "Patient.photo[0]")]
    assert issues[0].message == "Stated Attachment Size 3 does not match actual attachment size 5"


def test_code_whitespace(validator: Validator) -> None:
    issues = validator.validate_issues(patient(gender=" male"))
    assert ("invalid", "Patient.gender") in where(issues)


def test_uri_without_whitespace(validator: Validator) -> None:
    issues = validator.validate_issues(patient(identifier=[{"system": "http://a b", "value": "1"}]))
    assert where(issues) == [("invalid", "Patient.identifier[0].system")]


def test_string_regex_uses_java_whitespace(validator: Validator) -> None:
    # \u00a0 is not whitespace for the HL7 validator's regexes: a string of it is a valid string
    assert errors(validator.validate_issues(patient(name=[{"text": "A\u00a0B"}]))) == []
