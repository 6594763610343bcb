"""JSON properties to items: each property of an object (with its ``_name`` primitive-extension twin)
becomes the occurrences of its element definition, and the JSON shape is checked on the way (arrays for
repeating elements, no empty arrays, no nulls, aligned primitive extensions, choice-type suffixes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from adapter.validation.context import WRONG_TYPE, Run
from adapter.validation.structure import ElementNode
from adapter.validation.values import primitive_json_name

if TYPE_CHECKING:
    from adapter.validation.checker import Checker


@dataclass(slots=True)
class Item:
    """One occurrence of an element in the instance."""

    value: Any
    ext: Any
    index: int | None
    type_code: str
    key: str
    path: str


def collect(
    engine: Checker,
    run: Run,
    key: str,
    raw: Any,
    raw_ext: Any,
    found: tuple[ElementNode, str | None],
    path: str,
    groups: dict[int, list[Item]],
) -> None:
    """Turn one JSON property (and its ``_`` twin) into Items of its definition, checking the JSON shape."""
    cnode, suffix = found
    type_code = item_type(engine, run, cnode, suffix, key, path)
    if type_code is None:
        return
    is_list = cnode.is_list
    name = cnode.name[:-3] if suffix else key
    label = f"{path}.{name}"
    if suffix:
        label = f"{path}.{name}.ofType({type_code})"
    items: list[Item] = []
    if is_list:
        values = raw if raw is not None else None
        exts = raw_ext
        if values is not None and not isinstance(values, list):
            run.error(
                "structure",
                f"{path}.{key}",
                f"The property {key} must be a JSON Array, not "
                f"{describe(values)} (cardinality of {cnode.id} is {cnode.raw.get('max', '*')})",
            )
            values = [values]
        if exts is not None and not isinstance(exts, list):
            run.error(
                "structure",
                f"{path}._{key}",
                f"The property _{key} must be a JSON Array, not {describe(exts)}",
            )
            exts = [exts]
        if values == [] or exts == []:
            run.error(
                "invalid",
                f"{path}.{key}",
                "Array cannot be empty - the property should not be present if it has no values",
            )
        n = max(len(values or []), len(exts or []))
        if values is not None and exts is not None and len(values) != len(exts):
            # FHIR JSON says they should align; the HL7 parser reads them position by position and does not
            # count it against the resource, so it is a warning here
            run.warning(
                "structure",
                f"{path}.{key}",
                f"The arrays {key} and _{key} must have the same "
                f"length (found {len(values)} and {len(exts)})",
            )
        for i in range(n):
            v = values[i] if values is not None and i < len(values) else None
            e = exts[i] if exts is not None and i < len(exts) else None
            ipath = f"{label}[{i}]" if not suffix else label
            if v is None and e is None:
                run.error(
                    "structure",
                    ipath,
                    "Array items cannot be null (use the property only for present values)",
                )
                continue
            items.append(Item(v, e, i, type_code, key, ipath))
    else:
        if isinstance(raw, list):
            run.error(
                "structure",
                label,
                f"The property {key} must be a single value, not an array "
                f"(cardinality of {cnode.id} is {cnode.raw.get('max', '1')})",
            )
            for i, v in enumerate(raw):
                items.append(Item(v, None, i, type_code, key, f"{label}[{i}]"))
        elif raw is None and raw_ext is None:
            run.error("structure", label, f"The property {key} cannot be null")
        else:
            items.append(Item(raw, raw_ext, None, type_code, key, label))
    groups.setdefault(cnode.position, []).extend(items)


def item_type(
    engine: Checker, run: Run, cnode: ElementNode, suffix: str | None, key: str, path: str
) -> str | None:
    """The type of a property: the element's single type, or the type its choice suffix names."""
    if suffix is None and cnode.single_type is not None:
        return cnode.single_type
    if suffix is None:
        if len(cnode.types) == 1:
            return cnode.types[0].code
        if cnode.content_ref:
            return "BackboneElement"
        return cnode.types[0].code if cnode.types else "BackboneElement"
    for t in cnode.types:
        if primitive_json_name(t.code) == suffix:
            return t.code
    candidate = suffix[0].lower() + suffix[1:]
    known = candidate if engine.defs.kind(candidate) == "primitive-type" else suffix
    if engine.defs.kind(known) in ("primitive-type", "complex-type"):
        allowed = [t.code for t in cnode.types]
        where = f"{path}.{cnode.name[:-3]}.ofType({known})"
        owner = cnode.structure.versioned_url if cnode.structure is not None else ""
        run.error(
            "structure",
            where,
            f"The Profile '{owner}' definition allows for the type"
            f"{'s' if len(allowed) > 1 else ''} {', '.join(allowed)} but found type {known}",
        )
        return WRONG_TYPE  # present (it counts for cardinality) but not validated further
    run.error("structure", path, f"Unrecognized property '{key}'")
    return None


def describe(value: Any) -> str:
    """How a JSON value reads in a message (an object, an array, ...)."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if value is None:
        return "null"
    return "a string"
