"""Small builders for FHIR data types as plain dicts (the hot path never touches models)."""

from __future__ import annotations

from typing import Any

from adapter.redbag import vocab

Json = dict[str, Any]
Code = tuple[str, str, str]


def coding(code: Code) -> Json:
    """A Coding from ``(system, code, display)``."""
    system, value, display = code
    return {"system": system, "code": value, "display": display}


def concept(code: Code | None = None, text: str | None = None) -> Json:
    """A CodeableConcept with an optional coding and text."""
    out: Json = {}
    if code:
        out["coding"] = [coding(code)]
    if text:
        out["text"] = text
    return out


def input_code(c: Json) -> Code:
    """A contract code object ``{system, code, display}`` as a tuple."""
    return (c["system"], c["code"], c["display"])


def ref(target: str, display: str | None = None) -> Json:
    """A Reference to ``target`` (a ``urn:uuid:`` inside bundles) with an optional display."""
    out: Json = {"reference": target}
    if display:
        out["display"] = display
    return out


def ident(system: str, value: str) -> Json:
    """An Identifier."""
    return {"system": system, "value": value}


def ext(url: str, **value: Any) -> Json:
    """An Extension: ``ext(URL, valueBoolean=True)``."""
    return {"url": url, **value}


def address(a: Json | None) -> list[Json] | None:
    """A contract address as a FHIR Address list (or None)."""
    if not a:
        return None
    out: Json = {}
    for field in ("line", "city", "district", "postalCode"):
        if field in a:
            out[field] = a[field]
    return [out]


def phone(number: str | None) -> list[Json] | None:
    """A phone number as a telecom list (or None)."""
    return [{"system": "phone", "value": number}] if number else None


def compact(resource: Json) -> Json:
    """Drop keys whose value is None, keeping order (builders write every element in FHIR order)."""
    return {k: v for k, v in resource.items() if v is not None}


def absent(reason: str = "unknown") -> Json:
    """The element of a value that is not recorded: only a data-absent-reason extension
    (https://hl7.org/fhir/R4/extension-data-absent-reason.html). On a primitive it goes in ``_name``."""
    return {"extension": [{"url": vocab.EXT_DATA_ABSENT, "valueCode": reason}]}


def absent_reason(element: Any) -> str | None:
    """The data-absent-reason code on an element (``_birthDate``, a Period, ...), or None."""
    if not isinstance(element, dict):
        return None
    for e in element.get("extension") or []:
        if e.get("url") == vocab.EXT_DATA_ABSENT:
            code = e.get("valueCode")
            return code if isinstance(code, str) else None
    return None
