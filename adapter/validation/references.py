"""References: target types, contained ('#id') and Bundle resolution, aggregation, target profiles.

See https://hl7.org/fhir/R4/references.html and, for Bundles,
https://hl7.org/fhir/R4/bundle.html#references.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from adapter.validation.context import Frame, Run
from adapter.validation.structure import SD_PREFIX, ElementNode, StructureInfo

if TYPE_CHECKING:
    from adapter.validation.checker import Checker

_TYPE_ID = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/[A-Za-z0-9\-.]{1,64})?$")


def reference_type(ref: str) -> str | None:
    """The resource type named by a literal reference (``Patient/1``, ``http://x/fhir/Patient/1``)."""
    if ref.startswith(("#", "urn:")):
        return None
    m = _TYPE_ID.search(ref)
    return m.group(1) if m else None


def resolve(engine: Checker, ref: str, frame: Frame) -> dict[str, Any] | None:
    """The resource a reference points to: contained, or in the enclosing Bundle."""
    if ref.startswith("#"):
        return contained_target(frame, ref)
    if frame.bundle is not None:
        return frame.bundle.resolve(ref, frame.full_url)  # type: ignore[no-any-return]
    return None


def contained_target(frame: Frame, ref: str) -> dict[str, Any] | None:
    """The contained resource with id ``ref[1:]`` in the containing resource (``#`` is the container)."""
    root = frame.root.resource
    if ref == "#":
        return root
    for r in root.get("contained", []) or []:
        if isinstance(r, dict) and r.get("id") == ref[1:]:
            return r
    return None


_TARGETS: dict[int, tuple[ElementNode, list[str], list[str]]] = {}


def _allowed_types(engine: Checker, node: ElementNode) -> tuple[list[str], list[str]]:
    """(target type names, target profile URLs) of a Reference element (memoised per definition)."""
    known = _TARGETS.get(id(node))
    if known is not None and known[0] is node:
        return known[1], known[2]
    types, profiles = _target_types(engine, node)
    _TARGETS[id(node)] = (node, types, profiles)
    return types, profiles


def _target_types(engine: Checker, node: ElementNode) -> tuple[list[str], list[str]]:
    profiles = [p for t in node.types if t.code == "Reference" for p in t.target_profiles]
    types: list[str] = []
    for url in profiles:
        info = engine.defs.structure(url)
        if info is not None:
            name = info.type
        elif url.startswith(SD_PREFIX):
            name = url[len(SD_PREFIX) :].split("|")[0]
        else:
            return [], profiles  # an unknown target profile: its type cannot be told, so any type passes
        if name not in types:
            types.append(name)
    return types, profiles


def check_reference(
    engine: Checker, run: Run, value: dict[str, Any], node: ElementNode, path: str, frame: Frame
) -> None:
    """Check a Reference value's target type, resolution and aggregation."""
    ref = value.get("reference")
    if not isinstance(ref, str) or not ref:
        return
    types, profiles = _allowed_types(engine, node)
    any_type = not types or "Resource" in types
    stated = value.get("type")  # Reference.type: the type of the target, stated by the sender
    if isinstance(stated, str) and not any_type and stated not in types:
        # Reference_REF_WrongTarget
        run.error(
            "structure",
            f"{path}.type",
            f"The type '{stated}' is not a valid Target for this element "
            f"(must be one of [{', '.join(types)}])",
            rule="Reference_REF_WrongTarget",
        )
    aggregation = {a for t in node.types if t.code == "Reference" for a in t.aggregation}
    if ref.startswith("#"):
        target = contained_target(frame, ref)
        if target is None:
            run.error(
                "structure", path, f"Unable to resolve resource with reference '{ref}'", rule="ref-contained"
            )
            return
        if aggregation and "contained" not in aggregation:
            run.error(
                "structure",
                path,
                f"Reference is to a contained resource, which isn't supported by the "
                f"specified aggregation mode(s) for the reference ({', '.join(sorted(aggregation))})",
            )
        if isinstance(stated, str) and target.get("resourceType") != stated:
            _stated_type_differs(run, stated, str(target.get("resourceType")), path)
        _check_target(engine, run, target, ref, types, profiles, any_type, path, frame)
        return
    if "?" in ref and (frame.bundle is None or frame.bundle.kind not in ("transaction", "batch")):
        run.error(
            "invalid",
            path,
            f"The reference '{ref}' is a conditional reference, and conditional references are only valid "
            "inside a transaction Bundle",
            rule="REFERENCE_REF_QUERY_NOT_TRANSACTION",
        )
        return
    declared = reference_type(ref)
    if isinstance(stated, str) and declared is not None and stated != declared:
        _stated_type_differs(run, stated, declared, path)
    if (
        declared is not None
        and not any_type
        and declared not in types
        and engine.defs.is_resource_type(declared)
    ):
        run.error(
            "structure",
            path,
            f"The type '{declared}' implied by the reference URL {ref} is not a valid "
            f"Target for this element (must be one of [{', '.join(types)}])",
            rule="ref-type",
        )
        return
    target = resolve(engine, ref, frame)
    bundle = frame.bundle
    if target is None and bundle is not None:
        if len(bundle.matches(ref, frame.full_url)) > 1:
            run.error("forbidden", path, f"Multiple matches in bundle for reference {ref}", rule="ref-bundle")
            return
        _near_miss_warnings(run, bundle, ref, frame.full_url, path)
        if ref.startswith("urn:"):
            # a urn: reference resolves only inside the Bundle (https://hl7.org/fhir/R4/bundle.html#references)
            run.warning(
                "invalid",
                path,
                f"URN reference is not locally contained within the bundle {ref}",
                rule="Bundle_BUNDLE_Not_Local",
            )
            run.error(
                "structure",
                path,
                f"Unable to resolve resource with reference '{ref}'",
                rule="Reference_REF_CantResolve",
            )
    if target is None:
        if aggregation and "referenced" not in aggregation:  # it must be contained or in the Bundle
            modes = ", ".join(sorted(aggregation))
            if "://" not in ref and not ref.startswith("urn:"):
                run.error(
                    "required",
                    path,
                    f"Bundled or contained reference not found within the bundle/resource {ref}",
                    rule="Reference_REF_NotFound_Bundle",
                )
            else:
                run.error(
                    "structure",
                    path,
                    "Reference is external which isn't supported by the specified "
                    f"aggregation mode(s) for the reference ({modes})",
                    rule="Reference_REF_Aggregation",
                )
        if run.options.fetcher is not None:
            fetched = run.options.fetcher(ref)
            if fetched is not None and run.options.check_references:
                _check_target(engine, run, fetched, ref, types, profiles, any_type, path, frame)
        return
    if declared is not None and target.get("resourceType") != declared:
        run.error(
            "required",
            path,
            f"Matching reference for reference {ref} has resourceType {target.get('resourceType')}",
            rule="ref-target-type",
        )
        return
    if isinstance(stated, str) and declared is None and target.get("resourceType") != stated:
        _stated_type_differs(run, stated, str(target.get("resourceType")), path)
    _check_target(engine, run, target, ref, types, profiles, any_type, path, frame)


def _stated_type_differs(run: Run, stated: str, actual: str, path: str) -> None:
    """Reference.type contradicts the type of the target (named by the URL, or resolved)."""
    run.error(
        "structure",
        path,
        f"Invalid Resource target type. Found {stated}, but expected one of ({actual})",
        rule="Reference_REF_BadTargetType",
    )


def _near_miss_warnings(run: Run, bundle: Any, ref: str, full_url: str | None, path: str) -> None:
    target, _ = bundle.target_url(ref, full_url)
    misses = bundle.near_misses(ref, full_url)
    if target is None or not misses:
        return
    if len(misses) > 1:
        run.warning(
            "required",
            path,
            f"The bundle contains no match for {target} by the rules of Bundle reference "
            f"resolution, but it has multiple resources that match {ref} by resource type and id",
        )
    for i, fu in misses:
        run.warning(
            "required",
            path,
            f"Entry {i} matches the reference {ref} by type and id but its fullUrl {fu} "
            f"does not match the full target URL {target} by Bundle resolution rules",
        )


def _constrained(engine: Checker, profiles: list[str], rtype: Any) -> list[StructureInfo]:
    """The target profiles that constrain ``rtype`` (memoised per engine and target list)."""
    if not isinstance(rtype, str):
        return _find_constrained(engine, profiles, rtype)
    key = (id(profiles), rtype)
    known = engine.target_profiles.get(key)
    if known is None or known[0] is not profiles:
        known = engine.target_profiles[key] = (profiles, _find_constrained(engine, profiles, rtype))
    return known[1]


def _find_constrained(engine: Checker, profiles: list[str], rtype: Any) -> list[StructureInfo]:
    out = []
    for url in profiles:
        info = engine.defs.structure(url)
        if info is not None and info.derivation == "constraint" and info.type == rtype:
            out.append(info)
    return out


def _check_target(
    engine: Checker,
    run: Run,
    target: dict[str, Any],
    ref: str,
    types: list[str],
    profiles: list[str],
    any_type: bool,
    path: str,
    frame: Frame,
) -> None:
    rtype = target.get("resourceType")
    if not any_type and rtype not in types:
        run.error(
            "structure",
            path,
            f"Matching reference for reference {ref} has resourceType {rtype} (must be "
            f"one of [{', '.join(types)}])",
            rule="ref-target-type",
        )
        return
    if not profiles:
        return
    constrained = _constrained(engine, profiles, rtype)
    if not constrained:
        return
    for info in constrained:
        key = (id(target), info.url)
        if key in run.validating:
            return  # a circle: being validated against this profile already
        done = run.profile_results.get(key)  # what against() would return, without building a frame
        if done is not None:
            if not any(i.is_error for i in done):
                return
            continue
        bundle = frame.bundle
        where = bundle.path_of(target) if bundle is not None else None
        target_frame = Frame(
            target,
            where or f"{path}.resolve()",
            frame,
            bundle,
            bundle.full_url_for(target) if bundle is not None else None,
        )
        if not any(i.is_error for i in engine.against(run, target, info, target_frame.path, target_frame)):
            return
    _report_target_failure(run, target, ref, constrained, path, frame)


def _report_target_failure(
    run: Run, target: dict[str, Any], ref: str, failed: list[StructureInfo], path: str, frame: Frame
) -> None:
    """The target fails the reference's target profiles: report the cause once, as the HL7 validator does.

    When the target claims a failing profile (meta.profile) and sits in this Bundle or resource, its own
    validation reports why, so the reference only points there (information). Otherwise the first
    reference to it is the error (Reference_REF_CantMatchChoice) and the others point at that one."""
    urls = ", ".join(i.url for i in failed)
    cause = _own_report(target, failed, frame)
    key = (id(target), urls)
    if cause is None:
        first = run.failed_targets.get(key)
        if first is None:
            run.failed_targets[key] = path
            run.error(
                "structure",
                path,
                f"Unable to find a profile match for {ref} among choices: {urls}",
                rule="Reference_REF_CantMatchChoice",
            )
            return
        cause = first
    run.info(
        "informational",
        path,
        f"{ref} does not conform to {urls}: the cause is reported at {cause}",
        rule="Reference_REF_CantMatchChoice",
    )


def _own_report(target: dict[str, Any], failed: list[StructureInfo], frame: Frame) -> str | None:
    """Where the target's own validation reports why it fails one of ``failed`` (None: nowhere)."""
    meta = target.get("meta")
    claimed = meta.get("profile") if isinstance(meta, dict) else None
    if not isinstance(claimed, list) or not any(
        isinstance(u, str) and u.split("|", 1)[0] == info.url for u in claimed for info in failed
    ):
        return None
    if frame.bundle is not None:
        where = frame.bundle.path_of(target)
        if where is not None:
            return str(where)
    root = frame.root
    for i, r in enumerate(root.resource.get("contained", []) or []):
        if r is target:
            return f"{root.path}.contained[{i}]"
    return None
