"""Rules of the HL7 validator that the validator mirrors, each named by its message id (``Issue.rule``)."""

from __future__ import annotations

from typing import Any

import pytest

from adapter.validation import Validator
from tests.validation.helpers import CORE, errors, patient, profile

TEXT = {"status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml">x</div>'}


def rules_at(issues: list[Any]) -> list[tuple[str | None, str]]:
    return [(i.rule, i.expression) for i in errors(issues)]


# -- Bundles --------------------------------------------------------------------------------------------


def _searchset(self_url: str, *entries: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "link": [{"relation": "self", "url": self_url}],
        "entry": list(entries),
    }


def test_search_results_have_ids_and_the_searched_type(validator: Validator) -> None:
    b = _searchset(
        "http://x.org/fhir/Patient?name=test",
        {"fullUrl": "http://x.org/fhir/Patient/1", "resource": patient(id="1"), "search": {"mode": "match"}},
        {
            "fullUrl": "urn:uuid:0a7d0c55-6b1e-4f7a-9a53-7d2f1c0e9b31",
            "resource": {**patient(), "id": None},
            "search": {"mode": "match"},
        },
        {
            "fullUrl": "http://x.org/fhir/Group/2",
            "resource": {"resourceType": "Group", "id": "2", "text": TEXT, "type": "person", "actual": True},
            "search": {"mode": "match"},
        },
        {
            "fullUrl": "http://x.org/fhir/Group/3",
            "resource": {"resourceType": "Group", "id": "3", "text": TEXT, "type": "person", "actual": True},
            "search": {"mode": "outcome"},
        },
    )
    del b["entry"][1]["resource"]["id"]
    assert rules_at(validator.validate_issues(b)) == [
        ("BUNDLE_SEARCH_ENTRY_NO_RESOURCE_ID", "Bundle.entry[1].resource"),
        ("BUNDLE_SEARCH_ENTRY_WRONG_RESOURCE_TYPE_MODE", "Bundle.entry[2].resource"),
        ("BUNDLE_SEARCH_ENTRY_WRONG_RESOURCE_TYPE_OUTCOME", "Bundle.entry[3].resource"),
    ]


def test_search_types_from_the_type_parameter(validator: Validator) -> None:
    b = _searchset(
        "http://x.org/fhir?_type=Patient,Group",
        {"fullUrl": "http://x.org/fhir/Patient/1", "resource": patient(id="1"), "search": {"mode": "match"}},
    )
    assert errors(validator.validate_issues(b)) == []


def test_a_full_url_naming_no_resource_type_is_not_a_restful_url(validator: Validator) -> None:
    b = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": "http://x.org/fhir/Patiant/p1", "resource": patient()}],  # (a misspelt type)
    }
    assert errors(validator.validate_issues(b)) == []
    b["entry"][0]["fullUrl"] = "http://x.org/fhir/Patient/p2"
    assert [i.rule for i in errors(validator.validate_issues(b))] == ["bundle-fullurl"]


# -- codes and URLs -------------------------------------------------------------------------------------


def test_coding_system_must_be_absolute_and_a_code_system(validator: Validator) -> None:
    res = patient(
        maritalStatus={
            "coding": [
                {"system": "marital", "code": "M"},
                {"system": "http://hl7.org/fhir/ValueSet/marital-status", "code": "M"},
            ]
        }
    )
    assert rules_at(validator.validate_issues(res)) == [
        ("Terminology_TX_System_Relative", "Patient.maritalStatus.coding[0].system"),
        ("Terminology_TX_System_ValueSet2", "Patient.maritalStatus.coding[1].system"),
    ]


def test_canonical_values_are_absolute_unless_fragments(validator: Validator) -> None:
    res = {
        "resourceType": "QuestionnaireResponse",
        "text": TEXT,
        "status": "completed",
        "questionnaire": "Questionnaire/q1",
    }
    [issue] = errors(validator.validate_issues(res))
    assert issue.expression == "QuestionnaireResponse.questionnaire"
    assert "Canonical URLs must be absolute" in issue.message
    res["questionnaire"] = "http://x.org/fhir/Questionnaire/q1"
    assert errors(validator.validate_issues(res)) == []


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("oid:1.2.3", "cannot start with oid:"),
        ("uuid:0a7d0c55-6b1e-4f7a-9a53-7d2f1c0e9b31", "cannot start with uuid:"),
        ("urn:uuid:0A7D0C55-6B1E-4F7A-9A53-7D2F1C0E9B31", "UUIDs must be valid and lowercase"),
        ("urn:uuid:not-a-uuid", "UUIDs must be valid and lowercase"),
        ("urn:oid:1..2", "OIDs must be valid"),
    ],
)
def test_uri_rules(validator: Validator, value: str, problem: str) -> None:
    res = patient(identifier=[{"system": value, "value": "1"}])
    [issue] = errors(validator.validate_issues(res))
    assert issue.expression == "Patient.identifier[0].system" and problem in issue.message


