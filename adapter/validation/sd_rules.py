"""Checks on StructureDefinition resources themselves (beyond their structure): slicing discriminators
must point at elements that exist, and bindings only belong on coded types."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapter.validation.context import Run
from adapter.validation.structure import SYSTEM_TYPES, ElementNode
from adapter.validation.values import split_path

if TYPE_CHECKING:
    from adapter.validation.checker import Checker

BINDABLE = frozenset(
    {
        "code",
        "Coding",
        "CodeableConcept",
        "Quantity",
        "string",
        "uri",
        "CodeableReference",
        "canonical",
        "url",
    }
)


def check_structure_definition(engine: Checker, run: Run, sd: dict[str, Any], path: str) -> None:
    """Report discriminators that name no element, and bindings on types that cannot be bound."""
    diff = sd.get("differential")
    elements = diff.get("element") if isinstance(diff, dict) else None
    if not isinstance(elements, list):
        return
    base = (
        engine.defs.structure(str(sd.get("baseDefinition", "")).split("|")[0])
        if sd.get("baseDefinition")
        else None
    )
    for i, e in enumerate(elements):
        if not isinstance(e, dict) or not isinstance(e.get("path"), str):
            continue
        here = f"{path}.differential.element[{i}]"
        types = _types(e, base)
        slicing = e.get("slicing")
        if isinstance(slicing, dict):
            for j, d in enumerate(slicing.get("discriminator", []) or []):
                dpath = d.get("path") if isinstance(d, dict) else None
                if isinstance(dpath, str) and not _path_ok(engine, e, types, dpath):
                    run.error(
                        "invalid",
                        f"{here}.slicing.discriminator[{j}]",
                        f"The discriminator path '{dpath}' "
                        f"does not appear to be valid for the element that is being sliced '{e['path']}'",
                    )
        if e.get("binding") and types and not set(types) & BINDABLE:
            run.error(
                "business-rule",
                here,
                f"This element has a Binding but the types {sorted(set(types))} do "
                "not make this kind of constraint relevant",
            )


def _types(e: dict[str, Any], base: Any) -> list[str]:
    listed = [
        SYSTEM_TYPES.get(str(t.get("code")), str(t.get("code")))
        for t in e.get("type", []) or []
        if isinstance(t, dict) and t.get("code")
    ]
    if listed:
        return listed
    node: ElementNode | None = base.by_id.get(e["path"]) if base is not None else None
    return [t.code for t in node.types] if node is not None else []


def _path_ok(engine: Checker, e: dict[str, Any], types: list[str], dpath: str) -> bool:
    steps = [s for s in split_path(dpath) if s != "$this"]
    if not steps or not types:
        return True
    first = steps[0]
    if first.startswith(("extension(", "resolve(", "ofType(")) or "(" in first:
        return True
    profiles = [p for t in e.get("type", []) or [] if isinstance(t, dict) for p in t.get("profile", []) or []]
    holders = [engine.defs.structure(p) for p in profiles] or [engine.defs.structure(t) for t in types]
    known = [h for h in holders if h is not None]
    if not known:
        return True
    return any(
        h.root.child_for(first) is not None or any(p == first for p, _ in h.root.choices) for h in known
    )
