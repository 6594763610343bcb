"""Where a red bag marks a gap: read the field policy's ``fhir`` locator in a document (for the tests)."""

from __future__ import annotations

from typing import Any

from adapter.redbag.elements import absent_reason

Json = dict[str, Any]


def marks(document: Json, where: str) -> list[str]:
    """The marks the document carries at ``where`` (see the table's header for the notation)."""
    resources = [e["resource"] for e in document["entry"]]
    head, _, rest = where.partition(".")
    if head.startswith("section["):
        code = head[8:-1]
        nodes: list[Any] = [
            s for s in resources[0]["section"] if code in {c["code"] for c in s["code"]["coding"]}
        ]
    elif "[" in head:
        kind, code = head[:-1].split("[")
        nodes = [
            r
            for r in resources
            if r["resourceType"] == kind
            and code in {c["code"] for c in (r.get("code") or {}).get("coding", [])}
        ]
    else:
        nodes = [r for r in resources if r["resourceType"] == head]
    for part in rest.split("."):
        step: list[Any] = []
        for node in nodes:
            value = node.get(part) if isinstance(node, dict) else None
            step += value if isinstance(value, list) else [value] if value is not None else []
        nodes = step
    found = []
    for node in nodes:
        if isinstance(node, str):
            found.append(node)
        elif absent_reason(node):
            found.append(str(absent_reason(node)))
        elif isinstance(node, dict):
            found += [c["code"] for c in node.get("coding", [])]
    return found