# -- narrative links -------------------------------------------------------------------------------------


def _with_div(div: str, **extra: Any) -> dict[str, Any]:
    return {"resourceType": "Patient", "text": {"status": "generated", "div": div}, **extra}


def test_internal_hyperlinks_must_resolve(validator: Validator) -> None:
    ns = 'xmlns="http://www.w3.org/1999/xhtml"'
    good = _with_div(
        f'<div {ns}><a name="top"/><p id="s1">x</p><a href="#s1">a</a><a href="#top">b</a></div>'
    )
    assert errors(validator.validate_issues(good)) == []
    bad = _with_div(f'<div {ns}><p><a href="#Patient_1">See above</a></p></div>')
    [issue] = errors(validator.validate_issues(bad))
    assert issue.rule == "Type_Specific_Checks_DT_XHTML_Resolve"
    assert issue.message == "Hyperlink '#Patient_1' at 'div/p/a' for 'See above' does not resolve"


def test_images_may_point_at_contained_resources(validator: Validator) -> None:
    ns = 'xmlns="http://www.w3.org/1999/xhtml"'
    pic = {"resourceType": "Binary", "id": "pic", "contentType": "image/png"}
    ok = _with_div(f'<div {ns}><img src="#pic" alt="x"/></div>', contained=[pic], photo=[{"url": "#pic"}])
    assert errors(validator.validate_issues(ok)) == []
    bad = _with_div(f'<div {ns}><img src="#11" alt="x"/></div>')
    assert [i.rule for i in errors(validator.validate_issues(bad))] == [
        "Type_Specific_Checks_DT_XHTML_Resolve_Img"
    ]


def test_hyperlinks_use_schemes_a_reader_can_follow(validator: Validator) -> None:
    ns = 'xmlns="http://www.w3.org/1999/xhtml"'
    ok = _with_div(f'<div {ns}><a href="mailto:a@b.org">mail</a> <a href="tel:+441234">call</a></div>')
    assert errors(validator.validate_issues(ok)) == []
    bad = _with_div(f'<div {ns}><a href="urn:uuid:0a7d0c55-6b1e-4f7a-9a53-7d2f1c0e9b31">GP</a></div>')
    assert [i.rule for i in errors(validator.validate_issues(bad))] == ["XHTML_URL_INVALID_SCHEME"]


# -- profiles --------------------------------------------------------------------------------------------


def _library_and_structure() -> list[dict[str, Any]]:
    """A section library (an abstract Composition profile with one slice per kind of section) and a
    document profile whose slices point at the library's slices with elementdefinition-profile-element."""
    cs = "http://example.org/cs/sections"
    lib_url = "http://example.org/sd/section-library"
    library = profile(
        lib_url,
        CORE + "Composition",
        [
            {
                "id": "Composition.section",
                "path": "Composition.section",
                "slicing": {"discriminator": [{"type": "pattern", "path": "code"}], "rules": "closed"},
            },
            {"id": "Composition.section:a", "path": "Composition.section", "sliceName": "a"},
            {
                "id": "Composition.section:a.code",
                "path": "Composition.section.code",
                "min": 1,
                "patternCodeableConcept": {"coding": [{"system": cs, "code": "a"}]},
            },
            {"id": "Composition.section:a.title", "path": "Composition.section.title", "min": 1},
        ],
        kind="complex-type",
        abstract=True,
    )

    def slice_to(name: str) -> dict[str, Any]:
        return {
            "id": f"Composition.section:{name}",
            "path": "Composition.section",
            "sliceName": name,
            "min": 1,
            "type": [
                {
                    "code": "BackboneElement",
                    "profile": [lib_url],
                    "_profile": [
                        {
                            "extension": [
                                {
                                    "url": "http://hl7.org/fhir/StructureDefinition/elementdefinition-profile-element",
                                    "valueString": "Composition.section:a",
                                }
                            ]
                        }
                    ],
                }
            ],
        }

    structure = profile(
        "http://example.org/sd/document",
        CORE + "Composition",
        [
            {
                "id": "Composition.section",
                "path": "Composition.section",
                "slicing": {"discriminator": [{"type": "pattern", "path": "code"}], "rules": "closed"},
            },
            slice_to("first"),
        ],
    )
    return [library, structure]


