"""Structural check of FHIR R4 JSON with the fhir.resources R4B models (used in tests and --check)."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B import get_fhir_model_class


def parse_structure(resource: dict[str, Any]) -> None:
    """Raise ``ValueError`` (pydantic's ValidationError) when ``resource`` does not parse as R4."""
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
