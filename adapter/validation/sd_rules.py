"""Checks on StructureDefinition resources themselves (beyond their structure): slicing discriminators
must point at elements that exist, and bindings only belong on coded types."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapter.validation.context import Run
from adapter.validation.structure import SYSTEM_TYPES, ElementNode
from adapter.validation.values import equals_fixed, split_path

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


INHERIT_OBLIGATIONS = "http://hl7.org/fhir/StructureDefinition/inherit-obligations"
OBLIGATION_PROFILE = "http://hl7.org/fhir/StructureDefinition/obligation-profile"


def check_structure_definition(engine: Checker, run: Run, sd: dict[str, Any], path: str) -> None:
    """Report discriminators that name no element, bindings on types that cannot be bound, type profiles
    of other types, differential elements with no match, and obligation profiles that cannot be
    inherited."""
    _check_inherited_obligations(engine, run, sd, path)
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
        _check_type_profiles(engine, run, e, here)
        if base is not None:
            _check_fixed_kept(run, e, base, here)
    if base is not None and sd.get("derivation") == "constraint":
        _check_differential_order(run, sd, elements, base, path)


def _check_type_profiles(engine: Checker, run: Run, e: dict[str, Any], here: str) -> None:
    """A type profile must be a profile of that very type (SD_ED_TYPE_PROFILE_WRONG): Count is a type of
    its own (a specialisation of Quantity), so it is no profile for a Quantity element."""
    for k, t in enumerate(e.get("type", []) or []):
        if not isinstance(t, dict) or not isinstance(t.get("code"), str):
            continue
        code = t["code"]
        if code in _ANY_TYPE or "/" in code or not engine.defs.kind(code):
            continue
        for j, url in enumerate(t.get("profile", []) or []):
            prof = engine.defs.structure(str(url)) if isinstance(url, str) else None
            if prof is None or prof.kind == "logical" or prof.type == code:
                continue
            run.error(
                "invalid",
                f"{here}.type[{k}].profile[{j}]",
                f"Profile {url} is for type {prof.type}, but the {e['path']} element has type {code}",
                rule="SD_ED_TYPE_PROFILE_WRONG",
            )


_ANY_TYPE = frozenset({"Resource", "DomainResource", "Element", "BackboneElement"})


def _check_differential_order(
    run: Run, sd: dict[str, Any], elements: list[Any], base: Any, path: str
) -> None:
    """Differential elements are matched to the base in the base's order, as the snapshot generator walks
    it: one that names no base element, or comes after a later one, has no match in the snapshot."""
    order = {eid: i for i, eid in enumerate(base.by_id)}  # (ids and paths, in snapshot order)
    positions: list[tuple[int, int, str]] = []  # (differential index, base position, path)
    for i, e in enumerate(elements):
        if not isinstance(e, dict) or not isinstance(e.get("path"), str):
            continue
        if e.get("sliceName") or ":" in str(e.get("id", "")):
            return  # slices repeat paths: their order is the slicing's business
        p = e["path"]
        at = _base_position(p, order, base)
        if at is None:
            head, _, last = p.rpartition(".")
            choice = f"{head}.{_choice_prefix(last, base, head)}[x]"
            if choice in order:
                run.error(
                    "invalid",
                    path,
                    f"Error generating Snapshot: The path must be '{choice}' not '{p}' when the type list is "
                    "not constrained (this usually arises from a problem in the differential)",
                    rule="ERROR_GENERATING_SNAPSHOT",
                )
            continue
        positions.append((i, at, p))
    seen: set[int] = set()
    cursor = 0
    for b in sorted({at for _, at, _ in positions}):
        j = next((k for k in range(cursor, len(positions)) if positions[k][1] == b), None)
        if j is None:
            continue
        seen.add(j)
        cursor = j + 1
        while cursor < len(positions) and positions[cursor][1] == b:
            seen.add(cursor)
            cursor += 1
    unmatched = [(positions[k][0], positions[k][2]) for k in range(len(positions)) if k not in seen]
    for i, p in unmatched:
        run.error(
            "invalid",
            f"{path}.differential.element[{i}]",
            f"No match found for {p} in the generated snapshot: check that the path and definitions are "
            "legal in the differential (including order)",
            rule="SNAPSHOT_NO_MATCH",
        )
    if unmatched:
        n = len(unmatched)
        ids = ", ".join(p for _, p in unmatched)
        run.error(
            "invalid",
            path,
            f"The profile {sd.get('url')} has {n} element{'s' if n > 1 else ''} in the differential "
            f"(id: {ids}) that don't have a matching element in the snapshot: check that the path and "
            "definitions are legal in the differential (including order)",
            rule="SNAPSHOT_NO_MATCH",
        )


def _choice_prefix(last: str, base: Any, head: str) -> str:
    """The choice element name a renamed path segment starts with (``valueBla`` -> ``value``)."""
    for i in range(len(last) - 1, 0, -1):
        if last[i].isupper() and f"{head}.{last[:i]}[x]" in base.by_id:
            return last[:i]
    return last


def _base_position(p: str, order: dict[str, int], base: Any) -> int | None:
    """The position in the base snapshot of a differential path, or of its nearest base ancestor when the
    path goes into a data type (None: it names nothing in the base)."""
    if p in order:
        return order[p]
    head, _, last = p.rpartition(".")
    prefix = _choice_prefix(last, base, head)
    if prefix != last:
        choice = f"{head}.{prefix}[x]"
        node = base.by_id.get(choice)
        suffix = last[len(prefix) :]
        if node is not None and any(t.code[:1].upper() + t.code[1:] == suffix for t in node.types):
            return order.get(choice)
        return None
    if head and head in order:
        return order[head] if base.by_id.get(head) is not None and not base.by_id[head].children else None
    if head:
        return _base_position(head, order, base)
    return None


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


def _check_inherited_obligations(engine: Checker, run: Run, sd: dict[str, Any], path: str) -> None:
    """inherit-obligations names obligation profiles on the same base as this profile (the HL7 validator's
    obligation-profile rules)."""
    for i, ext in enumerate(sd.get("extension", []) or []):
        if not isinstance(ext, dict) or ext.get("url") != INHERIT_OBLIGATIONS:
            continue
        url = ext.get("valueCanonical")
        other = engine.defs.structure_definition(url) if isinstance(url, str) else None
        if other is None:
            continue
        here = f"{path}.extension[{i}]"
        marked = any(
            isinstance(x, dict) and x.get("url") == OBLIGATION_PROFILE and x.get("valueBoolean") is True
            for x in other.get("extension", []) or []
        )
        if not marked:
            run.error(
                "business-rule",
                here,
                f"The profile '{url}' is not marked as an obligation profile",
                rule="SD_OBLIGATION_PROFILE_NOT_MARKED",
            )
            continue
        base, theirs = sd.get("baseDefinition"), other.get("baseDefinition")
        if isinstance(base, str) and theirs != base:
            run.error(
                "business-rule",
                here,
                f"The profile '{url}' has a different base '{theirs}' from that expected '{base}'",
                rule="SD_OBLIGATION_PROFILE_WRONG_BASE",
            )


def _check_fixed_kept(run: Run, e: dict[str, Any], base: Any, here: str) -> None:
    """A derived profile cannot change a value its base fixes (the snapshot generator's fixed-value rule)."""
    mine = next(((k, v) for k, v in e.items() if k.startswith("fixed")), None)
    node = base.by_id.get(str(e.get("id") or e["path"])) or base.by_id.get(e["path"])
    if mine is None or node is None or node.fixed is None:
        return
    if not equals_fixed(mine[1], node.fixed[1]):
        run.error(
            "invalid",
            here,
            f"Value is '{mine[1]}' but is fixed to '{node.fixed[1]}' in the profile, because the value must "
            f"match the fixed value defined in '{base.url}'",
            rule="PROFILE_FIXED_VALUE_CHANGED",
        )
