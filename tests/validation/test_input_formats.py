"""JSON and XML input: malformed JSON positions, safe XML (XXE, entity expansion), XML to JSON."""

from __future__ import annotations

import time
from pathlib import Path

from adapter.validation import Validator
from tests.validation.helpers import errors, where

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Patient [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Patient xmlns="http://hl7.org/fhir"><id value="x"/><name><family value="&xxe;"/></name></Patient>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Patient xmlns="http://hl7.org/fhir"><name><family value="&lol9;"/></name></Patient>"""


def test_malformed_json_gives_line_and_column(validator: Validator) -> None:
    issues = validator.validate_issues('{\n  "resourceType": "Patient",\n  "active": tru\n}')
    assert len(issues) == 1
    issue = issues[0]
    assert (issue.severity, issue.code, issue.line, issue.column) == ("fatal", "invalid", 3, 13)
    assert "line 3, column 13" in issue.message


def test_json_that_is_not_an_object(validator: Validator) -> None:
    issues = validator.validate_issues("[1, 2]")
    assert [i.severity for i in issues] == ["fatal"]


def test_xxe_is_fatal_and_reads_nothing(validator: Validator) -> None:
    issues = validator.validate_issues(XXE)
    assert [(i.severity, i.code) for i in issues] == [("fatal", "security")]
    assert "DOCTYPE" in issues[0].message


def test_billion_laughs_is_fatal_and_fast(validator: Validator) -> None:
    started = time.perf_counter()
    issues = validator.validate_issues(LAUGHS)
    assert time.perf_counter() - started < 2.0
    assert [i.severity for i in issues] == ["fatal"]


def test_undeclared_entity_is_fatal(validator: Validator) -> None:
    issues = validator.validate_issues(b'<Patient xmlns="http://hl7.org/fhir"><id value="&reg;"/></Patient>')
    assert [(i.severity, i.code) for i in issues] == [("fatal", "invalid")]


def test_xml_is_converted_with_types_from_the_definitions(validator: Validator) -> None:
    xml = b"""<Patient xmlns="http://hl7.org/fhir">
      <id value="x1"/>
      <text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml">Ann</div></text>
      <active value="true"/>
      <name><given value="A"/><given value="B"/></name>
      <birthDate value="1950-01-02"><extension url="http://hl7.org/fhir/StructureDefinition/patient-birthTime">
        <valueDateTime value="1950-01-02T10:00:00Z"/></extension></birthDate>
      <multipleBirthInteger value="2"/>
    </Patient>"""
    resource, issues = validator.parse(xml)
    assert issues == []
    assert resource is not None
    assert resource["active"] is True
    assert resource["name"] == [{"given": ["A", "B"]}]
    assert resource["multipleBirthInteger"] == 2
    assert resource["_birthDate"]["extension"][0]["valueDateTime"] == "1950-01-02T10:00:00Z"
    assert resource["text"]["div"].startswith('<div xmlns="http://www.w3.org/1999/xhtml">')
    assert errors(validator.validate_issues(xml)) == []


def test_xml_element_order_is_checked(validator: Validator) -> None:
    xml = (
        b'<Patient xmlns="http://hl7.org/fhir"><birthDate value="1950-01-02"/>'
        b'<active value="true"/></Patient>'
    )
    assert where(validator.validate_issues(xml)) == [("structure", "Patient.active")]


def test_xml_unknown_elements_and_attributes(validator: Validator) -> None:
    xml = b"""<Observation xmlns="http://hl7.org/fhir"><status something="x" value="final"/>
      <code><text value="c"/></code><valueInteger><value value="0"/></valueInteger></Observation>"""
    issues = validator.validate_issues(xml)
    got = where(issues)
    assert ("structure", "Observation.status") in got  # the undefined attribute
    assert ("structure", "Observation.valueInteger") in got  # the undefined child element
    assert ("invalid", "Observation.value.ofType(integer)") in got  # a primitive with no value


def test_path_input(validator: Validator, tmp_path: Path) -> None:
    f = tmp_path / "p.json"
    f.write_text('{"resourceType": "Patient", "active": "x"}', encoding="utf-8")
    assert where(validator.validate_issues(f)) == [("structure", "Patient.active")]
    assert errors(validator.validate_issues(str(f)))


PATIENT_XML = (
    '<?xml version="1.0" encoding="{encoding}"?>\n<Patient xmlns="http://hl7.org/fhir">{body}'
    '<text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml">x</div></text>'
    '<active value="true"/></Patient>'
)


def _xml(body: str = "", encoding: str = "UTF-8") -> bytes:
    return PATIENT_XML.format(body=body, encoding=encoding).encode("utf-8")


def test_xml_out_of_order_is_judged_against_the_previous_element(validator: Validator) -> None:
    """Validation_VAL_Profile_OutOfOrder: one misplaced element is one issue, not one per follower."""
    xml = (
        b'<Patient xmlns="http://hl7.org/fhir"><active value="true"/><gender value="male"/>'
        b'<name><family value="x"/></name><telecom><value value="1"/></telecom></Patient>'
    )
    found = [i for i in errors(validator.validate_issues(xml)) if i.rule == "xml"]
    assert [i.expression for i in found] == ["Patient.name"]
    assert "found after gender" in found[0].message


def test_xml_text_and_processing_instructions_are_not_fhir(validator: Validator) -> None:
    assert errors(validator.validate_issues(_xml())) == []
    stray = errors(validator.validate_issues(_xml("stray")))
    assert [i.message for i in stray] == ["Text should not be present ('stray')"]
    inside = PATIENT_XML.format(body="", encoding="UTF-8").replace(
        'value="true"/>', 'value="true">yes</active>'
    )
    assert [i.message for i in errors(validator.validate_issues(inside.encode()))] == [
        "Text should not be present ('yes')"
    ]
    pi = errors(validator.validate_issues(_xml("<?render fast?>")))
    assert [i.message for i in pi] == ["Node type 7 is not allowed (a processing instruction)"]


def test_xml_must_be_utf_8(validator: Validator) -> None:
    """xml_encoding_invalid: a document declaring another encoding is an error, even when it parses."""
    assert [i.rule for i in errors(validator.validate_issues(_xml(encoding="ISO-8859-1")))] == [
        "xml_encoding_invalid"
    ]


def test_xml_attributes_are_not_elements(validator: Validator) -> None:
    """Extension.url is an attribute in FHIR XML (representation xmlAttr): as an element it is unknown."""
    body = '<extension><url value="http://example.org/e"/><valueString value="x"/></extension>'
    found = errors(validator.validate_issues(_xml(body)))
    assert "Undefined element 'url' at Patient.extension" in [i.message for i in found]


def test_xml_that_is_not_utf_8_is_read_on(validator: Validator) -> None:
    """The HL7 parser reads bytes that are not UTF-8 with replacement characters and goes on validating:
    one encoding error, then what the content itself is worth."""
    latin = _xml(encoding="ISO-8859-1").replace(b"<active", "<!-- caf\xe9 --><active".encode("latin-1"))
    latin = latin.replace(b'<active value="true"/>', b'<active value="maybe"/>')
    found = errors(validator.validate_issues(latin))
    assert [i.rule for i in found][:1] == ["xml_encoding_invalid"]
    assert any(i.expression == "Patient.active" for i in found)


def test_a_json_property_named_twice_is_an_error_and_the_first_counts(validator: Validator) -> None:
    """As the HL7 parser: 'The JSON property ... is a duplicate and will be ignored' (the second one)."""
    issues = validator.validate_issues(b'{"resourceType": "Patient", "active": true, "active": "yes"}')
    assert [(i.rule, i.message) for i in errors(issues)] == [
        ("DUPLICATE_JSON_PROPERTY", "The JSON property 'active' is a duplicate and will be ignored")
    ]
    quoted = b'{"resourceType": "Patient", "name": [{"family": "O\\"Brien"}]}'  # (escaped quotes are no key)
    assert errors(validator.validate_issues(quoted)) == []


def test_misaligned_primitive_extension_arrays_are_a_warning(validator: Validator) -> None:
    res = {"resourceType": "Patient", "name": [{"given": ["a", "b"], "_given": [None]}]}
    issues = validator.validate_issues(res)
    assert errors(issues) == []
    assert any(i.severity == "warning" and i.expression == "Patient.name[0].given" for i in issues)
