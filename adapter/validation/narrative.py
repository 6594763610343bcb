"""Narrative XHTML as FHIR (and the HL7 validator) defines it: txt-1 and txt-2
(https://hl7.org/fhir/R4/narrative.html#xhtml).

The div must be well-formed XHTML in the XHTML namespace and use only the basic formatting elements and
attributes of HTML 4.0 (no scripts, forms, frames, objects or event attributes), and have some
non-whitespace content. This is FHIR's rule for any instance; :mod:`adapter.fhir.narrative_rules` is the
project's stricter policy for the narratives it writes (no references out of the resource, which FHIR
allows), so external references are only warnings here.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from lxml import etree

XHTML_NS = "http://www.w3.org/1999/xhtml"
ALLOWED_ELEMENTS = frozenset(
    {
        "p",
        "br",
        "div",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "a",
        "span",
        "b",
        "em",
        "i",
        "strong",
        "small",
        "big",
        "tt",
        "dfn",
        "q",
        "var",
        "abbr",
        "acronym",
        "cite",
        "blockquote",
        "hr",
        "address",
        "bdo",
        "kbd",
        "sub",
        "sup",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "pre",
        "table",
        "caption",
        "colgroup",
        "col",
        "thead",
        "tr",
        "tfoot",
        "tbody",
        "th",
        "td",
        "code",
        "samp",
        "img",
        "map",
        "area",
        "u",
        "s",
        "del",
        "ins",
    }
)
ALLOWED_ATTRIBUTES = frozenset(
    {
        "title",
        "style",
        "class",
        "id",
        "lang",
        "xml:lang",
        "xml:space",
        "dir",
        "accesskey",
        "tabindex",
        "href",
        "name",
        "rel",
        "rev",
        "shape",
        "coords",
        "hreflang",
        "type",
        "charset",
        "src",
        "alt",
        "height",
        "width",
        "longdesc",
        "usemap",
        "ismap",
        "align",
        "border",
        "summary",
        "frame",
        "rules",
        "cellspacing",
        "cellpadding",
        "abbr",
        "axis",
        "headers",
        "scope",
        "rowspan",
        "colspan",
        "char",
        "charoff",
        "valign",
        "span",
        "start",
        "compact",
        "value",
        "cite",
        "datetime",
        "nohref",
        "bgcolor",
        "nowrap",
        "hspace",
        "vspace",
    }
)
_XML_NS = "{http://www.w3.org/XML/1998/namespace}"
_URI_ATTRIBUTES = frozenset({"href", "src", "longdesc", "cite", "usemap"})


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


@lru_cache(maxsize=512)
def _parse(text: str) -> tuple[Any, str | None]:
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        return None, "a DOCTYPE or entity declaration is not allowed in a narrative"
    try:
        return etree.fromstring(text.encode("utf-8"), _parser()), None
    except etree.XMLSyntaxError as exc:
        return None, f"The narrative XHTML is not well-formed: {exc.msg}"


def _attr_name(raw: str) -> str:
    if raw.startswith(_XML_NS):
        return "xml:" + raw[len(_XML_NS) :]
    return raw.rsplit("}", 1)[-1] if raw.startswith("{") else raw


@lru_cache(maxsize=1024)
def check_div(text: str) -> tuple[tuple[str, str, str], ...]:
    """(severity, IssueType code, message) for a Narrative div, txt-2's content rule excepted."""
    root, error = _parse(text)
    if root is None:
        return (("error", "invalid", error or "invalid XHTML"),)
    out: list[tuple[str, str, str]] = []
    if root.tag != f"{{{XHTML_NS}}}div":
        out.append(("error", "invalid", f'The narrative root must be <div xmlns="{XHTML_NS}">'))
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        ns, _, name = el.tag[1:].partition("}") if el.tag.startswith("{") else ("", "", el.tag)
        if ns != XHTML_NS:
            out.append(("error", "invalid", f"Wrong namespace on the XHTML element ('{name}' in '{ns}')"))
        if name not in ALLOWED_ELEMENTS:
            out.append(("error", "invalid", f"Invalid element name in the XHTML ('{name}')"))
            continue
        for raw, value in el.attrib.items():
            attr = _attr_name(raw)
            if attr.lower().startswith("on") or attr not in ALLOWED_ATTRIBUTES:
                out.append(
                    ("error", "invalid", f"Invalid attribute name in the XHTML ('{attr}' on '{name}')")
                )
            elif attr in _URI_ATTRIBUTES and value.strip().lower().startswith(("javascript:", "vbscript:")):
                out.append(
                    ("error", "invalid", f"Scripts are not allowed in the XHTML ('{attr}' on '{name}')")
                )
            elif attr in _URI_ATTRIBUTES and "://" in value and not value.strip().startswith("#"):
                out.append(
                    (
                        "warning",
                        "security",
                        f"The narrative refers outside the resource ('{attr}' on '{name}': {value[:80]})",
                    )
                )
    return tuple(out)


