"""Invariants (ElementDefinition.constraint): FHIRPath through fhirpathpy, with native equivalents for
the universal core invariants evaluated on nearly every element (ele-1, ext-1, dom-*, txt-*, ref-1).

A native equivalent is used only when both the key and the exact expression text match the R4 core
definition, so a profile's own constraint with a reused key still goes through FHIRPath.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from adapter.validation import narrative
from adapter.validation.context import Frame, Run
from adapter.validation.fhirpath_fast import CHOICE_NAMES
from adapter.validation.fhirpath_functions import CompiledPath, as_boolean, compiled
from adapter.validation.outcome import Issue
from adapter.validation.structure import Constraint, ElementNode

Native = Callable[[Any, Any, Frame], "bool | None"]  # None: not decided natively, evaluate the FHIRPath


def _ele_1(value: Any, ext: Any, frame: Frame) -> bool:
    if isinstance(value, dict):
        return any(k != "id" for k in value)
    if isinstance(value, list):
        return bool(value)
    if value is not None:
        return True
    return isinstance(ext, dict) and bool(ext.get("extension"))


def _ext_1(value: Any, ext: Any, frame: Frame) -> bool:
    if not isinstance(value, dict):
        return True
    has_ext = bool(value.get("extension"))
    has_value = any(k.startswith("value") and len(k) > 5 and k[5].isupper() for k in value)
    return has_ext != has_value


def _contained(value: Any) -> list[dict[str, Any]]:
    c = value.get("contained") if isinstance(value, dict) else None
    return [r for r in c if isinstance(r, dict)] if isinstance(c, list) else []


def _dom_2(value: Any, ext: Any, frame: Frame) -> bool:
    return not any(r.get("contained") for r in _contained(value))


def _walk_strings(data: Any, keys: frozenset[str] | None) -> Iterator[str]:
    """Every string value (of the named keys, or all when keys is None) anywhere below ``data``."""
    stack = [data]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            for k, v in cur.items():
                if isinstance(v, str):
                    if keys is None or k in keys:
                        yield v
                elif isinstance(v, (dict, list)):
                    stack.append(v)
        elif isinstance(cur, list):
            for v in cur:
                if isinstance(v, str):
                    if keys is None:
                        yield v
                elif isinstance(v, (dict, list)):
                    stack.append(v)


def _dom_3(value: Any, ext: Any, frame: Frame) -> bool:
    contained = _contained(value)
    if not contained:
        return True
    refs = set(_walk_strings(value, None))
    xhtml = [s for s in refs if s.startswith("<div")]
    for r in contained:
        rid = r.get("id")
        if isinstance(rid, str) and f"#{rid}" in refs:
            continue
        if isinstance(rid, str) and any(f'"#{rid}"' in d or f"'#{rid}'" in d for d in xhtml):
            continue  # referenced from a narrative (href/src), which the HL7 validator accepts
        if "#" in set(_walk_strings(r, None)):
            continue
        return False
    return True


def _dom_4(value: Any, ext: Any, frame: Frame) -> bool:
    for r in _contained(value):
        meta = r.get("meta")
        if isinstance(meta, dict) and ("versionId" in meta or "lastUpdated" in meta):
            return False
    return True


def _dom_5(value: Any, ext: Any, frame: Frame) -> bool:
    return not any(isinstance(r.get("meta"), dict) and r["meta"].get("security") for r in _contained(value))


def _dom_6(value: Any, ext: Any, frame: Frame) -> bool:
    text = value.get("text") if isinstance(value, dict) else None
    return isinstance(text, dict) and "div" in text


def _txt_1(value: Any, ext: Any, frame: Frame) -> bool:
    return not isinstance(value, str) or narrative.structure_ok(value)


def _txt_2(value: Any, ext: Any, frame: Frame) -> bool:
    return not isinstance(value, str) or narrative.has_content(value)


def _ref_1(value: Any, ext: Any, frame: Frame) -> bool:
    ref = value.get("reference") if isinstance(value, dict) else None
    if not isinstance(ref, str) or not ref.startswith("#"):
        return True
    ids = {r.get("id") for r in _contained(frame.root.resource)}
    return ref[1:] in ids or ref == "#"


def _absent(value: dict[str, Any], name: str) -> bool:
    """True when FHIRPath navigation to ``name`` finds nothing, decided without the fast path (a choice
    name, whose typed forms the fast path looks for, is left to it)."""
    return name not in value and f"_{name}" not in value and name not in CHOICE_NAMES


def _bdl_5(value: Any, ext: Any, frame: Frame) -> bool | None:
    if type(value) is not dict or isinstance(ext, dict):
        return None
    for name in ("resource", "request", "response"):
        if f"_{name}" in value:
            return None
        v = value.get(name)
        if isinstance(v, list):
            if any(x is not None for x in v):
                return True
        elif v is not None:
            return True
        elif name not in value and name in CHOICE_NAMES:
            return None
    return False


def _bdl_8(value: Any, ext: Any, frame: Frame) -> bool | None:
    if type(value) is not dict or isinstance(ext, dict) or "_fullUrl" in value:
        return None
    full_url = value.get("fullUrl")
    if type(full_url) is str:
        return "/_history/" not in full_url
    if full_url is None and ("fullUrl" in value or "fullUrl" not in CHOICE_NAMES):
        return True  # nothing to test: the invariant is empty, which passes
    return None


def _obs_6(value: Any, ext: Any, frame: Frame) -> bool | None:
    if type(value) is dict and not isinstance(ext, dict) and _absent(value, "dataAbsentReason"):
        return True  # the first operand of the 'or' is true
    return None


def _obs_7(value: Any, ext: Any, frame: Frame) -> bool | None:
    if type(value) is dict and not isinstance(ext, dict) and _absent(value, "component"):
        return True  # no components: the second operand of the 'or' is true
    return None


# Natives that decide only the common shapes and return None for the rest (the FHIRPath then runs).
GUARDED: dict[tuple[str, str], Native] = {
    ("bdl-5", "resource.exists() or request.exists() or response.exists()"): _bdl_5,
    ("bdl-8", "fullUrl.contains('/_history/').not()"): _bdl_8,
    ("obs-6", "dataAbsentReason.empty() or value.empty()"): _obs_6,
    (
        "obs-7",
        "value.empty() or component.code.where(coding.intersect(%resource.code.coding).exists()).empty()",
    ): _obs_7,
}

NATIVE: dict[tuple[str, str], Native] = {
    ("ele-1", "hasValue() or (children().count() > id.count())"): _ele_1,
    ("ext-1", "extension.exists() != value.exists()"): _ext_1,
    ("dom-2", "contained.contained.empty()"): _dom_2,
    ("dom-4", "contained.meta.versionId.empty() and contained.meta.lastUpdated.empty()"): _dom_4,
    ("dom-5", "contained.meta.security.empty()"): _dom_5,
    ("dom-6", "text.`div`.exists()"): _dom_6,
    ("txt-1", "htmlChecks()"): _txt_1,
    ("txt-2", "htmlChecks()"): _txt_2,
    (
        "ref-1",
        "reference.startsWith('#').not() or (reference.substring(1).trace('url') in "
        "%rootResource.contained.id.trace('ids'))",
    ): _ref_1,
}
_DOM_3_PREFIX = "contained.where((('#'+id in (%resource.descendants().reference"


def native_for(c: Constraint) -> Native | None:
    """The native equivalent of a core invariant, if this is one."""
    fn = NATIVE.get((c.key, c.expression))
    if fn is None and c.key == "dom-3" and c.expression.startswith(_DOM_3_PREFIX):
        fn = _dom_3
    return fn


Plan = tuple[tuple[Constraint, "Native | None", "CompiledPath | None"], ...]


def plan_for(node: ElementNode) -> Plan:
    """The node's invariants with their native equivalents or compiled FHIRPath (built once per node)."""
    plan: Plan | None = node.plan
    if plan is None:
        built: list[tuple[Constraint, Native | None, CompiledPath | None]] = []
        for c in node.constraints:
            native = native_for(c)
            guarded = GUARDED.get((c.key, c.expression)) if native is None else None
            if guarded is not None and compiled(c.expression).error is None:
                built.append((c, guarded, compiled(c.expression)))
            else:
                built.append((c, native, None if native is not None else compiled(c.expression)))
        plan = tuple(built)
        node.plan = plan
    return plan


