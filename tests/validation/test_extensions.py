"""Extensions: resolution by url, unknown extensions, context, modifier use, complex extensions."""

from __future__ import annotations

from adapter.validation import Options, Validator
from tests.validation.helpers import CORE, errors, patient, profile, where

BIRTH_PLACE = "http://hl7.org/fhir/StructureDefinition/patient-birthPlace"


def test_known_extension_is_validated_against_its_definition(validator: Validator) -> None:
    ok = patient(extension=[{"url": BIRTH_PLACE, "valueAddress": {"city": "Leeds"}}])
    assert errors(validator.validate_issues(ok)) == []
    wrong_type = patient(extension=[{"url": BIRTH_PLACE, "valueString": "Leeds"}])
    assert where(validator.validate_issues(wrong_type)) == [
        ("structure", "Patient.extension[0].value.ofType(string)")
    ]


def test_unknown_extension(validator: Validator) -> None:
    res = patient(extension=[{"url": "https://nowhere.test/ext", "valueString": "x"}])
    issues = validator.validate_issues(res)
    assert where(issues) == [("structure", "Patient.extension[0]")]
    assert issues[-1].rule == "ext-unknown"


def test_example_extensions_are_allowed_only_when_examples_are(validator: Validator) -> None:
    res = patient(extension=[{"url": "http://example.org/ext", "valueString": "x"}])
    assert errors(validator.validate_issues(res, options=Options(allow_examples=True))) == []
    strict = validator.validate_issues(res, options=Options())  # the default, as the HL7 validator's
    assert ("structure", "Patient.extension[0]") in where(strict)
    assert ("invalid", "Patient.extension[0].url") in where(strict)


def test_relative_extension_url(validator: Validator) -> None:
    res = patient(extension=[{"url": "local", "valueString": "x"}])
    assert where(validator.validate_issues(res)) == [("invalid", "Patient.extension[0]")]


def test_extension_context(validator: Validator) -> None:
    # patient-birthPlace may only be used on Patient
    org = {
        "resourceType": "Organization",
        "name": "x",
        "text": {"status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml">x</div>'},
        "extension": [{"url": BIRTH_PLACE, "valueAddress": {"city": "Leeds"}}],
    }
    issues = errors(validator.validate_issues(org))
    assert [(i.rule, i.expression) for i in issues] == [("ext-context", "Organization")]


def test_modifier_extension_must_be_a_modifier(validator: Validator) -> None:
    res = patient(modifierExtension=[{"url": BIRTH_PLACE, "valueAddress": {"city": "Leeds"}}])
    assert [i.rule for i in errors(validator.validate_issues(res))] == ["ext-modifier"]


def test_complex_extension_sub_extensions(validator: Validator) -> None:
    ext = profile(
        "http://example.org/ext/complex",
        CORE + "Extension",
        [
            {"path": "Extension", "min": 0, "max": "*"},
            {
                "path": "Extension.extension",
                "slicing": {"discriminator": [{"type": "value", "path": "url"}], "rules": "closed"},
            },
            {"path": "Extension.extension", "sliceName": "part", "min": 1, "max": "1"},
            {"path": "Extension.extension.url", "fixedUri": "part"},
            {"path": "Extension.extension.value[x]", "type": [{"code": "string"}]},
            {"path": "Extension.url", "fixedUri": "http://example.org/ext/complex"},
            {"path": "Extension.value[x]", "max": "0"},
        ],
        kind="complex-type",
        type="Extension",
        context=[{"type": "element", "expression": "Patient"}],
    )
    v = validator.with_resources([ext])
    good = patient(
        extension=[
            {"url": "http://example.org/ext/complex", "extension": [{"url": "part", "valueString": "x"}]}
        ]
    )
    assert errors(v.validate_issues(good)) == []
    missing = patient(
        extension=[
            {"url": "http://example.org/ext/complex", "extension": [{"url": "other", "valueString": "x"}]}
        ]
    )
    got = where(v.validate_issues(missing))
    assert ("structure", "Patient.extension[0]") in got  # the required 'part' slice
    assert ("structure", "Patient.extension[0].extension[0]") in got  # closed: 'other' is not allowed
