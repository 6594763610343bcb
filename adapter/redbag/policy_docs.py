"""The contract's generated parts: docs/field-policy.md, the JSON Schemas' descriptions (from
``schemas/field-policy.yaml``) and their date patterns (from :mod:`adapter.redbag.dates`).

Written by ``scripts/field-policy.py``; the tests check every part is up to date, so the published
contract, the docs and the code say the same thing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from adapter.redbag.dates import PATTERNS, Shape
from adapter.redbag.policy import Contract, describe, markdown, rules

Json = dict[str, Any]
_SCHEMAS: dict[Contract, str] = {
    "summary": "resident-summary.schema.json",
    "discharge": "discharge.schema.json",
    "readiness": "discharge-readiness.schema.json",
}
_MARK = " Absent: "

_INTRO = """# What happens when a field is absent

Generated from `adapter/redbag/schemas/field-policy.yaml` by `scripts/field-policy.py`; do not edit by hand.

An emergency transfer cannot wait for data cleaning. Input that is **wrong or contradictory** is refused,
naming the field (an impossible date, a failed check digit, allergies together with "no known allergies").
Input that is **missing or imprecise** travels, marked as absent in the FHIR (the
[data-absent-reason](https://hl7.org/fhir/R4/extension-data-absent-reason.html) extension on the element, a
List's or section's `emptyReason`, or, where FHIR binds the element to a code system with required strength,
that code system's own "not known" code), with a warning that names the field: `redbag convert` prints it
on stderr, the service answers it as an OperationOutcome of severity `warning`, a CSV batch lists it in
`errors.csv` with severity `warning`, and the document's narrative, the printed form and the web view say it
beside the item. `--strict` (CLI) or `Prefer: handling=strict` (service) refuses such input instead.

- **refused**: without it there is no red bag to send; the input is refused, naming the field.
- **travels**: the red bag goes without it, the gap marked and warned.
- **optional**: nothing is lost by its absence.

Dates: where the record is dated by day (the DNACPR/ReSPECT decision, a condition's onset) any FHIR
`dateTime` is accepted (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`, or a date-time with its offset); where the time
matters (`lastDoseGiven`, `departedAt`, `createdAt`, `takenAt`, `dischargedAt`) a full date-time with its
UTC offset is required. Every date is checked against the calendar (no 30 February, 29 February only in leap
years, hours 00-23, offsets -12:00 to +14:00), on every input path.
"""


def document() -> str:
    """docs/field-policy.md."""
    return (
        f"{_INTRO}\n## Resident summary\n\n{markdown('summary')}"
        f"\n## Discharge (the return journey)\n\n{markdown('discharge')}"
        f"\n## Discharge readiness (the Discharge Ready Date and what the resident needs)\n\n"
        f"{markdown('readiness')}"
    )


def _property(schema: Json, path: str) -> tuple[Json, list[str]] | None:
    """The schema node of ``path`` written in this file, or (the nearest node that is, with the rest)."""
    node = schema
    parts = path.split(".")
    for i, part in enumerate(parts):
        if "$ref" in node and "properties" not in node:
            return node, parts[i:]
        node = node["properties"][part.removesuffix("[]")]
        if part.endswith("[]"):
            items = node["items"]
            if "$ref" in items:
                return node, [p.removesuffix("[]") for p in parts[i + 1 :]]
            node = items
    return node, []


def _set(node: Json, sentence: str) -> None:
    base = str(node.get("description", "")).split(_MARK.strip(), 1)[0].strip()
    node["description"] = f"{base} {sentence}".strip()


def described_schema(contract: Contract, schema: Json) -> Json:
    """``schema`` with every field's description ending in its policy sentence."""
    inside: dict[int, list[str]] = {}
    nodes: dict[int, Json] = {}
    for rule in rules(contract):
        found = _property(schema, rule.path)
        assert found is not None
        node, rest = found
        if rest:  # a field inside a shared definition: said on the property that uses it
            inside.setdefault(id(node), []).append(
                f"`{'.'.join(rest)}`: {describe(rule).removeprefix('Absent: ')}"
            )
            nodes[id(node)] = node
        else:
            _set(node, describe(rule))
    for key, sentences in inside.items():
        node = nodes[key]
        node["description"] = f"{node.get('description', '')} Fields: {' '.join(sentences)}".strip()
    return schema


#: The summary schema's date definitions and the shape each one is.
DATE_DEFS = {"date": Shape.DATE, "partialDate": Shape.DATE_TIME, "dateTime": Shape.INSTANT}


def dated_schema(schema: Json) -> Json:
    """``schema`` with each date definition's pattern taken from :mod:`adapter.redbag.dates` (calendar
    included), and ``x-date`` naming its shape for the messages."""
    for name, shape in DATE_DEFS.items():
        node = schema.get("$defs", {}).get(name)
        if node is not None:
            node["pattern"] = PATTERNS[shape]
            node["x-date"] = shape.value
    return schema


def generated(root: Path) -> dict[Path, str]:
    """Every generated file with the text it must have."""
    out = {root / "docs" / "field-policy.md": document()}
    folder = root / "adapter" / "redbag" / "schemas"
    for contract, name in _SCHEMAS.items():
        path = folder / name
        schema = orjson.loads(path.read_bytes())
        _strip(schema)
        described = dated_schema(described_schema(contract, schema))
        out[path] = orjson.dumps(described, option=orjson.OPT_INDENT_2).decode() + "\n"
    return out


def _strip(node: Any) -> None:
    """Remove earlier generated sentences, so generating twice gives the same text."""
    if isinstance(node, dict):
        if isinstance(node.get("description"), str):
            text = node["description"].split(" Fields: ", 1)[0]
            text = text.split(_MARK.strip(), 1)[0].strip()
            if text:
                node["description"] = text
            else:
                del node["description"]
        for value in node.values():
            _strip(value)
    elif isinstance(node, list):
        for value in node:
            _strip(value)
