"""Structure: unknown elements, cardinality, JSON shape, types and choice types, contentReference."""

from __future__ import annotations

from adapter.validation import Validator
from tests.validation.helpers import errors, patient, where


def test_valid_patient_has_no_errors(validator: Validator) -> None:
    res = patient(name=[{"family": "Smith", "given": ["Ann"]}], gender="female", birthDate="1940-02-29")
    assert errors(validator.validate_issues(res)) == []


def test_unknown_property_is_reported_at_its_parent(validator: Validator) -> None:
    issues = validator.validate_issues(patient(name=[{"family": "Smith", "nickname": "Annie"}]))
    assert where(issues) == [("structure", "Patient.name[0]")]
    assert "Unrecognized property 'nickname'" in errors(issues)[0].message


def test_missing_required_element_names_the_element_and_profile(validator: Validator) -> None:
    issues = validator.validate_issues({"resourceType": "Observation", "status": "final"})
    assert where(issues) == [("structure", "Observation")]
    assert errors(issues)[0].message.startswith("Observation.code: minimum required = 1, but only found 0")


def test_too_many_values_for_a_single_element(validator: Validator) -> None:
    issues = validator.validate_issues(patient(gender=["male", "female"]))
    assert ("structure", "Patient.gender") in where(issues)


def test_array_expected_for_a_repeating_element(validator: Validator) -> None:
    issues = validator.validate_issues(patient(name={"family": "Smith"}))
    assert ("structure", "Patient.name") in where(issues)
    assert "must be a JSON Array" in errors(issues)[0].message


def test_empty_array_and_empty_object(validator: Validator) -> None:
    issues = validator.validate_issues(patient(name=[], maritalStatus={}))
    assert ("invalid", "Patient.name") in where(issues)
    assert ("invalid", "Patient.maritalStatus") in where(issues)


def test_null_array_item(validator: Validator) -> None:
    issues = validator.validate_issues(patient(name=[{"family": "A"}, None]))
    assert ("structure", "Patient.name[1]") in where(issues)


def test_choice_type_by_suffix(validator: Validator) -> None:
    good = patient(deceasedBoolean=False)
    assert errors(validator.validate_issues(good)) == []
    bad = patient(deceasedQuantity={"value": 1})
    assert where(validator.validate_issues(bad)) == [("structure", "Patient.deceased.ofType(Quantity)")]
    unknown = patient(deceasedFoo=True)
    assert where(validator.validate_issues(unknown)) == [("structure", "Patient")]


def test_wrong_json_type_for_a_primitive(validator: Validator) -> None:
    issues = validator.validate_issues(patient(active="yes"))
    assert where(issues) == [("structure", "Patient.active")]


def test_primitive_extension_must_align_with_its_values(validator: Validator) -> None:
    ext = {
        "extension": [
            {"url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason", "valueCode": "unknown"}
        ]
    }
    aligned = patient(name=[{"given": ["A", None], "_given": [None, ext]}])
    assert errors(validator.validate_issues(aligned)) == []
    misaligned = patient(name=[{"given": ["A"], "_given": [None, ext]}])
    issues = validator.validate_issues(misaligned)
    assert errors(issues) == []  # the HL7 validator reads them position by position: a warning, no error
    assert ("warning", "Patient.name[0].given") in [(i.severity, i.expression) for i in issues]


def test_content_reference_is_followed(validator: Validator) -> None:
    q = {
        "resourceType": "Questionnaire",
        "status": "draft",
        "item": [{"linkId": "1", "type": "group", "item": [{"linkId": "1.1", "type": "string", "bogus": 1}]}],
    }
    assert where(validator.validate_issues(q)) == [("structure", "Questionnaire.item[0].item[0]")]


def test_contained_resources_are_validated(validator: Validator) -> None:
    res = patient(
        contained=[{"resourceType": "Organization", "id": "o1", "name": "x", "bogus": 1}],
        managingOrganization={"reference": "#o1"},
    )
    assert where(validator.validate_issues(res)) == [("structure", "Patient.contained[0]")]


def test_unreferenced_contained_resource_fails_dom_3(validator: Validator) -> None:
    res = patient(contained=[{"resourceType": "Organization", "id": "o1", "name": "x"}])
    issues = errors(validator.validate_issues(res))
    assert [(i.rule, i.expression) for i in issues] == [("dom-3", "Patient")]


def test_resource_id_rules(validator: Validator) -> None:
    issues = validator.validate_issues(patient(id="bad id"))
    assert ("invalid", "Patient.id") in where(issues)


def test_unknown_resource_type(validator: Validator) -> None:
    assert where(validator.validate_issues({"resourceType": "Patientt"})) == [("structure", "Patientt")]


def test_outcome_is_an_operation_outcome(validator: Validator) -> None:
    outcome = validator.validate(patient())
    assert outcome["resourceType"] == "OperationOutcome"
    assert all({"severity", "code", "diagnostics"} <= set(i) for i in outcome["issue"])
