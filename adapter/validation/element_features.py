"""The element rules an ElementDefinition states with extensions (and R5+ properties), read once when a
profile is compiled: mustHaveValue, valueAlternatives, narrative-language-control, minLength,
minValueDuration/maxValueDuration (``element_rules`` checks instances against them)."""

from __future__ import annotations

from typing import Any

MUST_HAVE_VALUE = (
    "http://hl7.org/fhir/5.0/StructureDefinition/extension-ElementDefinition.mustHaveValue",
    "http://hl7.org/fhir/StructureDefinition/elementdefinition-mustHaveValue",
)
VALUE_ALTERNATIVES = (
    "http://hl7.org/fhir/5.0/StructureDefinition/extension-ElementDefinition.valueAlternatives",
    "http://hl7.org/fhir/StructureDefinition/elementdefinition-valueAlternatives",
)
LANGUAGE_CONTROL = "http://hl7.org/fhir/StructureDefinition/narrative-language-control"
MIN_LENGTH = "http://hl7.org/fhir/StructureDefinition/minLength"


def features(raw: dict[str, Any]) -> dict[str, Any]:
    """The rules an ElementDefinition states (empty for nearly every element)."""
    out: dict[str, Any] = {}
    for ext in raw.get("extension", []) or []:
        url = ext.get("url")
        if url in MUST_HAVE_VALUE and ext.get("valueBoolean") is True:
            out["mustHaveValue"] = True
        elif url in VALUE_ALTERNATIVES and ext.get("valueCanonical"):
            out.setdefault("valueAlternatives", []).append(str(ext["valueCanonical"]))
        elif url == LANGUAGE_CONTROL and ext.get("valueCode"):
            out.setdefault("languageControl", []).append(str(ext["valueCode"]))
        elif url == MIN_LENGTH and isinstance(ext.get("valueInteger"), int):
            out["minLength"] = ext["valueInteger"]
    if raw.get("mustHaveValue") is True:
        out["mustHaveValue"] = True
    if raw.get("valueAlternatives"):
        out.setdefault("valueAlternatives", []).extend(str(v) for v in raw["valueAlternatives"])
    for key in ("minValueDuration", "maxValueDuration"):
        if isinstance(raw.get(key), dict):
            out[key] = raw[key]
    return out
