"""FHIR JSON text to Python data, with line and column for malformed input."""

from __future__ import annotations

from typing import Any

import orjson

from adapter.validation.outcome import Issue


def parse_json(raw: bytes | str) -> tuple[Any, list[Issue]]:
    """Parse JSON; a malformed document gives one fatal issue with its line and column."""
    try:
        return orjson.loads(raw), []
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
