"""Profiles: snapshots from differentials, cardinality, fixed/pattern values, slicing, type profiles,
meta.profile."""

from __future__ import annotations

from typing import Any

import pytest

from adapter.validation import Validator
from tests.validation.helpers import CORE, errors, patient, profile, where

BASE = "http://example.org/fhir/StructureDefinition/"
NHS = "https://fhir.nhs.uk/Id/nhs-number"


def _identifier_profile() -> dict[str, Any]:
    return profile(
        BASE + "pat-ids",
        CORE + "Patient",
        [
            {
                "path": "Patient.identifier",
                "min": 1,
                "slicing": {"discriminator": [{"type": "value", "path": "system"}], "rules": "closed"},
            },
            {"path": "Patient.identifier", "sliceName": "nhs", "min": 1, "max": "1"},
            {"path": "Patient.identifier.system", "fixedUri": NHS},
            {"path": "Patient.identifier.value", "min": 1},
            {"path": "Patient.identifier", "sliceName": "local", "max": "1"},
            {"path": "Patient.identifier.system", "fixedUri": "urn:local"},
            {"path": "Patient.gender", "fixedCode": "female"},
            {
                "path": "Patient.maritalStatus",
                "patternCodeableConcept": {
                    "coding": [
                        {"system": "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus", "code": "W"}
                    ]
                },
            },
        ],
    )


@pytest.fixture(scope="module")
def with_profile(validator: Validator) -> Validator:
    return validator.with_resources([_identifier_profile()])


def test_snapshot_is_generated_with_slices_and_their_children(with_profile: Validator) -> None:
    info = with_profile.profile(BASE + "pat-ids")
    ident = info.root.by_name["identifier"]
    assert ident.min == 1
    assert [s.slice_name for s in ident.slices] == ["nhs", "local"]
    nhs = ident.slices[0]
    assert nhs.by_name["system"].fixed == ("Uri", NHS)
    assert nhs.by_name["value"].min == 1
    assert nhs.path == "Patient.identifier" and nhs.id == "Patient.identifier:nhs"


def test_conforming_instance(with_profile: Validator) -> None:
    res = patient(
        identifier=[{"system": NHS, "value": "9000000009"}],
        gender="female",
        maritalStatus={
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus",
                    "code": "W",
                    "display": "Widowed",
                }
            ]
        },
    )
    assert errors(with_profile.validate_issues(res, BASE + "pat-ids")) == []


def test_required_slice_missing(with_profile: Validator) -> None:
    res = patient(identifier=[{"system": "urn:local", "value": "1"}], gender="female")
    issues = errors(with_profile.validate_issues(res, BASE + "pat-ids"))
    assert [(i.code, i.expression, i.rule) for i in issues] == [("structure", "Patient", "slice-min")]
    assert "Patient.identifier:nhs" in issues[0].message


def test_closed_slicing_rejects_other_items(with_profile: Validator) -> None:
    res = patient(
        identifier=[{"system": NHS, "value": "1"}, {"system": "urn:other", "value": "2"}], gender="female"
    )
    assert where(with_profile.validate_issues(res, BASE + "pat-ids")) == [
        ("structure", "Patient.identifier[1]")
    ]


def test_slice_max_and_slice_child_cardinality(with_profile: Validator) -> None:
    res = patient(identifier=[{"system": NHS, "value": "1"}, {"system": NHS}], gender="female")
    got = where(with_profile.validate_issues(res, BASE + "pat-ids"))
    assert ("structure", "Patient") in got  # nhs: max allowed = 1, but found 2
    assert ("structure", "Patient.identifier[1]") in got  # value: minimum required = 1


def test_fixed_and_pattern_values(with_profile: Validator) -> None:
    res = patient(
        identifier=[{"system": NHS, "value": "1"}],
        gender="male",
        maritalStatus={
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus", "code": "M"}]
        },
    )
    assert where(with_profile.validate_issues(res, BASE + "pat-ids")) == [
        ("value", "Patient.gender"),
        ("value", "Patient.maritalStatus"),
    ]


def test_meta_profile_is_honoured(with_profile: Validator) -> None:
    res = patient(meta={"profile": [BASE + "pat-ids"]}, gender="female")
    assert ("structure", "Patient") in where(with_profile.validate_issues(res))


def test_unknown_meta_profile_is_a_warning(validator: Validator) -> None:
    issues = validator.validate_issues(patient(meta={"profile": [BASE + "nowhere"]}))
    assert errors(issues) == []
    assert [(i.severity, i.expression) for i in issues] == [("warning", "Patient.meta.profile[0]")]


def test_ordered_slicing(validator: Validator) -> None:
    sd = profile(
        BASE + "ordered",
        CORE + "Patient",
        [
            {
                "path": "Patient.name",
                "slicing": {
                    "discriminator": [{"type": "value", "path": "use"}],
                    "ordered": True,
                    "rules": "open",
                },
            },
            {"path": "Patient.name", "sliceName": "official"},
            {"path": "Patient.name.use", "fixedCode": "official"},
            {"path": "Patient.name", "sliceName": "nick"},
            {"path": "Patient.name.use", "fixedCode": "nickname"},
        ],
    )
    v = validator.with_resources([sd])
    in_order = patient(name=[{"use": "official", "family": "A"}, {"use": "nickname", "given": ["B"]}])
    assert errors(v.validate_issues(in_order, BASE + "ordered")) == []
    swapped = patient(name=[{"use": "nickname", "given": ["B"]}, {"use": "official", "family": "A"}])
    assert where(v.validate_issues(swapped, BASE + "ordered")) == [("structure", "Patient.name[1]")]


