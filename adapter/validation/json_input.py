"""FHIR JSON text to Python data, with line and column for malformed input, and duplicate properties."""

from __future__ import annotations

import json
from typing import Any

import orjson

from adapter.validation.outcome import Issue


def parse_json(raw: bytes | str) -> tuple[Any, list[Issue]]:
    """Parse JSON; a malformed document gives one fatal issue with its line and column."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return None, [
            Issue(
                "fatal",
                "invalid",
                "",
                f"Error parsing JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
                exc.lineno,
                exc.colno,
                "json-syntax",
            )
        ]
    return _first_of_duplicates(raw, data)


def _first_of_duplicates(raw: bytes | str, data: Any) -> tuple[Any, list[Issue]]:
    """A property named twice in one object is an error, and the second is ignored, as the HL7 parser does
    (orjson keeps the last): the text is read again, keeping the first of each name."""
    duplicates: list[str] = []

    def first_wins(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                duplicates.append(key)
            else:
                out[key] = value
        return out

    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    if isinstance(data, dict) and text.count('"') - text.count('\\"') > 2 * _keys(data):
        reread = json.loads(raw, object_pairs_hook=first_wins)
        if duplicates:
            return reread, [
                Issue(
                    "error",
                    "invalid",
                    "",
                    f"The JSON property '{key}' is a duplicate and will be ignored",
                    rule="DUPLICATE_JSON_PROPERTY",
                )
                for key in dict.fromkeys(duplicates)
            ]
    return data, []


def _keys(data: Any) -> int:
    """How many property names (each two quotes in the text) and string values the data holds: a text with
    more quotes than that names some property twice."""
    if isinstance(data, dict):
        return sum(1 + _keys(v) for v in data.values())
    if isinstance(data, list):
        return sum(_keys(v) for v in data)
    return 1 if isinstance(data, str) else 0