def _composition(section: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Composition",
        "text": TEXT,
        "status": "final",
        "type": {"text": "x"},
        "date": "2024-01-01",
        "title": "x",
        "author": [{"display": "x"}],
        "section": [section],
    }


def test_a_slice_can_take_its_definition_from_an_element_of_another_profile(validator: Validator) -> None:
    v = validator.with_resources(_library_and_structure())
    code = {"coding": [{"system": "http://example.org/cs/sections", "code": "a"}]}
    good = _composition({"title": "A", "code": code, "text": TEXT})
    assert errors(v.validate_issues(good, "http://example.org/sd/document")) == []
    untitled = _composition({"code": code, "text": TEXT})  # the library's slice needs a title
    [issue] = errors(v.validate_issues(untitled, "http://example.org/sd/document"))
    assert "Composition.section:a.title: minimum required = 1" in issue.message


def test_a_profile_discriminator_the_slice_puts_no_profile_on_does_not_tell_slices_apart(
    validator: Validator,
) -> None:
    fixed = profile(
        "http://example.org/sd/coding-x",
        CORE + "Coding",
        [{"id": "Coding.system", "path": "Coding.system", "fixedUri": "http://example.org/x"}],
        kind="complex-type",
    )
    sliced = profile(
        "http://example.org/sd/obs-sliced",
        CORE + "Observation",
        [
            {
                "id": "Observation.category",
                "path": "Observation.category",
                "slicing": {
                    "discriminator": [
                        {"type": "profile", "path": "coding"},
                        {"type": "profile", "path": "text"},
                    ],
                    "rules": "open",
                },
            },
            {"id": "Observation.category:x", "path": "Observation.category", "sliceName": "x", "min": 1},
            {
                "id": "Observation.category:x.coding",
                "path": "Observation.category.coding",
                "min": 1,
                "type": [{"code": "Coding", "profile": ["http://example.org/sd/coding-x"]}],
            },
        ],
    )
    v = validator.with_resources([fixed, sliced])
    obs = {
        "resourceType": "Observation",
        "text": TEXT,
        "status": "final",
        "code": {"text": "x"},
        "category": [{"coding": [{"system": "http://example.org/x", "code": "1"}]}],
    }
    assert errors(v.validate_issues(obs, "http://example.org/sd/obs-sliced")) == []


# -- StructureDefinitions --------------------------------------------------------------------------------


def _sd(elements: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "StructureDefinition",
        "url": "http://example.org/sd/checked",
        "name": "Checked",
        "status": "draft",
        "kind": "resource",
        "abstract": False,
        "type": extra.pop("type", "Observation"),
        "baseDefinition": extra.pop("baseDefinition", CORE + "Observation"),
        "derivation": "constraint",
        "differential": {"element": elements},
        **extra,
    }


def test_a_type_profile_must_profile_that_type(validator: Validator) -> None:
    sd = _sd(
        [
            {
                "id": "Observation.valueQuantity",
                "path": "Observation.valueQuantity",
                "type": [{"code": "Quantity", "profile": [CORE + "Count"]}],  # Count is a type of its own
            }
        ]
    )
    assert rules_at(validator.validate_issues(sd)) == [
        ("SD_ED_TYPE_PROFILE_WRONG", "StructureDefinition.differential.element[0].type[0].profile[0]")
    ]
    sd["differential"]["element"][0]["type"][0]["profile"] = [CORE + "SimpleQuantity"]
    assert errors(validator.validate_issues(sd)) == []


def test_differential_elements_follow_the_base_order(validator: Validator) -> None:
    sd = _sd(
        [
            {"id": "Observation.subject", "path": "Observation.subject", "min": 1},
            {"id": "Observation.status", "path": "Observation.status", "short": "x"},  # status comes first
        ]
    )
    assert [i.rule for i in errors(validator.validate_issues(sd))] == ["SNAPSHOT_NO_MATCH"] * 2
    sd["differential"]["element"].reverse()
    assert errors(validator.validate_issues(sd)) == []


def test_a_choice_path_names_a_type(validator: Validator) -> None:
    sd = _sd([{"id": "Observation.valueBla", "path": "Observation.valueBla", "short": "x"}])
    [issue] = errors(validator.validate_issues(sd))
    assert issue.rule == "ERROR_GENERATING_SNAPSHOT" and "Observation.value[x]" in issue.message


