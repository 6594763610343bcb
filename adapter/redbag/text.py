"""Text as the contracts take it: whole-string patterns that every regular-expression engine reads alike,
and the characters that FHIR and XML cannot carry.

A JSON Schema ``pattern`` is read by two engines here: Python's (``jsonschema``, for the messages) and an
ECMA-262-like one (``jsonschema-rs``, which decides). Python's ``$`` also matches before a final line
break, so ``^[0-9]{10}$`` lets ``"9434765919\\n"`` through there and not in the other. Every pattern of
the contracts therefore ends ``$(?!\\n)``: at the end, and not before a final line break, in both. Classes
are written out (``\\s`` and ``\\S`` differ between engines: Python counts U+001C-U+001F as white space).

FHIR strings allow no control character other than tab, carriage return and line feed
(https://hl7.org/fhir/R4/datatypes.html#string), and XML 1.0 has no NUL, no other C0 control and no
U+FFFE/U+FFFF (https://www.w3.org/TR/xml/#charsets): such text is refused, naming the field, on every
input path (hazard H20), so the JSON and XML answers never disagree.
"""

from __future__ import annotations

import re
from typing import Any

#: A character class's contents: the characters no text field may hold.
FORBIDDEN = r"\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF"
#: A class's contents: what may not begin or end a text (white space of any kind, and the forbidden).
EDGE = r"\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\uFEFF\uFFFE\uFFFF"
#: The end of the string, and not before a final line break, in every engine.
END = r"$(?!\n)"

#: Non-empty text without white space at either end or a forbidden character anywhere.
TEXT = rf"^[^{EDGE}](?:[^{FORBIDDEN}]*[^{EDGE}])?{END}"
#: A code system: an http(s) or urn URI without white space.
SYSTEM = rf"^(?:https?|urn):[^{EDGE}]+{END}"
#: A code: words separated by single spaces.
CODE = rf"^[^{EDGE}]+(?: [^{EDGE}]+)*{END}"

_FORBIDDEN = re.compile(f"[{FORBIDDEN}]")
_CONTROL = re.compile(r"[\x00-\x1F\x7F-\x9F\u2028\u2029\uFFFE\uFFFF]")  # all that may break a line


def whole(pattern: str) -> str:
    """``^...$`` as the contracts write it: ``^...$(?!\\n)`` (unchanged when already so)."""
    if pattern.endswith(END):
        return pattern
    if not (pattern.startswith("^") and pattern.endswith("$")):
        raise ValueError(f"a contract pattern is written ^...$: {pattern!r}")
    return pattern + END[1:]


def for_compiled(schema: bytes) -> bytes:
    """A contract schema (JSON text) as the compiled engine reads it fastest: there ``$`` already means the
    very end, so ``(?!\\n)`` changes nothing but sends every pattern through the backtracking engine
    (a summary checked in about 280 us instead of 45)."""
    return schema.replace(b"$(?!\\\\n)", b"$")


def anchor_patterns(schema: Any) -> None:
    """Write every ``pattern`` (and ``patternProperties`` key) of a JSON Schema or OpenAPI document whole,
    in place: ``^...$`` becomes ``^...$(?!\\n)``."""
    if isinstance(schema, dict):
        if isinstance(schema.get("pattern"), str):
            schema["pattern"] = whole(schema["pattern"])
        if isinstance(schema.get("patternProperties"), dict):
            schema["patternProperties"] = {whole(k): v for k, v in schema["patternProperties"].items()}
        for value in schema.values():
            anchor_patterns(value)
    elif isinstance(schema, list):
        for value in schema:
            anchor_patterns(value)


def forbidden_character(text: str) -> str | None:
    """Why ``text`` cannot be FHIR or XML text (the first forbidden character and where), or None."""
    found = _FORBIDDEN.search(text)
    if found is None:
        return None
    return (
        f"holds the control character U+{ord(found.group()):04X} at position {found.start() + 1}, "
        "which FHIR text cannot carry (only tab, carriage return and line feed are allowed)"
    )


def escape_controls(text: str, *, keep_layout: bool = False) -> str:
    """``text`` with control characters written as escapes (``\\n``, ``\\u0001``), showing what was
    sent: on one line (for log lines), or with ``keep_layout`` keeping tab, CR and LF, which FHIR and XML
    text may hold (for error messages)."""
    if keep_layout:
        return _FORBIDDEN.sub(_escape, text)
    return _CONTROL.sub(_escape, text)


def _escape(found: re.Match[str]) -> str:
    return _ESCAPES.get(found.group(), f"\\u{ord(found.group()):04x}")


_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
