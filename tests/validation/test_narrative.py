"""Narrative XHTML: txt-1 (allowed elements and attributes, no scripts) and txt-2 (some content)."""

from __future__ import annotations

import pytest

from adapter.validation import Validator
from adapter.validation.narrative import check_div, has_content, structure_ok
from tests.validation.helpers import errors, patient

NS = 'xmlns="http://www.w3.org/1999/xhtml"'


@pytest.mark.parametrize(
    ("div", "ok"),
    [
        (f'<div {NS}><p>Ann <b>Smith</b></p><a href="#x">x</a><pre xml:space="preserve">t</pre></div>', True),
        (f"<div {NS}><script>alert(1)</script></div>", False),
        (f'<div {NS}><p onclick="x()">a</p></div>', False),
        (f'<div {NS}><a href="javascript:x()">a</a></div>', False),
        (f"<div {NS}><iframe/></div>", False),
        ("<div><p>no namespace</p></div>", False),
        (f"<div {NS}><p>unclosed</div>", False),
    ],
    ids=["ok", "script", "event-attribute", "javascript-url", "iframe", "no-namespace", "malformed"],
)
def test_txt_1(div: str, ok: bool) -> None:
    assert structure_ok(div) is ok


def test_external_reference_is_only_a_warning() -> None:
    found = check_div(f'<div {NS}><a href="https://example.net/x">x</a></div>')
    assert [(sev, code) for sev, code, _ in found] == [("warning", "security")]


def test_txt_2() -> None:
    assert has_content(f"<div {NS}><p>x</p></div>")
    assert has_content(f'<div {NS}><img src="#a" alt=""/></div>')
    assert not has_content(f"<div {NS}>  <p> </p> </div>")


def test_script_in_a_resource_gives_txt_1_and_the_element(validator: Validator) -> None:
    res = patient(text={"status": "generated", "div": f"<div {NS}><script>x</script>Hi</div>"})
    issues = errors(validator.validate_issues(res))
    assert [(i.code, i.expression) for i in issues] == [
        ("invalid", "Patient.text.div"),
        ("invariant", "Patient.text.div"),
    ]
    assert issues[1].rule == "txt-1"


def test_empty_narrative_fails_txt_2(validator: Validator) -> None:
    res = patient(text={"status": "generated", "div": f"<div {NS}> </div>"})
    assert [i.rule for i in errors(validator.validate_issues(res))] == ["txt-2"]
