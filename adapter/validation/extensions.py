"""Extensions: resolve the url to its definition, check where it may be used (context) and modifier use,
and validate the extension against its definition (https://hl7.org/fhir/R4/extensibility.html)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from adapter.validation.context import Frame, Run
from adapter.validation.primitives import EXAMPLE_DOMAINS
from adapter.validation.structure import ElementNode, StructureInfo

if TYPE_CHECKING:
    from adapter.validation.checker import Checker

HL7_TOOL_EXTENSIONS = "http://hl7.org/fhir/tools/StructureDefinition/"
_PARENT = re.compile(r"\.[^.()]+(\.ofType\([^)]*\))?$")  # the last segment of an instance path


def allow_unknown(run: Run, url: str) -> bool:
    """Unknown extensions the HL7 validator accepts (example domains when examples are allowed)."""
    opts = run.options
    if opts.allow_examples and any(d in url for d in EXAMPLE_DOMAINS):
        return True
    if "nema.org" in url or url.startswith(HL7_TOOL_EXTENSIONS):
        return True
    return opts.any_extensions_allowed or url.startswith(opts.extension_domains)


def _is_absolute(url: str) -> bool:
    return ":" in url


def check_extension(
    engine: Checker,
    run: Run,
    value: dict[str, Any],
    node: ElementNode,
    path: str,
    frame: Frame,
    info: StructureInfo,
) -> bool:
    """Checks for one Extension (or modifierExtension) value; True when its content was validated
    against the extension's own definition (so the generic Extension children need no check)."""
    url = value.get("url")
    if not isinstance(url, str):
        return False
    container_type = run.types.get(_container(path), ("", ""))[0]
    if not _is_absolute(url):
        if container_type == "Extension":
            if info.is_extension and node.slice_name is None and "extension" in node.path:
                run.error(
                    "structure",
                    path,
                    f"Sub-extension url '{url}' is not defined by the Extension {info.url}",
                    rule="ext-sub",
                )
        else:
            run.error("invalid", path, "Extension.url must be an absolute URL", rule="ext-url")
        return False
    ext_info = engine.defs.structure(url)
    if ext_info is None:
        if allow_unknown(run, url):
            run.info(
                "structure",
                path,
                f"Unknown extension {url} (its definition is not loaded: not checked)",
                rule="ext-unknown",
            )
        else:
            run.error(
                "structure",
                path,
                f"The extension {url} could not be found so is not allowed here",
                rule="ext-unknown",
            )
        return False
    is_modifier = node.name == "modifierExtension"
    declared_modifier = ext_info.root.is_modifier
    if is_modifier and not declared_modifier:
        run.error(
            "structure",
            path,
            f"Extension {url} is used as a modifierExtension, but it is not defined as a modifier",
            rule="ext-modifier",
        )
    elif not is_modifier and declared_modifier:
        run.error(
            "structure",
            path,
            f"Extension {url} is a modifier extension, so it must be in modifierExtension",
            rule="ext-modifier",
        )
    check_context(engine, run, ext_info, path, frame, value)
    engine.check_against(run, value, None, ext_info, "Extension", path, frame)
    return True


def _container(path: str) -> str:
    """The path of the element that holds an extension (``Patient.address[0]``)."""
    head, _, _ = path.rpartition(".")
    return head


def check_context(
    engine: Checker, run: Run, ext_info: StructureInfo, path: str, frame: Frame, ext_value: dict[str, Any]
) -> None:
    """Is this extension allowed on the element that holds it (StructureDefinition.context)?"""
    contexts = ext_info.sd.get("context") or []
    if not contexts:
        return
    container_path = _container(path)
    literal = engine.literal_path(container_path)
    known = run.types.get(container_path)
    ctype = known[0] if known is not None else (_resource_type_at(frame, container_path) or "")
    logical = engine.logical_paths(run, container_path)
    plist = [p for p in dict.fromkeys((literal, *logical)) if p]
    parent_url = run.ext_urls.get(container_path) or run.ext_urls.get(_PARENT.sub("", container_path))
    ok = False
    shown = []
    for ctx in contexts:
        kind, expr = ctx.get("type"), str(ctx.get("expression", ""))
        if kind == "element":
            shown.append(f"e:{expr}")
            is_resource = bool(ctype) and engine.defs.is_resource_type(ctype)
            if expr in ("Element", "Any") or (expr == "Resource" and is_resource):
                ok = True
            elif expr in ("CanonicalResource", "MetadataResource") and is_resource:
                ok = _is_canonical_resource(engine, ctype)
            for p in plist:
                if ok:
                    break
                ok = _matches_element(engine, p, expr)
        elif kind == "extension":
            shown.append(f"x:{expr}")
            if parent_url == expr:
                ok = True
        elif kind == "fhirpath":
            shown.append(f"p:{expr}")
            ok = _in_fhirpath_context(frame, expr, ext_value)
        if ok:
            return
    run.error(
        "structure",
        container_path,
        f"The extension {ext_info.url} is not allowed to be used at this point "
        f"(this element is [{', '.join(plist)}]; allowed = {', '.join(shown)})",
        rule="ext-context",
    )


def _matches_element(engine: Checker, p: str, expr: str) -> bool:
    if p == expr:
        return True
    head, dot, tail = p.partition(".")
    info = engine.defs.structure(head)
    seen = 0
    while info is not None and seen < 10:
        if info.type + (dot + tail if dot else "") == expr:
            return True
        base = info.base_definition
        info = engine.defs.structure(base) if base else None
        seen += 1
    return False


def _resource_type_at(frame: Frame, container_path: str) -> str | None:
    if container_path == frame.path:
        rt = frame.resource.get("resourceType")
        return rt if isinstance(rt, str) else None
    return None


def _is_canonical_resource(engine: Checker, rtype: str) -> bool:
    """R4 has no CanonicalResource type: a resource with url, version, name and status is one (R5 meaning)."""
    info = engine.defs.structure(rtype)
    return info is not None and all(n in info.root.by_name for n in ("url", "version", "status"))


def _in_fhirpath_context(frame: Frame, expression: str, ext_value: dict[str, Any]) -> bool:
    """Does the FHIRPath context select the element that holds this extension?"""
    from adapter.validation.fhirpath_functions import compiled

    cp = compiled(expression)
    if cp.error is not None:
        return True  # an unparseable context is the definition's problem, not the instance's
    try:
        results = cp.evaluate(frame.resource, None, frame.resource, frame.root.resource)
    except Exception:  # fhirpathpy raises bare Exceptions
        return True
    for r in results:
        data = getattr(r, "data", r)
        if isinstance(data, dict) and any(
            e is ext_value for key in ("extension", "modifierExtension") for e in data.get(key, []) or []
        ):
            return True
    return False
