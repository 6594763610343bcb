"""FHIR XML to the FHIR JSON form, using the definitions for types and cardinalities.

The parser never resolves entities, never loads DTDs and never touches the network; a document with a
DOCTYPE (the carrier of XXE and entity-expansion attacks) is rejected with a fatal issue, as FHIR XML
must not contain DTDs (https://hl7.org/fhir/R4/xml.html).
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from lxml import etree

from adapter.validation.outcome import Issue
from adapter.validation.structure import ElementNode, StructureInfo


class Definitions(Protocol):
    """What reading XML needs to know about the types (``loader.Definitions`` is one)."""

    def structure(self, url: str) -> StructureInfo | None:
        """The compiled definition of a type or profile."""

    def is_resource_type(self, name: str) -> bool:
        """True for resource type names."""

    def is_primitive(self, type_code: str) -> bool:
        """True for primitive data types."""

    def holder(self, node: ElementNode, type_code: str | None = None) -> ElementNode | None:
        """The node whose children describe an instance of ``node``."""


FHIR_NS = "http://hl7.org/fhir"
XHTML_NS = "http://www.w3.org/1999/xhtml"
_INT_TYPES = frozenset({"integer", "positiveInt", "unsignedInt", "integer64"})
_INT_RE = re.compile(r"-?[0-9]+")
_DEC_RE = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_XML_ATTRS = {"{http://www.w3.org/XML/1998/namespace}space"}


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=False,  # (reported where they stand: FHIR XML has no processing instructions)
    )


_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_ENCODING = re.compile(rb"""\s*<\?xml[^>]*encoding=["']([A-Za-z0-9._-]+)["']""")
_STATED_ENCODING = re.compile(rb"""(?<=<\?xml)([^>]*?)encoding=["'][A-Za-z0-9._-]+["']""")


def parse_xml(raw: bytes) -> tuple[Any, list[Issue]]:
    """Parse XML bytes safely; returns (root element or None, fatal issues)."""
    if _DOCTYPE.search(raw[:65536]):
        return None, [_doctype_issue()]
    issues: list[Issue] = []
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        # xml_encoding_invalid; the HL7 parser reads on with replacement characters, and so do we
        issues.append(
            Issue(
                "error",
                "invalid",
                "",
                f"The XML encoding is invalid (must be UTF-8): byte {exc.start} cannot be decoded",
                rule="xml_encoding_invalid",
            )
        )
        raw = raw.decode("utf-8", errors="replace").encode("utf-8")
        raw = _STATED_ENCODING.sub(rb'\1encoding="UTF-8"', raw[:200], count=1) + raw[200:]
    try:
        root = etree.fromstring(raw, _parser())
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if isinstance(exc.lineno, int) else None
        col = exc.offset if isinstance(exc.offset, int) else None
        return None, [
            Issue("fatal", "invalid", "", f"XML is not well-formed: {exc.msg}", line, col, "xml-syntax")
        ]
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        return None, [_doctype_issue()]
    declared = _ENCODING.match(raw[:200])
    encoding = declared.group(1).decode("ascii", "replace") if declared else "UTF-8"
    if encoding.lower() not in ("utf-8", "utf8") and not issues:
        issues.append(  # xml_encoding_invalid: FHIR XML is UTF-8 (https://hl7.org/fhir/R4/xml.html)
            Issue(
                "error",
                "invalid",
                "",
                f"The XML encoding is invalid (must be UTF-8, not '{encoding}')",
                rule="xml_encoding_invalid",
            )
        )
    return root, issues


def _doctype_issue() -> Issue:
    return Issue(
        "fatal",
        "security",
        "",
        "DOCTYPE declarations are not allowed in FHIR XML (they enable XXE and entity-expansion attacks); "
        "remove the DTD",
        rule="xml-doctype",
    )


def xml_to_json(raw: bytes, defs: Definitions) -> tuple[dict[str, Any] | None, list[Issue]]:
    """The JSON form of a FHIR XML resource, with the issues found while converting it."""
    root, issues = parse_xml(raw)
    if root is None:
        return None, issues
    conv = _Converter(defs)
    res = conv.resource(root, "")
    return res, issues + conv.issues


def _local(tag: Any) -> tuple[str, str]:
    if not isinstance(tag, str):
        return "", ""
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return "", tag


class _Converter:
    def __init__(self, defs: Definitions) -> None:
        self.defs = defs
        self.issues: list[Issue] = []

    def _issue(self, el: Any, path: str, msg: str, severity: str = "error", code: str = "structure") -> None:
        self.issues.append(Issue(severity, code, path, msg, getattr(el, "sourceline", None), None, "xml"))

    def resource(self, el: Any, path: str) -> dict[str, Any] | None:
        ns, name = _local(el.tag)
        here = f"{path}.{name}" if path else name
        if ns != FHIR_NS:
            self.issues.append(
                Issue(
                    "fatal",
                    "structure",
                    here,
                    f"The XML element {name} is not in the FHIR namespace ({FHIR_NS}); found '{ns}'",
                    el.sourceline,
                    None,
                    "xml",
                )
            )
            return None
        info = self.defs.structure(name) if self.defs.is_resource_type(name) else None
        if info is None:
            self.issues.append(
                Issue(
                    "fatal", "structure", here, f"Unknown resource type '{name}'", el.sourceline, None, "xml"
                )
            )
            return None
        out: dict[str, Any] = {"resourceType": name}
        self._attributes(el, info.root, out, name, allowed=())
        self._children(el, info.root, out, name)
        return out

    def _attributes(
        self, el: Any, node: ElementNode, out: dict[str, Any], path: str, allowed: tuple[str, ...]
    ) -> None:
        for attr, value in el.attrib.items():
            if attr in allowed:
                out[attr] = value
            elif attr not in _XML_ATTRS:
                _, aname = _local(attr)
                type_name = node.types[0].code if node.types else node.path
                self._issue(
                    el, path, f"Undefined attribute '@{aname}' on {_local(el.tag)[1]} for type {type_name}"
                )

    def _stray_text(self, el: Any, path: str) -> None:
        """Text between FHIR elements (Text_should_not_be_present): FHIR XML carries values in attributes."""
        for text in (el.text, *(c.tail for c in el)):
            if text and text.strip():
                self._issue(el, path, f"Text should not be present ('{text.strip()[:60]}')")

    def _children(self, el: Any, holder: ElementNode, out: dict[str, Any], path: str) -> None:
        previous: tuple[int, str] | None = None
        order = {id(c): i for i, c in enumerate(holder.children)}
        self._stray_text(el, path)
        for child in el:
            if not isinstance(child.tag, str):
                if isinstance(child, etree._ProcessingInstruction):
                    self._issue(el, path, "Node type 7 is not allowed (a processing instruction)")
                continue
            ns, name = _local(child.tag)
            if ns != FHIR_NS and not (ns == XHTML_NS and name == "div" and "div" in holder.by_name):
                self._issue(child, path, f"Element '{name}' is not in the FHIR namespace ('{ns}')")
                continue
            found = holder.child_for(name)
            if found is None:
                self._issue(child, f"{path}.{name}", f"Undefined element '{name}' at {path}")
                continue
            cnode, suffix = found
            if "xmlAttr" in cnode.representation:  # (Extension.url, Element.id: attributes in XML)
                self._issue(child, f"{path}.{name}", f"Undefined element '{name}' at {path}")
                continue
            idx = order.get(id(cnode), -1)
            # Validation_VAL_Profile_OutOfOrder: each element against the one before it
            if previous is not None and idx < previous[0]:
                self._issue(
                    child,
                    f"{path}.{name}",
                    f"Element '{name}' is out of order in {path} (found after {previous[1]}); FHIR XML "
                    "elements follow the order of the definition",
                )
            previous = (idx, name)
            type_code = _type_for(cnode, suffix)
            many = cnode.max is None or cnode.max > 1
            value, ext = self._value(child, cnode, type_code, f"{path}.{name}")
            if value is None and ext is None:
                continue
            if many:
                values = out.setdefault(name, [])
                exts = out.setdefault("_" + name, [])
                values.append(value)
                exts.append(ext)
            else:
                if name in out or "_" + name in out:
                    self._issue(
                        child,
                        f"{path}.{name}",
                        f"Element '{name}' repeats but it is not a list (max 1) in {path}",
                    )
                out[name] = value
                out["_" + name] = ext
        for key in [k for k in out if k.startswith("_")]:
            for name in (key, key[1:]):
                vals = out.get(name, 0)
                if vals is None or (isinstance(vals, list) and all(v is None for v in vals)):
                    del out[name]

    def _value(self, el: Any, node: ElementNode, type_code: str, path: str) -> tuple[Any, Any]:
        if type_code == "xhtml" or "xhtml" in node.representation:
            return etree.tostring(el, encoding=str, with_tail=False), None
        if type_code in ("Resource", "DomainResource") or self.defs.is_resource_type(type_code):
            inner = [c for c in el if isinstance(c.tag, str)]
            if len(inner) != 1:
                self._issue(el, path, f"{path} must contain exactly one resource")
                return None, None
            return self.resource(inner[0], path), None
        if self.defs.is_primitive(type_code):
            return self._primitive(el, node, type_code, path)
        holder = self.defs.holder(node, type_code)
        out: dict[str, Any] = {}
        allowed = ("id", "url") if type_code == "Extension" else ("id",)
        self._attributes(el, node, out, path, allowed)
        if holder is None:
            self._issue(el, path, f"Unknown type '{type_code}' for {path}")
            return None, None
        self._children(el, holder, out, path)
        return out, None

    def _primitive(self, el: Any, node: ElementNode, type_code: str, path: str) -> tuple[Any, Any]:
        value: Any = None
        ext: dict[str, Any] = {}
        for attr, raw in el.attrib.items():
            if attr == "value":
                value = _convert_primitive(raw, type_code)
            elif attr == "id":
                ext["id"] = raw
            elif attr not in _XML_ATTRS:
                self._issue(
                    el,
                    path,
                    f"Undefined attribute '@{_local(attr)[1]}' on {_local(el.tag)[1]} for type {type_code}",
                )
        extensions = []
        self._stray_text(el, path)
        for child in el:
            if not isinstance(child.tag, str):
                if isinstance(child, etree._ProcessingInstruction):
                    self._issue(el, path, "Node type 7 is not allowed (a processing instruction)")
                continue
            ns, name = _local(child.tag)
            if ns == FHIR_NS and name == "extension":
                ext_info = self.defs.structure("Extension")
                if ext_info is not None:
                    obj: dict[str, Any] = {}
                    self._attributes(child, ext_info.root, obj, f"{path}.extension", ("id", "url"))
                    self._children(child, ext_info.root, obj, f"{path}.extension")
                    extensions.append(obj)
            else:
                self._issue(child, path, f"Undefined element '{name}' at {path}")
        if extensions:
            ext["extension"] = extensions
        if value is None and not ext:
            return None, {}  # a primitive with neither value nor extensions: reported by the validator
        return value, (ext or None)


def _type_for(node: ElementNode, suffix: str | None) -> str:
    if suffix:
        for t in node.types:
            if t.code.lower() == suffix.lower():
                return t.code
        return suffix[0].lower() + suffix[1:] if suffix[:1].isupper() and suffix not in _COMPLEX else suffix
    if node.types:
        return node.types[0].code
    return ""


_COMPLEX = frozenset({"Quantity", "CodeableConcept", "Coding", "Reference", "Period", "Range", "Ratio"})


def _convert_primitive(raw: str, type_code: str) -> Any:
    if type_code == "boolean":
        return {"true": True, "false": False}.get(raw, raw)
    if type_code in _INT_TYPES and _INT_RE.fullmatch(raw):
        return int(raw)
    if type_code == "decimal" and _DEC_RE.fullmatch(raw):
        if "." not in raw and "e" not in raw.lower():
            return int(raw)
        return float(raw)
    return raw
