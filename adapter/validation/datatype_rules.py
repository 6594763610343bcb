"""Data-type rules the FHIR spec states in prose rather than in definitions: Reference targets and
resolution, Narrative XHTML (and language control), Attachment size, codes of Codings in local
CodeSystems, Quantity ranges. The walker calls the rule for a value's type after its structure."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from adapter.validation import bindings, element_rules, narrative, references
from adapter.validation.context import Frame, Run
from adapter.validation.outcome import Issue
from adapter.validation.structure import ElementNode, StructureInfo

if TYPE_CHECKING:
    from adapter.validation.checker import Checker

TypeRule = Callable[["Checker", Run, dict[str, Any], ElementNode, str, Frame, StructureInfo], None]


def _reference_rules(
    engine: Checker,
    run: Run,
    value: dict[str, Any],
    node: ElementNode,
    path: str,
    frame: Frame,
    info: StructureInfo,
) -> None:
    references.check_reference(engine, run, value, node, path, frame)


def _narrative_rules(
    engine: Checker,
    run: Run,
    value: dict[str, Any],
    node: ElementNode,
    path: str,
    frame: Frame,
    info: StructureInfo,
) -> None:
    div = value.get("div")
    if isinstance(div, str):
        for severity, code, msg in narrative.check_div(div):
            run.add(Issue(severity, code, f"{path}.div", msg, rule="xhtml"))
        if "href=" in div or "src=" in div:  # (only links and images have anything to check here)
            contained = frame.root.resource.get("contained")
            ids = (
                frozenset(
                    str(r["id"])
                    for r in contained or ()
                    if isinstance(r, dict) and isinstance(r.get("id"), str)
                )
                if isinstance(contained, list)
                else frozenset()
            )
            for severity, code, msg, rule in narrative.check_links(div, ids):
                run.add(Issue(severity, code, f"{path}.div", msg, rule=rule))
    if node.features:
        element_rules.check_language_control(run, node, value, frame.resource, path, info)


def _attachment_rules(
    engine: Checker,
    run: Run,
    value: dict[str, Any],
    node: ElementNode,
    path: str,
    frame: Frame,
    info: StructureInfo,
) -> None:
    _attachment_size(run, value, path)


def _coding_rules(
    engine: Checker,
    run: Run,
    value: dict[str, Any],
    node: ElementNode,
    path: str,
    frame: Frame,
    info: StructureInfo,
) -> None:
    bindings.check_codes(engine, run, value, "Coding", path)


def _quantity_rules(
    engine: Checker,
    run: Run,
    value: dict[str, Any],
    node: ElementNode,
    path: str,
    frame: Frame,
    info: StructureInfo,
) -> None:
    if node.min_value is not None or node.max_value is not None:
        bindings.check_min_max(run, value, node, "Quantity", path)
    bindings.check_unit(run, value, path)


# Data-type rules the spec states in prose (references, narrative, attachment size, codes, ranges).
TYPE_RULES: dict[str, TypeRule] = {
    "Reference": _reference_rules,
    "Narrative": _narrative_rules,
    "Attachment": _attachment_rules,
    "Coding": _coding_rules,
    "Quantity": _quantity_rules,
}


def _attachment_size(run: Run, value: dict[str, Any], path: str) -> None:
    data, size = value.get("data"), value.get("size")
    if not isinstance(data, str) or not isinstance(size, int) or isinstance(size, bool):
        return
    try:
        actual = len(base64.b64decode("".join(data.split()), validate=False))
    except (binascii.Error, ValueError):
        return
    if actual != size:
        run.error(
            "structure", path, f"Stated Attachment Size {size} does not match actual attachment size {actual}"
        )
