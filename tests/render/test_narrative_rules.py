"""The narrative checker catches each kind of invalid XHTML, and accepts what FHIR allows."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from adapter.fhir.narrative_rules import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_ELEMENTS,
    div_problems,
    narrative_problems,
)

NS = 'xmlns="http://www.w3.org/1999/xhtml"'
R4_NARRATIVE = (
    Path.home() / ".fhir/packages/hl7.fhir.r4.core#4.0.1/package/StructureDefinition-Narrative.json"
)
PIXEL = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJ"
    "RU5ErkJggg=="
)


def rules(div: str) -> list[str]:
    return [rule for rule, _ in div_problems(div)]


@pytest.mark.parametrize(
    "div",
    [
        f"<div {NS}><p>Penicillin: <b>anaphylaxis</b></p></div>",
        f'<div {NS}><table><thead><tr><th scope="col">Item</th></tr></thead>'
        "<tbody><tr><td>Glasses</td></tr></tbody></table></div>",
        f'<div {NS}><a href="#allergies">see allergies</a><a name="allergies">x</a></div>',
        f'<div {NS}><img src="{PIXEL}" alt="photo"/></div>',
        f'<div {NS}><img src="#photo" alt="photo"/></div>',
        f'<div {NS} lang="ur" dir="rtl"><p style="color: #a3001b">بشریٰ</p></div>',
        f'<div {NS} xml:lang="en"><ul><li>one</li></ul></div>',
    ],
    ids=["paragraph", "table", "local-links", "data-image", "fragment-image", "rtl-style", "xml-lang"],
)
def test_valid_narrative_passes(div: str) -> None:
    assert div_problems(div) == ()


@pytest.mark.parametrize(
    ("div", "rule", "words"),
    [
        (f"<div {NS}><script>alert(1)</script>x</div>", "txt-1", "<script> is not allowed"),
        (f'<div {NS}><p onclick="steal()">x</p></div>', "txt-1", "event attribute 'onclick'"),
        (f'<div {NS}><a href="https://example.org/x">x</a></div>', "external-reference", "points outside"),
        (f'<div {NS}><a href="javascript:alert(1)">x</a></div>', "external-reference", "points outside"),
        (f'<div {NS}><img src="http://tracker.example/p.gif" alt=""/>x</div>', "external-reference", "data:"),
        (f'<div {NS}><img src="data:text/html;base64,PHNjcmlwdD4="/>x</div>', "external-reference", "img"),
        (f'<div {NS}><p style="background:url(//x.example)">x</p></div>', "external-reference", "style"),
        (f'<div {NS}><iframe src="#x"/>x</div>', "txt-1", "<iframe> is not allowed"),
        (f'<div {NS}><form><input name="q"/></form>x</div>', "txt-1", "<form> is not allowed"),
        (f"<div {NS}><ins>new</ins></div>", "txt-1", "<ins> is not one of"),
        (f'<div {NS}><p data-x="1">x</p></div>', "txt-1", "attribute 'data-x'"),
        (
            f'<div {NS} xmlns:xlink="http://www.w3.org/1999/xlink"><a xlink:href="#a">x</a></div>',
            "txt-1",
            "no xlink",
        ),
        ('<div><p>no namespace</p></div>', "txt-1", "not in the XHTML namespace"),
        (f"<p {NS}>not a div</p>", "xhtml", "the root must be"),
        (f"<div {NS}><p>unclosed</div>", "xhtml", "not well-formed"),
        (f'<!DOCTYPE div [<!ENTITY x "y">]><div {NS}>&x;</div>', "xhtml", "DOCTYPE"),
        (f"<div {NS}><p>   </p><br/></div>", "txt-2", "no text"),
        (f"<div {NS}><?php echo 1 ?>x</div>", "txt-1", "processing instructions"),
    ],
    ids=[
        "script", "onclick", "external-link", "javascript-link", "external-image", "data-html-image",
        "style-url", "iframe", "form", "ins-excluded-by-txt-1", "unknown-attribute", "xlink", "no-namespace",
        "root-not-div", "malformed", "doctype", "whitespace-only", "processing-instruction",
    ],
)  # fmt: skip
def test_each_broken_rule_is_reported(div: str, rule: str, words: str) -> None:
    problems = div_problems(div)
    assert rule in [r for r, _ in problems], problems
    assert any(words in message for _, message in problems), problems


def test_problems_name_the_fhirpath_location() -> None:
    bundle = {
        "resourceType": "Bundle",
        "entry": [
            {
                "resource": {
                    "resourceType": "Patient",
                    "text": {"status": "generated", "div": f"<div {NS}>ok</div>"},
                }
            },
            {
                "resource": {
                    "resourceType": "Composition",
                    "text": {"status": "generated", "div": f"<div {NS}>ok</div>"},
                    "section": [
                        {"title": "fine", "text": {"status": "generated", "div": f"<div {NS}>ok</div>"}},
                        {"title": "no text", "section": [{"text": {"status": "made-up", "div": "<div/>"}}]},
                    ],
                }
            },
            {"resource": {"resourceType": "Flag"}},
        ],
    }
    found = {(p.location, p.rule) for p in narrative_problems(bundle, required=True)}
    comp = "Bundle.entry[1].resource.ofType(Composition)"
    assert found == {
        (f"{comp}.section[1]", "required"),
        (f"{comp}.section[1].section[0].text.status", "structure"),
        (f"{comp}.section[1].section[0].text.div", "xhtml"),  # <div/> is not the XHTML div...
        (f"{comp}.section[1].section[0].text.div", "txt-1"),  # ...nor in the XHTML namespace
        (f"{comp}.section[1].section[0].text.div", "txt-2"),
        ("Bundle.entry[2].resource.ofType(Flag)", "required"),
    }
    assert not any(p.rule == "required" for p in narrative_problems(bundle))


def test_contained_resources_are_checked() -> None:
    bad = {"status": "generated", "div": f"<div {NS}><script/>x</div>"}
    resource = {
        "resourceType": "MedicationStatement",
        "contained": [{"resourceType": "Medication", "text": bad}],
    }
    (problem,) = narrative_problems(resource)
    assert problem.location == "MedicationStatement.contained[0].text.div"
    assert "script" in str(problem)


def test_allowed_lists_are_those_of_txt_1_in_the_r4_core_package() -> None:
    if not R4_NARRATIVE.exists():
        pytest.skip(f"FHIR R4 core package not in the cache ({R4_NARRATIVE}): run `redbag packages install`")
    definition = json.loads(R4_NARRATIVE.read_text(encoding="utf-8"))
    div = next(e for e in definition["snapshot"]["element"] if e["path"] == "Narrative.div")
    xpath = next(c["xpath"] for c in div["constraint"] if c["key"] == "txt-1")
    elements_part, attributes_part = xpath.split("/@*")
    assert set(re.findall(r"'([\w:]+)'", elements_part)) == ALLOWED_ELEMENTS
    assert set(re.findall(r"'([\w:]+)'", attributes_part)) == ALLOWED_ATTRIBUTES - {"xml:lang"}