# Schemes a narrative hyperlink may use; anything else (urn:, a made-up scheme) cannot be followed by a
# reader (the HL7 validator's hyperlinkable schemes).
HYPERLINK_SCHEMES = frozenset({"http", "https", "ftp", "ftps", "mailto", "tel", "fax", "sms", "data", "news"})
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")


@lru_cache(maxsize=1024)
def check_links(text: str, outside_ids: frozenset[str]) -> tuple[tuple[str, str, str, str], ...]:
    """(severity, IssueType code, message, rule) for hyperlinks and images of a narrative: an internal link
    (``#x``) must name an id (or ``<a name>``) in the narrative or a contained resource
    (Type_Specific_Checks_DT_XHTML_Resolve, ..._Img), and a link's scheme must be one a reader can follow
    (XHTML_URL_INVALID_SCHEME)."""
    root, _ = _parse(text)
    if root is None:
        return ()
    anchors = set(outside_ids)
    for el in root.iter():
        if isinstance(el.tag, str):
            for raw, value in el.attrib.items():
                if _attr_name(raw) == "id" or (_attr_name(raw) == "name" and el.tag.endswith("}a")):
                    anchors.add(value)
    out: list[tuple[str, str, str, str]] = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        name = el.tag.rsplit("}", 1)[-1]
        if name == "a" and el.get("href"):
            href = el.get("href", "")
            label = "".join(el.itertext())
            where = _xpath(el)
            if href.startswith("#") and len(href) > 1 and href[1:] not in anchors:
                out.append(
                    (
                        "error",
                        "invalid",
                        f"Hyperlink '{href}' at '{where}' for '{label}' does not resolve",
                        "Type_Specific_Checks_DT_XHTML_Resolve",
                    )
                )
            m = _SCHEME.match(href)
            if (
                m
                and m.group(1).lower() not in HYPERLINK_SCHEMES
                and m.group(1).lower()
                not in (
                    "javascript",
                    "vbscript",
                )
            ):
                out.append(
                    (
                        "error",
                        "invalid",
                        f"Hyperlink scheme '{m.group(1)}' in '{href}' at '{where}' for '{label}' is not a "
                        "valid hyperlinkable scheme",
                        "XHTML_URL_INVALID_SCHEME",
                    )
                )
        elif name == "img" and el.get("src", "").startswith("#"):
            src = el.get("src", "")
            if src[1:] not in anchors:
                out.append(
                    (
                        "error",
                        "invalid",
                        f"Image source '{src}' at '{_xpath(el)}' does not resolve",
                        "Type_Specific_Checks_DT_XHTML_Resolve_Img",
                    )
                )
    return tuple(out)


def _xpath(el: Any) -> str:
    """``div/p/a``: the element names from the narrative's root down to ``el``."""
    names = []
    while el is not None and isinstance(el.tag, str):
        names.append(el.tag.rsplit("}", 1)[-1])
        el = el.getparent()
    return "/".join(reversed(names))


def structure_ok(text: str) -> bool:
    """txt-1: only the allowed elements and attributes (and well-formed XHTML)."""
    return not any(sev == "error" for sev, _, _ in check_div(text))


@lru_cache(maxsize=1024)
def has_content(text: str) -> bool:
    """txt-2: some non-whitespace text, or an image."""
    root, _ = _parse(text)
    if root is None:
        return bool(text.strip())
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.endswith("}img"):
            return True
        if (el.text and el.text.strip()) or (el is not root and el.tail and el.tail.strip()):
            return True
    return False


@lru_cache(maxsize=256)
def section_languages(text: str) -> frozenset[str]:
    """Languages of the language sections: child elements of the root div with lang/xml:lang."""
    root, _ = _parse(text)
    if root is None:
        return frozenset()
    found = set()
    for el in root:
        if isinstance(el.tag, str):
            for raw, value in el.attrib.items():
                if _attr_name(raw) in ("lang", "xml:lang"):
                    found.add(value)
    return frozenset(found)
