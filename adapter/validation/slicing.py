"""Slicing: assign repeating items to slices by their discriminators, then check the slicing rules.

Discriminators (https://hl7.org/fhir/R4/profiling.html#discriminator): value and pattern (against the
slice's fixed/pattern value or required binding at the path), exists, type and profile; a slicing
without discriminators falls back to "validates against the slice". Rules: closed, open, openAtEnd;
ordered slicing must keep the slice order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapter.validation.context import WRONG_TYPE, Frame, Run
from adapter.validation.references import resolve
from adapter.validation.structure import ElementNode, StructureInfo
from adapter.validation.values import (
    equals_fixed,
    function_arg,
    matches_pattern,
    primitive_json_name,
    split_path,
    sub_value,
)

if TYPE_CHECKING:
    from adapter.validation.checker import Checker
    from adapter.validation.properties import Item


def check_sliced(
    engine: Checker,
    run: Run,
    base: ElementNode,
    items: list[Item],
    path: str,
    frame: Frame,
    info: StructureInfo,
) -> None:
    """Assign items to slices, check slice and element cardinality, closed/ordered rules, then validate."""
    slices = base.slices
    assigned: list[ElementNode | None] = [
        match_slice(engine, run, base, it, frame) if slices else None for it in items
    ]
    n = len(items)
    if n < base.min or (base.max is not None and n > base.max):
        engine.check_cardinality(run, base, n, path, info)
    rules = base.slicing.rules if base.slicing is not None else "open"
    ordered = base.slicing.ordered if base.slicing is not None else False
    for it, sl in zip(items, assigned, strict=True):
        if sl is None and slices and rules == "closed":
            run.error(
                "structure",
                it.path,
                f"This element does not match any known slice defined in the profile {info.versioned_url}",
                rule="slice-closed",
            )
    if ordered or rules == "openAtEnd":
        _check_order(run, base, items, assigned, info, ordered, rules == "openAtEnd")
    counts: dict[int, int] = {}
    for a in assigned:
        if a is not None:
            counts[id(a)] = counts.get(id(a), 0) + 1
    for sl in slices:
        count = counts.get(id(sl), 0)
        if count < sl.min:
            note = (
                ""
                if rules == "closed"
                else ". Note that other slices are allowed in addition to this required slice"
            )
            if count == 0:
                run.error(
                    "structure",
                    path,
                    f"Slice '{sl.id}': a matching slice is required, but not found "
                    f"(from {info.versioned_url}){note}",
                    rule="slice-min",
                )
            else:
                engine.check_cardinality(run, sl, count, path, info)
        elif sl.max is not None and count > sl.max:
            engine.check_cardinality(run, sl, count, path, info)
    for it, sl in zip(items, assigned, strict=True):
        if it.type_code is not WRONG_TYPE:
            engine.check_value(run, it.value, it.ext, sl or base, it.type_code, it.path, frame, info)


def _check_order(
    run: Run,
    base: ElementNode,
    items: list[Item],
    assigned: list[ElementNode | None],
    info: StructureInfo,
    ordered: bool,
    open_at_end: bool,
) -> None:
    order = {id(s): i for i, s in enumerate(base.slices)}
    last = -1
    seen_unmatched = False
    for it, sl in zip(items, assigned, strict=True):
        if sl is None:
            seen_unmatched = True
            continue
        pos = order[id(sl)]
        if open_at_end and seen_unmatched:
            run.error(
                "structure",
                it.path,
                f"The slice {sl.id} appears after items that match no slice, but "
                f"the slicing is openAtEnd (profile {info.versioned_url})",
            )
        if ordered and pos < last:
            run.error(
                "structure",
                it.path,
                f"As specified by profile {info.versioned_url}, Element '{sl.id}' is out of order",
            )
        last = max(last, pos)


def match_slice(engine: Checker, run: Run, base: ElementNode, item: Item, frame: Frame) -> ElementNode | None:
    """The first slice whose discriminators the item satisfies."""
    discriminators = base.slicing.discriminators if base.slicing is not None else ()
    for sl in base.slices:
        if _matches(engine, run, base, sl, item, discriminators, frame):
            return sl
    return None


def _matches(
    engine: Checker,
    run: Run,
    base: ElementNode,
    sl: ElementNode,
    item: Item,
    discriminators: tuple[tuple[str, str], ...],
    frame: Frame,
) -> bool:
    if not discriminators:
        return _conforms(engine, run, item.value, item.ext, sl, item.type_code, item.path, frame)
    for dtype, dpath in discriminators:
        steps = _STEPS.get(dpath)
        if steps is None:
            steps = _STEPS[dpath] = [s for s in split_path(dpath) if s != "$this"]
        if dtype in ("value", "pattern"):
            ok = _value_matches(engine, run, sl, item, steps, frame)
        elif dtype == "exists":
            ok = _exists_matches(engine, sl, item, steps, frame)
        elif dtype == "type":
            ok = _type_matches(engine, sl, item, steps, frame)
        elif dtype == "profile":
            ok = _profile_matches(engine, run, sl, item, steps, frame)
        else:
            ok = False
        if not ok:
            return False
    return True


_STEPS: dict[str, list[str]] = {}  # discriminator path -> its steps (read only)


def _conforms(
    engine: Checker,
    run: Run,
    value: Any,
    ext: Any,
    node: ElementNode,
    type_code: str,
    path: str,
    frame: Frame,
) -> bool:
    sub = run.fork()
    info = node.structure
    if info is None:
        return False
    engine.check_value(sub, value, ext, node, type_code, path, frame, info)
    return not sub.has_errors


# -- instance side ----------------------------------------------------------------------------------------


def instance_values(engine: Checker, item: Item, steps: list[str], frame: Frame) -> list[tuple[Any, str]]:
    """(value, type) pairs at a discriminator path inside an item."""
    current: list[tuple[Any, str]] = [(item.value, item.type_code)]
    for step in steps:
        nxt: list[tuple[Any, str]] = []
        for v, t in current:
            if step == "resolve()":
                ref = v.get("reference") if isinstance(v, dict) else None
                target = resolve(engine, ref, frame) if isinstance(ref, str) else None
                if target is not None:
                    nxt.append((target, str(target.get("resourceType"))))
            elif step.startswith("extension("):
                url = function_arg(step)
                if isinstance(v, dict):
                    for e in v.get("extension", []) or []:
                        if isinstance(e, dict) and e.get("url") == url:
                            nxt.append((e, "Extension"))
            elif step.startswith("ofType("):
                want = function_arg(step)
                if t == want or primitive_json_name(t) == want:
                    nxt.append((v, t))
            elif isinstance(v, dict):
                if step in v:
                    raw = v[step]
                    child_type = _child_type(engine, t, step)
                    for x in raw if isinstance(raw, list) else [raw]:
                        if isinstance(x, dict) and "resourceType" in x:
                            nxt.append((x, str(x["resourceType"])))
                        else:
                            nxt.append((x, child_type))
                else:
                    for k, raw in v.items():
                        if k.startswith(step) and len(k) > len(step) and k[len(step)].isupper():
                            suffix = k[len(step) :]
                            tname = suffix if engine.defs.kind(suffix) else suffix[0].lower() + suffix[1:]
                            for x in raw if isinstance(raw, list) else [raw]:
                                nxt.append((x, tname))
        current = nxt
    return current


def _child_type(engine: Checker, type_code: str, name: str) -> str:
    key = (type_code, name)
    found = engine.child_types.get(key)
    if found is None:
        found = engine.child_types[key] = _find_child_type(engine, type_code, name)
    return found


def _find_child_type(engine: Checker, type_code: str, name: str) -> str:
    holder = engine.type_root(type_code)
    if holder is None:
        return ""
    found = holder.child_for(name)
    if found is None:
        return ""
    node, _ = found
    return node.types[0].code if len(node.types) == 1 else ""


# -- definition side --------------------------------------------------------------------------------------


def profile_holder(engine: Checker, node: ElementNode) -> ElementNode | None:
    """Where the children of a slice are defined: its own, its single type profile's, or its type's."""
    single = node.types[0] if len(node.types) == 1 and len(node.types[0].profiles) == 1 else None
    element = single.profile_element(0) if single is not None else None
    if element is not None:  # the type profile names one of its elements: its definition is the slice's
        assert single is not None
        prof = engine.defs.structure(single.profiles[0])
        found = prof.by_id.get(element) if prof is not None else None
        if found is not None:
            return found
    if node.children:
        return node
    if single is not None:
        prof = engine.defs.structure(single.profiles[0])
        if prof is not None:
            return prof.root
    return engine.defs.holder(node)


def definition_at(
    engine: Checker, sl: ElementNode, steps: list[str], *, into_required_slice: bool = False
) -> tuple[ElementNode | None, list[str]]:
    """The element definition reached by a path from a slice, and any steps left when a fixed or pattern
    value was met first (the rest of the path then points into that value).

    ``into_required_slice``: where the path passes a sliced element with exactly one required slice, go on
    in that slice (R4's bp profile fixes its components' codes in the ``SBPCode`` slice of ``code.coding``,
    and slices the components on ``code.coding.code``, as the HL7 validator reads it)."""
    node: ElementNode | None = sl
    for i, step in enumerate(steps):
        if node is None:
            return None, []
        if (node.fixed is not None or node.pattern is not None) and not step.startswith(("ofType(",)):
            return node, steps[i:]
        if step.startswith("ofType("):
            continue
        if step == "resolve()":
            targets = [tp for t in node.types for tp in t.target_profiles]
            prof = engine.defs.structure(targets[0]) if targets else None
            node = prof.root if prof is not None else None
            continue
        holder = profile_holder(engine, node)
        if holder is None:
            return None, []
        if step.startswith("extension("):
            url = function_arg(step)
            ext = holder.by_name.get("extension")
            node = _extension_slice(engine, ext, url) if ext is not None else None
            continue
        found = holder.child_for(step)
        if found is None and holder.choices:
            found = next(((n, None) for p, n in holder.choices if p == step), None)
        node = found[0] if found is not None else None
        if into_required_slice and node is not None and node.slices:
            required = [x for x in node.slices if x.min > 0]
            node = required[0] if len(required) == 1 else node
    return node, []


def _extension_slice(engine: Checker, ext: ElementNode, url: str) -> ElementNode | None:
    for s in ext.slices:
        for t in s.types:
            if url in t.profiles:
                return s
        holder = profile_holder(engine, s)
        url_node = holder.by_name.get("url") if holder is not None else None
        if url_node is not None and url_node.fixed is not None and url_node.fixed[1] == url:
            return s
    return None


def _expected(engine: Checker, sl: ElementNode, steps: list[str]) -> tuple[str, Any] | None:
    """What a value/pattern discriminator expects of a slice (memoised per engine: definitions only)."""
    key = (id(sl), id(steps))  # steps lists are the shared ones of _STEPS, one per discriminator path
    found = engine.slice_values.get(key)
    if found is None or found[0] is not sl or found[1] is not steps:
        found = (sl, steps, _find_expected(engine, sl, steps))
        engine.slice_values[key] = found
    return found[2]


def _find_expected(engine: Checker, sl: ElementNode, steps: list[str]) -> tuple[str, Any] | None:
    found = _expected_at(engine, sl, steps, *definition_at(engine, sl, steps))
    if found is None:
        found = _expected_at(engine, sl, steps, *definition_at(engine, sl, steps, into_required_slice=True))
    return found


def _expected_at(
    engine: Checker, sl: ElementNode, steps: list[str], node: ElementNode | None, rest: list[str]
) -> tuple[str, Any] | None:
    if node is None:
        return None
    if rest:
        kind = "fixed" if node.fixed is not None else "pattern"
        src = node.fixed if node.fixed is not None else node.pattern
        assert src is not None
        return kind + "-values", sub_value(src[1], rest)
    if node.fixed is not None:
        return "fixed", node.fixed[1]
    if node.pattern is not None:
        return "pattern", node.pattern[1]
    if node.binding is not None and node.binding.strength == "required" and node.binding.value_set:
        return "binding", node.binding.value_set
    if steps and steps[-1] == "url" and len(sl.types) == 1 and sl.types[0].profiles:
        return "fixed", sl.types[0].profiles[0]
    return None


def _value_matches(
    engine: Checker, run: Run, sl: ElementNode, item: Item, steps: list[str], frame: Frame
) -> bool:
    expected = _expected(engine, sl, steps)
    if expected is None:
        return False
    kind, want = expected
    if len(steps) == 1 and "(" not in steps[0]:
        found = _plain_values(item.value, steps[0])  # what instance_values finds, without the types
    else:
        found = [v for v, _ in instance_values(engine, item, steps, frame)]
    if kind == "fixed":
        return any(equals_fixed(v, want) for v in found)
    if kind == "pattern":
        return any(matches_pattern(v, want) for v in found)
    if kind in ("fixed-values", "pattern-values"):
        wants = want if isinstance(want, list) else [want]
        if not wants:
            return False
        return all(any(matches_pattern(v, w) for v in found) for w in wants)
    if kind == "binding":
        return any(_in_value_set(engine, v, str(want)) for v in found)
    return False


def _plain_values(value: Any, name: str) -> list[Any]:
    """The values of one plain (unparenthesised) discriminator step, in instance_values order."""
    if not isinstance(value, dict):
        return []
    if name in value:
        raw = value[name]
        return raw if isinstance(raw, list) else [raw]
    out: list[Any] = []
    n = len(name)
    for k, raw in value.items():
        if k.startswith(name) and len(k) > n and k[n].isupper():
            out.extend(raw if isinstance(raw, list) else [raw])
    return out


def _in_value_set(engine: Checker, v: Any, vs: str) -> bool:
    codings: list[tuple[str | None, str]] = []
    if isinstance(v, str):
        codings.append((None, v))
    elif isinstance(v, dict):
        if isinstance(v.get("code"), str):
            codings.append((v.get("system"), v["code"]))
        for c in v.get("coding", []) or []:
            if isinstance(c, dict) and isinstance(c.get("code"), str):
                codings.append((c.get("system"), c["code"]))
    return any(engine.tx.member(vs, s, c).member is True for s, c in codings)


def _exists_matches(engine: Checker, sl: ElementNode, item: Item, steps: list[str], frame: Frame) -> bool:
    node, _ = definition_at(engine, sl, steps)
    present = bool(instance_values(engine, item, steps, frame))
    if node is None:
        return False
    if node.min >= 1:
        return present
    if node.max == 0:
        return not present
    return False


def _type_matches(engine: Checker, sl: ElementNode, item: Item, steps: list[str], frame: Frame) -> bool:
    node, _ = definition_at(engine, sl, steps)
    if node is None:
        return False
    allowed = {t.code for t in node.types}
    found = instance_values(engine, item, steps, frame)
    for v, t in found:
        actual = v.get("resourceType") if isinstance(v, dict) and "resourceType" in v else t
        if actual in allowed or (
            allowed & {"Resource", "DomainResource"} and isinstance(v, dict) and "resourceType" in v
        ):
            return True
    return False


def _profile_matches(
    engine: Checker, run: Run, sl: ElementNode, item: Item, steps: list[str], frame: Frame
) -> bool:
    # A path ending in resolve() names the reference: the slice's profiles are its target profiles (going
    # through resolve() would land on the target profile's root, which names none).
    resolves = bool(steps) and steps[-1] == "resolve()"
    node, _ = definition_at(engine, sl, steps[:-1] if resolves else steps)
    if node is None:
        return False
    urls = [p for t in node.types for p in (t.target_profiles if resolves else t.profiles)]
    if not urls:
        return True  # the slice puts no profile at this discriminator's path: it does not tell slices apart
    plain = ".".join(s for s in steps if "(" not in s)
    for v, t in instance_values(engine, item, steps, frame):
        where = (frame.bundle.path_of(v) if frame.bundle is not None and isinstance(v, dict) else None) or (
            f"{item.path}.{plain}" if plain else item.path
        )
        for url in urls:
            prof = engine.defs.structure(url)
            if prof is None:
                continue
            sub = run.fork()
            engine.check_against(sub, v, None, prof, t, where, frame)
            if not sub.has_errors:
                return True
    return False
