"""FHIR XML out (and in) through the R4B models' lxml-based serialiser.

XML is a cold path (``--format xml``): the models order elements as the FHIR XML format requires.
"""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B import get_fhir_model_class

Json = dict[str, Any]


def to_xml(resource: Json) -> bytes:
    """A FHIR JSON resource as FHIR XML bytes (UTF-8, with declaration)."""
    model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    out = model.model_dump_xml(pretty_print=True)
    return out if isinstance(out, bytes) else out.encode("utf-8")


def from_xml(data: bytes | str, resource_type: str) -> Json:
    """FHIR XML of a known resource type as FHIR JSON (a dict)."""
    model = get_fhir_model_class(resource_type).model_validate_xml(data)
    result: Json = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    return result