def test_type_slicing_on_a_choice_and_renamed_choice_in_differential(validator: Validator) -> None:
    sd = profile(
        BASE + "obs-qty",
        CORE + "Observation",
        [
            {"path": "Observation.valueQuantity", "min": 1},
            {"path": "Observation.valueQuantity.system", "fixedUri": "http://unitsofmeasure.org"},
        ],
    )
    v = validator.with_resources([sd])
    obs = {"resourceType": "Observation", "status": "final", "code": {"text": "x"}}
    good = {**obs, "valueQuantity": {"value": 1, "system": "http://unitsofmeasure.org", "code": "kg"}}
    assert errors(v.validate_issues(good, BASE + "obs-qty")) == []
    wrong_type = {**obs, "valueString": "1 kg"}
    assert ("structure", "Observation.value.ofType(string)") in where(
        v.validate_issues(wrong_type, BASE + "obs-qty")
    )


def test_pattern_discriminator_and_exists_discriminator(validator: Validator) -> None:
    sd = profile(
        BASE + "obs-cat",
        CORE + "Observation",
        [
            {
                "path": "Observation.category",
                "slicing": {"discriminator": [{"type": "pattern", "path": "$this"}], "rules": "open"},
            },
            {
                "path": "Observation.category",
                "sliceName": "vs",
                "min": 1,
                "patternCodeableConcept": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                            "code": "vital-signs",
                        }
                    ]
                },
            },
            {
                "path": "Observation.component",
                "slicing": {"discriminator": [{"type": "exists", "path": "value"}], "rules": "closed"},
            },
            {"path": "Observation.component", "sliceName": "measured", "max": "1"},
            {"path": "Observation.component.value[x]", "min": 1},
        ],
    )
    v = validator.with_resources([sd])
    vs = {
        "coding": [
            {"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}
        ]
    }
    obs = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"text": "x"},
        "category": [vs],
        "component": [{"code": {"text": "c"}, "valueString": "v"}],
    }
    assert errors(v.validate_issues(obs, BASE + "obs-cat")) == []
    no_cat = {**obs, "category": [{"text": "other"}]}
    assert where(v.validate_issues(no_cat, BASE + "obs-cat")) == [("structure", "Observation")]
    no_value = {**obs, "component": [{"code": {"text": "c"}}]}
    assert ("structure", "Observation.component[0]") in where(v.validate_issues(no_value, BASE + "obs-cat"))


def test_type_profile_on_a_data_type(validator: Validator) -> None:
    addr = profile(
        BASE + "uk-address", CORE + "Address", [{"path": "Address.postalCode", "min": 1}], kind="complex-type"
    )
    pat = profile(
        BASE + "pat-addr",
        CORE + "Patient",
        [{"path": "Patient.address", "type": [{"code": "Address", "profile": [BASE + "uk-address"]}]}],
    )
    v = validator.with_resources([addr, pat])
    assert errors(v.validate_issues(patient(address=[{"postalCode": "LS1 1AA"}]), BASE + "pat-addr")) == []
    missing = patient(address=[{"city": "Leeds"}])
    assert where(v.validate_issues(missing, BASE + "pat-addr")) == [("structure", "Patient.address[0]")]


def test_profile_from_a_file(validator: Validator, tmp_path: Any) -> None:
    import json

    f = tmp_path / "sd.json"
    f.write_text(json.dumps(_identifier_profile()), encoding="utf-8")
    v = validator.with_definitions([f])
    assert v.profile(BASE + "pat-ids").url == BASE + "pat-ids"


def test_profile_discriminator_on_bundle_entries(validator: Validator) -> None:
    named = profile(BASE + "named-patient", CORE + "Patient", [{"path": "Patient.name", "min": 1}])
    bundle = profile(
        BASE + "one-named",
        CORE + "Bundle",
        [
            {
                "path": "Bundle.entry",
                "slicing": {"discriminator": [{"type": "profile", "path": "resource"}], "rules": "open"},
            },
            {"path": "Bundle.entry", "sliceName": "named", "min": 1, "max": "1"},
            {
                "path": "Bundle.entry.resource",
                "type": [{"code": "Patient", "profile": [BASE + "named-patient"]}],
            },
        ],
    )
    v = validator.with_resources([named, bundle])

    def entry(i: int, **fields: Any) -> dict[str, Any]:
        return {
            "fullUrl": f"urn:uuid:0b3c1d0e-2f0a-4c59-a0a8-6a0b6e2d7f0{i}",
            "resource": patient(id=f"p{i}", **fields),
        }

    ok = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [entry(1), entry(2, name=[{"family": "A"}])],
    }
    assert errors(v.validate_issues(ok, BASE + "one-named")) == []
    none = {"resourceType": "Bundle", "type": "collection", "entry": [entry(1)]}
    assert [i.rule for i in errors(v.validate_issues(none, BASE + "one-named"))] == ["slice-min"]
    two = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [entry(1, name=[{"family": "A"}]), entry(2, name=[{"family": "B"}])],
    }
    assert [i.rule for i in errors(v.validate_issues(two, BASE + "one-named"))] == ["cardinality"]