def test_a_derived_profile_keeps_fixed_values(validator: Validator) -> None:
    base = {
        **_sd(
            [{"id": "Extension.url", "path": "Extension.url", "fixedUri": "http://example.org/sd/ext-base"}],
            type="Extension",
            baseDefinition=CORE + "Extension",
        ),
        "url": "http://example.org/sd/ext-base",
        "name": "ExtBase",
        "kind": "complex-type",
        "context": [{"type": "element", "expression": "Element"}],
    }
    v = validator.with_resources([base])
    derived = {
        **base,
        "url": "http://example.org/sd/ext-derived",
        "name": "ExtDerived",
        "baseDefinition": "http://example.org/sd/ext-base",
        "differential": {
            "element": [
                {
                    "id": "Extension.url",
                    "path": "Extension.url",
                    "fixedUri": "http://example.org/sd/ext-derived",
                }
            ]
        },
    }
    assert [i.rule for i in errors(v.validate_issues(derived))] == ["PROFILE_FIXED_VALUE_CHANGED"]


def test_a_contained_only_reference_that_is_not_contained(validator: Validator) -> None:
    """Reference_REF_NotFound_Bundle: aggregation 'contained' (no 'referenced') and nothing contained."""
    only_contained = profile(
        "http://example.org/sd/obs-contained-subject",
        CORE + "Observation",
        [
            {
                "id": "Observation.subject",
                "path": "Observation.subject",
                "type": [
                    {"code": "Reference", "targetProfile": [CORE + "Patient"], "aggregation": ["contained"]}
                ],
            }
        ],
    )
    v = validator.with_resources([only_contained])
    obs = {"resourceType": "Observation", "text": TEXT, "status": "final", "code": {"text": "x"}}
    outside = {**obs, "subject": {"reference": "Patient/x"}}
    [issue] = errors(v.validate_issues(outside, only_contained["url"]))
    assert issue.message == "Bundled or contained reference not found within the bundle/resource Patient/x"
    inside = {**obs, "contained": [patient(id="cp")], "subject": {"reference": "#cp"}}
    assert errors(v.validate_issues(inside, only_contained["url"])) == []


def test_max_length_applies_to_strings_not_markdown(validator: Validator) -> None:
    short = profile(
        "http://example.org/sd/short-texts",
        CORE + "Observation",
        [
            {"id": "Observation.note", "path": "Observation.note"},
            {"id": "Observation.note.authorString", "path": "Observation.note.authorString", "maxLength": 3},
            {"id": "Observation.note.text", "path": "Observation.note.text", "maxLength": 3},
        ],
    )
    v = validator.with_resources([short])
    obs = {"resourceType": "Observation", "text": TEXT, "status": "final", "code": {"text": "x"}}
    long_markdown = {**obs, "note": [{"text": "abcdef"}]}
    assert errors(v.validate_issues(long_markdown, short["url"])) == []
    long_string = {**obs, "note": [{"text": "a", "authorString": "abcdef"}]}
    assert [i.expression for i in errors(v.validate_issues(long_string, short["url"]))] == [
        "Observation.note[0].author.ofType(string)"
    ]


def test_element_ids_are_unique_within_a_resource(validator: Validator) -> None:
    """DUPLICATE_ID: per resource; ElementDefinition ids per element list (snapshot and differential)."""
    res = patient(identifier=[{"id": "2", "value": "1"}], name=[{"id": "2", "family": "x"}])
    assert rules_at(validator.validate_issues(res)) == [("DUPLICATE_ID", "Patient.name[0]")]
    res["name"][0]["id"] = "3"
    assert errors(validator.validate_issues(res)) == []
    sd = _sd([{"id": "Observation.status", "path": "Observation.status", "short": "x"}])
    sd["snapshot"] = {"element": [{"id": "Observation.status", "path": "Observation.status"}]}
    assert "DUPLICATE_ID" not in {i.rule for i in errors(validator.validate_issues(sd))}


def test_contained_ids_are_unique(validator: Validator) -> None:
    org = {"resourceType": "Organization", "id": "o1", "name": "x"}
    res = patient(contained=[org, dict(org)], managingOrganization={"reference": "#o1"})
    assert rules_at(validator.validate_issues(res)) == [
        ("RESOURCE_DUPLICATE_CONTAINED_ID", "Patient.contained[1]")
    ]


def test_conditional_references_only_in_transactions(validator: Validator) -> None:
    res = patient(managingOrganization={"reference": "Organization?identifier=x"})
    assert [i.rule for i in errors(validator.validate_issues(res))] == ["REFERENCE_REF_QUERY_NOT_TRANSACTION"]
    tx = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:0a7d0c55-6b1e-4f7a-9a53-7d2f1c0e9b41",
                "resource": res,
                "request": {"method": "POST", "url": "Patient"},
            }
        ],
    }
    assert errors(validator.validate_issues(tx)) == []
