"""Known errata of published packages, corrected when a definition is loaded (as the HL7 tooling does).

- R4 vital signs profiles bind ``Observation.component.value[x]`` to ucum-vitals-common as *required*
  for every type; the binding is meant for quantities, so it is relaxed to *extensible*.
- The R4 build of the extensions pack names R5-only data types in some ``type`` lists; they are dropped.
- R4's iso21090-nullFlavor extension pins its ValueSet to a version that does not exist.
"""

from __future__ import annotations

from typing import Any

_CORE_SD = "http://hl7.org/fhir/StructureDefinition/"
_VITALS = _CORE_SD + "vitalsigns"
_R5_ONLY_TYPES = frozenset(
    {"integer64", "CodeableReference", "RatioRange", "Availability", "ExtendedContactDetail"}
)
_NULL_FLAVOR_VS = "http://terminology.hl7.org/ValueSet/v3-NullFlavor"


def _elements(sd: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for part in ("snapshot", "differential"):
        block = sd.get(part)
        if isinstance(block, dict):
            out.extend(e for e in block.get("element", []) if isinstance(e, dict))
    return out


def fix_loaded(res: dict[str, Any], package: str) -> dict[str, Any]:
    """Apply the errata to a resource loaded from ``package`` (a cache folder name); returns it."""
    if res.get("resourceType") != "StructureDefinition":
        return res
    url = str(res.get("url", ""))
    if package.startswith("hl7.fhir.r4.core") and url.startswith(_CORE_SD):
        if res.get("type") == "Observation" and _VITALS in (url, res.get("baseDefinition")):
            for ed in _elements(res):
                b = ed.get("binding")
                if (
                    ed.get("path") == "Observation.component.value[x]"
                    and isinstance(b, dict)
                    and str(b.get("valueSet", "")).startswith(
                        "http://hl7.org/fhir/ValueSet/ucum-vitals-common"
                    )
                ):
                    b["strength"] = "extensible"
        if url == _CORE_SD + "iso21090-nullFlavor":
            for ed in _elements(res):
                b = ed.get("binding")
                if isinstance(b, dict) and str(b.get("valueSet", "")).startswith(_NULL_FLAVOR_VS + "|"):
                    b["valueSet"] = _NULL_FLAVOR_VS
    if package.startswith("hl7.fhir.uv.extensions.r4"):
        for ed in _elements(res):
            if isinstance(ed.get("type"), list):
                ed["type"] = [t for t in ed["type"] if t.get("code") not in _R5_ONLY_TYPES]
    return res
