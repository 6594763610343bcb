"""FHIR XML out (and in) through the R4B models' lxml-based serialiser.

XML is a cold path (``--format xml``): the models order elements as the FHIR XML format requires.
"""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from adapter.errors import FormatError

Json = dict[str, Any]


def to_xml(resource: Json) -> bytes:
    """A FHIR JSON resource as FHIR XML bytes (UTF-8, with declaration).

    FormatError when the resource cannot be FHIR XML (an element the models do not know, text with a
    character XML 1.0 has not): it names where, never the value.
    """
    resource_type = str(resource.get("resourceType"))
    try:
        model_class = get_fhir_model_class(resource_type)
    except (KeyError, ValueError):
        raise FormatError(f"{resource_type[:64]!r} is not a FHIR resource type") from None
    try:
        model = model_class.model_validate(resource)
    except ValidationError as exc:
        where = "; ".join(".".join(str(p) for p in e["loc"])[:200] for e in exc.errors()[:3])
        raise FormatError(f"this {resource_type} cannot be written as FHIR XML (at {where})") from None
    try:
        out = model.model_dump_xml(pretty_print=True)
    except ValueError:  # lxml: text XML 1.0 cannot carry (a NUL or another control character)
        raise FormatError(
            f"this {resource_type} holds text that XML cannot carry (a control character)"
        ) from None
    return out if isinstance(out, bytes) else out.encode("utf-8")


def from_xml(data: bytes | str, resource_type: str) -> Json:
    """FHIR XML of a known resource type as FHIR JSON (a dict)."""
    model = get_fhir_model_class(resource_type).model_validate_xml(data)
    result: Json = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    return result
