"""Invariants: core and profile constraints, FHIR functions added to fhirpathpy, and the fast path agreeing
with fhirpathpy."""

from __future__ import annotations

from typing import Any

import pytest

from adapter.validation import Validator
from adapter.validation.fhirpath_functions import CompiledPath, as_boolean
from tests.validation.helpers import CORE, errors, patient, profile


def _rules(v: Validator, res: Any, prof: str | None = None) -> list[tuple[str | None, str]]:
    return [(i.rule, i.expression) for i in errors(v.validate_issues(res, prof))]


def test_ele_1_on_an_empty_element(validator: Validator) -> None:
    res = patient(name=[{"id": "n1"}])
    assert _rules(validator, res) == [("ele-1", "Patient.name[0]")]


def test_resource_invariant(validator: Validator) -> None:
    ra = {
        "resourceType": "RiskAssessment",
        "status": "final",
        "subject": {"reference": "Patient/1"},
        "prediction": [{"probabilityDecimal": 101}],
    }
    assert _rules(validator, ra) == [("ras-2", "RiskAssessment.prediction[0]")]


def test_data_type_invariant(validator: Validator) -> None:
    obs = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"text": "x"},
        "valueQuantity": {"value": 1, "code": "kg"},
    }
    assert _rules(validator, obs) == [("qty-3", "Observation.value.ofType(Quantity)")]


def test_period_invariant_with_dates(validator: Validator) -> None:
    good = patient(address=[{"period": {"start": "2020-01-01", "end": "2021-01-01"}}])
    assert _rules(validator, good) == []
    bad = patient(address=[{"period": {"start": "2021-01-01", "end": "2020-01-01"}}])
    assert _rules(validator, bad) == [("per-1", "Patient.address[0].period")]


def test_ref_1_and_contained_resolution(validator: Validator) -> None:
    res = patient(generalPractitioner=[{"reference": "#missing"}])
    got = _rules(validator, res)
    assert ("ref-1", "Patient.generalPractitioner[0]") in got
    assert ("ref-contained", "Patient.generalPractitioner[0]") in got


def test_profile_invariant_with_resolve_and_member_of(validator: Validator) -> None:
    sd = profile(
        "http://example.org/sd/inv",
        CORE + "Patient",
        [
            {
                "path": "Patient",
                "constraint": [
                    {
                        "key": "inv-gp",
                        "severity": "error",
                        "human": "GP must be a Practitioner",
                        "expression": "generalPractitioner.all(resolve() is Practitioner)",
                    },
                    {
                        "key": "inv-gender",
                        "severity": "error",
                        "human": "gender from the core value set",
                        "expression": "gender.memberOf('http://hl7.org/fhir/ValueSet/administrative-gender')",
                    },
                ],
            }
        ],
    )
    v = validator.with_resources([sd])
    org = {"resourceType": "Organization", "id": "o", "name": "GP practice"}
    res = patient(gender="male", contained=[org], generalPractitioner=[{"reference": "#o"}])
    assert _rules(v, res, "http://example.org/sd/inv") == [("inv-gp", "Patient")]


def test_warning_invariant_does_not_fail(validator: Validator) -> None:
    res = {"resourceType": "Patient", "id": "x"}  # dom-6: no narrative (a warning)
    issues = validator.validate_issues(res)
    assert errors(issues) == []
    assert [(i.severity, i.rule) for i in issues] == [("warning", "dom-6")]


DATA = {
    "resourceType": "Observation",
    "status": "final",
    "code": {"coding": [{"system": "s", "code": "c"}]},
    "valueQuantity": {"value": 3, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"},
    "component": [{"code": {"text": "a"}, "valueString": "x"}, {"code": {"text": "b"}}],
    "effectivePeriod": {"start": "2020-01-01", "end": "2020-02-01"},
}


@pytest.mark.parametrize(
    "expression",
    [
        "value.exists() and component.count() = 2",
        "component.where(value.exists()).count() = 1",
        "component.all(code.exists())",
        "code.coding.code in ('c' | 'd')",
        "value.code = %ucum or value.system = %ucum",
        "status != 'final' implies value.empty()",
        "(component.code.text | 'z').count() = 3",
        "component.select(code.text).isDistinct()",
        "value.value > 2 and value.value <= 3.0",
        "code.coding.first().code.startsWith('c') xor false",
        "effective.start.hasValue().not() or (effective.start <= effective.end)",
        "value.is(Quantity)",
        "component.exists(value.exists()).not()",
        "code.coding.code.matches('^[a-z]+$') and 'ab'.length() = 2",
    ],
)
def test_fast_path_agrees_with_fhirpathpy(expression: str) -> None:
    compiled = CompiledPath(expression)
    assert compiled.error is None
    slow = CompiledPath(expression)
    slow.fast = None  # force fhirpathpy
    want = as_boolean(slow.evaluate(DATA, "Observation", DATA, DATA))
    got = as_boolean(compiled.evaluate(DATA, "Observation", DATA, DATA))
    assert got == want


def test_fast_path_covers_most_core_invariants() -> None:
    compiled = [
        CompiledPath(e)
        for e in (
            "code.empty() or system.exists()",
            "contained.contained.empty()",
            "comparator.empty()",
            "low.empty() or high.empty() or (low <= high)",
        )
    ]
    assert all(c.fast is not None for c in compiled)


def test_conforms_to_runs_through_the_fhirpathpy_fallback(validator: Validator) -> None:
    named = profile("http://example.org/sd/named", CORE + "Patient", [{"path": "Patient.name", "min": 1}])
    sd = profile(
        "http://example.org/sd/link-named",
        CORE + "Patient",
        [
            {
                "path": "Patient",
                "constraint": [
                    {
                        "key": "inv-link",
                        "severity": "error",
                        "human": "linked patients are named",
                        "expression": "link.other.resolve().all(conformsTo('http://example.org/sd/named'))",
                    }
                ],
            }
        ],
    )
    v = validator.with_resources([named, sd])
    assert CompiledPath("link.other.resolve().all(conformsTo('x'))").fast is None
    unnamed = {"resourceType": "Patient", "id": "o"}
    res = patient(contained=[unnamed], link=[{"other": {"reference": "#o"}, "type": "seealso"}])
    assert _rules(v, res, "http://example.org/sd/link-named") == [("inv-link", "Patient")]
    unnamed["name"] = [{"family": "B"}]
    assert _rules(v, res, "http://example.org/sd/link-named") == []