def check_constraints(
    run: Run,
    node: ElementNode,
    value: Any,
    ext: Any,
    type_path: str,
    path: str,
    frame: Frame,
    skip: frozenset[str] = frozenset(),
) -> None:
    """Evaluate a node's invariants on one element value and record failures."""
    plan = node.plan
    if plan is None:
        plan = plan_for(node)
    root: Any = None
    for c, native, cp in plan:
        if skip and c.key in skip:
            continue
        if native is not None:
            if native is _ele_1:
                if (value is not None and not isinstance(value, (dict, list))) or (
                    isinstance(value, dict) and (len(value) > 1 or "id" not in value)
                ):
                    continue  # the common case, decided without a call
            elif native is _dom_3 and not run.options.validate_contained:
                continue
            ok: bool | None = native(value, ext, frame)
            if ok is not None:
                if not ok:
                    _report(run, c, path)
                continue
        assert cp is not None  # (a guarded native left this value to the FHIRPath)
        if cp.error is not None:
            run.warning(
                "processing",
                path,
                f"Invariant {c.key} could not be parsed ({cp.error}): {c.expression}",
                rule=c.key,
            )
            continue
        if root is None:
            root = frame.root.resource
        try:
            result = cp.evaluate(value, type_path, frame.resource, root, ext)
        except Exception as exc:  # fhirpathpy raises bare Exceptions
            run.warning(
                "processing",
                path,
                f"Invariant {c.key} could not be evaluated ({type(exc).__name__}: {exc}): {c.expression}",
                rule=c.key,
            )
            continue
        if len(result) == 1 and result[0] is True:
            continue
        # As the HL7 validator converts the result to a boolean: an empty result (an uncertain comparison
        # such as a date against a dateTime of another precision in per-1) fails the invariant.
        if not result or as_boolean(result) is False:
            _report(run, c, path)


def _report(run: Run, c: Constraint, path: str) -> None:
    message = f"Constraint failed: {c.key}: '{c.human}'"
    severity = "error" if c.severity == "error" else "warning"
    run.add(Issue(severity, "invariant", path, message, rule=c.key))
