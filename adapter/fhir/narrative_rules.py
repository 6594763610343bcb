"""FHIR R4 narrative rules for XHTML (https://hl7.org/fhir/R4/narrative.html#xhtml), checked with lxml.

A ``Narrative.div`` must be well-formed XHTML: one ``<div>`` in the XHTML namespace, only the elements
and attributes that txt-1 allows (the lists below are those of txt-1's XPath in the R4 Narrative
StructureDefinition), no scripts, forms, frames, objects, event attributes or DOCTYPE, and some
non-whitespace content or an image (txt-2). This project adds one rule of its own: no external
references, so a narrative never makes a reader's browser fetch anything: ``href``/``src`` (and the
other URI attributes) must be local ``#fragment`` references (or ``data:image/...`` for ``img src``),
and inline styles may not load anything (``url(...)``, ``@import``, ``expression(...)``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from lxml import etree

XHTML_NS = "http://www.w3.org/1999/xhtml"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# fmt: off
#: txt-1: the HTML 4.0 formatting elements (chapters 7-11 except 9.4 INS/DEL, and 15), ``a`` and ``img``.
ALLOWED_ELEMENTS = frozenset({
    "a", "abbr", "acronym", "b", "big", "blockquote", "br", "caption", "cite", "code", "col",
    "colgroup", "dd", "dfn", "div", "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "img", "li", "ol", "p", "pre", "q", "samp", "small", "span", "strong", "sub", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "ul", "var"
})
#: txt-1: the attributes those elements may carry (``xml:lang`` too: R4 uses it for the div's language).
ALLOWED_ATTRIBUTES = frozenset({
    "abbr", "accesskey", "align", "alt", "axis", "bgcolor", "border", "cellhalign", "cellpadding",
    "cellspacing", "cellvalign", "char", "charoff", "charset", "cite", "class", "colspan", "compact",
    "coords", "dir", "frame", "headers", "height", "href", "hreflang", "hspace", "id", "lang",
    "longdesc", "name", "nowrap", "rel", "rev", "rowspan", "rules", "scope", "shape", "span", "src",
    "start", "style", "summary", "tabindex", "title", "type", "valign", "value", "vspace", "width",
    "xml:lang"
})
#: Elements the spec names as forbidden, reported as such rather than as merely "not allowed".
FORBIDDEN_ELEMENTS = frozenset({
    "script", "noscript", "style", "link", "base", "meta", "head", "body", "html", "form", "input",
    "button", "select", "textarea", "iframe", "frame", "frameset", "object", "embed", "applet", "svg",
    "math"
})
# fmt: on
NARRATIVE_STATUSES = frozenset({"generated", "extensions", "additional", "empty"})
#: Attributes whose value is a URI: each must point inside the resource (a ``#fragment``).
_URI_ATTRIBUTES = frozenset({"href", "src", "longdesc", "cite", "usemap"})
_STYLE_FETCH = re.compile(r"url\s*\(|@import|expression\s*\(|javascript:|behavior\s*:|-moz-binding", re.I)
_DATA_IMAGE = re.compile(r"data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]+\Z", re.I)
#: Resource types that are not DomainResources and so carry no narrative.
_NO_NARRATIVE = frozenset({"Bundle", "Binary", "Parameters"})


@dataclass(frozen=True)
class NarrativeProblem:
    """One broken narrative rule: where (a FHIRPath), which rule, and why."""

    location: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message} ({self.rule})"


def _parser() -> Any:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=False)


def _attribute_name(raw: str) -> str:
    if raw == _XML_LANG:
        return "xml:lang"
    return raw.rsplit("}", 1)[-1] if raw.startswith("{") else raw


def _is_local(attribute: str, element: str, value: str) -> bool:
    value = value.strip()
    if value.startswith("#"):
        return True
    return attribute == "src" and element == "img" and bool(_DATA_IMAGE.match(value))


def _element_problems(el: Any) -> Iterator[tuple[str, str]]:
    namespace, _, name = el.tag[1:].partition("}") if el.tag.startswith("{") else ("", "", el.tag)
    if namespace != XHTML_NS:
        yield "txt-1", f"<{name}> is not in the XHTML namespace ({namespace or 'no namespace'})"
    if name in FORBIDDEN_ELEMENTS:
        yield "txt-1", f"<{name}> is not allowed in a narrative (no scripts, styles, forms, frames, objects)"
        return
    if name not in ALLOWED_ELEMENTS:
        yield "txt-1", f"<{name}> is not one of the HTML formatting elements a narrative may use"
        return
    for raw, value in el.attrib.items():
        attribute = _attribute_name(raw)
        if attribute.lower().startswith("on"):
            yield "txt-1", f"event attribute {attribute!r} on <{name}> is not allowed (no scripts)"
        elif raw.startswith("{") and attribute != "xml:lang":
            yield "txt-1", f"namespaced attribute {raw!r} on <{name}> is not allowed (no xlink)"
        elif attribute not in ALLOWED_ATTRIBUTES:
            yield "txt-1", f"attribute {attribute!r} on <{name}> is not allowed"
        elif attribute in _URI_ATTRIBUTES and not _is_local(attribute, name, value):
            yield (
                "external-reference",
                f"{attribute}={value[:60]!r} on <{name}> points outside the resource "
                "(use a local #fragment" + (", or a data:image/ URI)" if name == "img" else ")"),
            )
        elif attribute == "style" and _STYLE_FETCH.search(value):
            yield "external-reference", f"style on <{name}> loads or runs something ({value[:60]!r})"


def _has_content(root: Any) -> bool:
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag == f"{{{XHTML_NS}}}img" and el.get("src"):
            return True
        if (el.text and el.text.strip()) or (el is not root and el.tail and el.tail.strip()):
            return True
    return False


@lru_cache(maxsize=1024)
def div_problems(div: str) -> tuple[tuple[str, str], ...]:
    """Every (rule, message) that ``div``, one ``Narrative.div`` string, breaks (empty when valid)."""
    if "<!DOCTYPE" in div or "<!ENTITY" in div:
        return (("xhtml", "a DOCTYPE or entity declaration is not allowed in a narrative"),)
    try:
        root = etree.fromstring(div.encode("utf-8"), _parser())
    except etree.XMLSyntaxError as exc:
        return (("xhtml", f"not well-formed XHTML: {exc.msg}"),)
    problems: list[tuple[str, str]] = []
    if root.tag != f"{{{XHTML_NS}}}div":
        problems.append(("xhtml", f'the root must be <div xmlns="{XHTML_NS}">, not {root.tag!r}'))
    for el in root.iter():
        if isinstance(el.tag, str):
            problems.extend(_element_problems(el))
        elif el.tag is etree.ProcessingInstruction:
            problems.append(("txt-1", "processing instructions are not allowed"))
    if not _has_content(root):
        problems.append(("txt-2", "the narrative has no text (and no image)"))
    return tuple(problems)


def text_problems(narrative: Any, location: str) -> list[NarrativeProblem]:
    """Problems with one ``Narrative`` element (``{status, div}``) found at ``location``."""
    if not isinstance(narrative, dict):
        return [NarrativeProblem(location, "structure", "a Narrative must be an object with status and div")]
    out = []
    if narrative.get("status") not in NARRATIVE_STATUSES:
        out.append(
            NarrativeProblem(
                f"{location}.status",
                "structure",
                f"status {narrative.get('status')!r} is not one of {', '.join(sorted(NARRATIVE_STATUSES))}",
            )
        )
    div = narrative.get("div")
    if not isinstance(div, str):
        out.append(NarrativeProblem(f"{location}.div", "structure", "div is required (XHTML text)"))
        return out
    out += [NarrativeProblem(f"{location}.div", rule, message) for rule, message in div_problems(div)]
    return out


def _sections(sections: list[Any], location: str, required: bool) -> Iterator[NarrativeProblem]:
    for i, section in enumerate(sections):
        where = f"{location}.section[{i}]"
        if "text" in section:
            yield from text_problems(section["text"], f"{where}.text")
        elif required:
            yield NarrativeProblem(where, "required", "the section has no narrative (text)")
        yield from _sections(section.get("section") or [], where, required)


def narrative_problems(
    resource: Any, location: str | None = None, *, required: bool = False
) -> list[NarrativeProblem]:
    """Narrative problems of ``resource``: its text, its contained resources, Composition sections
    (nested too), and every entry of a Bundle. ``required`` also reports a missing narrative."""
    rtype = resource.get("resourceType", "Resource")
    where = location or rtype
    problems: list[NarrativeProblem] = []
    if rtype == "Bundle":
        for i, entry in enumerate(resource.get("entry") or []):
            if "resource" in entry:
                inner = entry["resource"]
                problems += narrative_problems(
                    inner,
                    f"{where}.entry[{i}].resource.ofType({inner.get('resourceType')})",
                    required=required,
                )
        return problems
    if "text" in resource:
        problems += text_problems(resource["text"], f"{where}.text")
    elif required and rtype not in _NO_NARRATIVE:
        problems.append(NarrativeProblem(where, "required", f"the {rtype} has no narrative (text)"))
    for i, contained in enumerate(resource.get("contained") or []):
        problems += narrative_problems(contained, f"{where}.contained[{i}]")
    if rtype == "Composition":
        problems += _sections(resource.get("section") or [], where, required)
    return problems
