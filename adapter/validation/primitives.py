"""Primitive values: JSON representation, the regex of the type's definition, and format rules.

The regexes come from the data type StructureDefinitions (``value`` element, ``regex`` extension);
the extra rules (real calendar dates, 32-bit integers, base64) are the ones the spec states in prose
(https://hl7.org/fhir/R4/datatypes.html#primitive).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

NUMBER_TYPES = frozenset({"integer", "positiveInt", "unsignedInt", "decimal", "integer64"})
INT_TYPES = frozenset({"integer", "positiveInt", "unsignedInt"})
NON_STRING_TYPES = NUMBER_TYPES | {"boolean"}  # primitives whose JSON form is not a string
_DATE_PARTS = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_TZ = re.compile(r"(Z|[+-]\d{2}:\d{2})$")

Problem = tuple[str, str]  # (IssueType code, message)


@lru_cache(maxsize=512)
def compiled_regex(pattern: str) -> re.Pattern[str] | None:
    """A compiled definition regex (anchored by fullmatch), or None when Python cannot compile it."""
    try:
        return re.compile(pattern, re.ASCII)  # Java regex classes (\s, \S) are ASCII-only
    except re.error:
        return None


def json_type_problem(type_code: str, value: Any) -> str | None:
    """The message when the JSON type does not suit the FHIR type (string/number/boolean)."""
    if type_code == "boolean":
        ok = isinstance(value, bool)
        expected = "a JSON boolean (true or false)"
    elif type_code in NUMBER_TYPES:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if ok and type_code in INT_TYPES and isinstance(value, float):
            return f"The value '{value}' is not a valid integer (a decimal was found)"
        expected = "a JSON number"
    else:
        ok = isinstance(value, str)
        expected = "a JSON string"
    if ok:
        return None
    shown = _json_text(value)
    return f"The value {shown} is not valid for the type {type_code}: it must be {expected}"


def _json_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return "an object" if isinstance(value, dict) else "an array"
    return repr(value)


def _check_date(text: str) -> str | None:
    m = _DATE_PARTS.match(text)
    if not m:
        return None
    year, month, day = m.group(1), m.group(2), m.group(3)
    try:
        if day:
            dt.date(int(year), int(month), int(day))
        elif month and not 1 <= int(month) <= 12:
            return "month out of range"
    except ValueError as exc:
        return str(exc)
    return None


def _date_time_rule(type_code: str) -> Callable[[str], Problem | None]:
    def check(text: str) -> Problem | None:
        if type_code in ("dateTime", "instant") and "T" in text and not _TZ.search(text):
            return "invalid", "If a date has a time, it must have a timezone"
        bad = _check_date(text)
        if bad:
            return "invalid", f"Not a valid {type_code} value: '{text}' ({bad})"
        return None

    return check


def _int_rule(type_code: str) -> Callable[[Any], Problem | None]:
    def check(value: Any) -> Problem | None:
        if not isinstance(value, int):
            return None
        if not -(2**31) <= value < 2**31:
            return "value", f"The value '{value}' is outside the range of a 32-bit integer"
        if type_code == "positiveInt" and value < 1:
            return "value", f"The value '{value}' must be 1 or greater (positiveInt)"
        if type_code == "unsignedInt" and value < 0:
            return "value", f"The value '{value}' must be 0 or greater (unsignedInt)"
        return None

    return check


_B64_CHARS = re.compile(r"[A-Za-z0-9+/=]*")


def _base64_rule(text: str) -> Problem | None:
    compact = "".join(text.split())
    bad = (
        None if _B64_CHARS.fullmatch(compact) else next(c for c in compact if not (c.isalnum() or c in "+/="))
    )
    if bad is not None:
        return (
            "structure",
            f"The base64 content is not valid base64: illegal character '{bad}' (hex {ord(bad):x})",
        )
    try:
        base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        return "structure", f"The base64 content is not valid base64: {exc}"
    return None


_FORMAT_NAMES = {
    "date": "date",
    "dateTime": "dateTime",
    "instant": "instant",
    "time": "time",
    "integer": "integer",
    "decimal": "decimal",
}


def check_primitive(type_code: str, value: Any, regex: str | None) -> list[Problem]:
    """Problems with one primitive value (its JSON type already checked)."""
    problems: list[Problem] = []
    if type_code in INT_TYPES:
        p = _int_rule(type_code)(value)
        if p:
            problems.append(p)
        return problems
    if type_code == "decimal" or not isinstance(value, str):
        return problems
    if value == "":
        return [("invalid", "@value cannot be empty: a primitive must have a value or extensions")]
    if regex:
        rx = compiled_regex(regex)
        if rx is not None and not rx.fullmatch(value):
            problems.append(("invalid", _regex_message(type_code, value)))
            return problems
    if type_code in ("date", "dateTime", "instant"):
        p = _date_time_rule(type_code)(value)
        if p:
            problems.append(p)
    elif type_code == "base64Binary":
        p = _base64_rule(value)
        if p:
            problems.append(p)
    elif type_code in URI_TYPES:
        problems.extend(_uri_problems(value, type_code == "canonical"))
    elif type_code in ("string", "markdown") and len(value) > 1048576:
        problems.append(("too-long", "value is longer than the 1 MB limit for strings"))
    return problems


URI_TYPES = frozenset({"uri", "url", "canonical"})
_OID = re.compile(r"[0-2](\.(0|[1-9][0-9]*))+")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# The HL7 validator's example domains (TYPE_SPECIFIC_CHECKS_DT_URL_EXAMPLE): allowed only when the caller
# allows examples; the engine drops the problem then (see EXAMPLE_URL).
EXAMPLE_DOMAINS = ("example.org", "acme.com", "acme.org")
EXAMPLE_URL = "example-url"  # the code of the example-URL problem


def _uri_problems(value: str, canonical: bool) -> list[Problem]:
    """The HL7 validator's rules for uri, url and canonical values (Type_Specific_Checks_DT_URI_*,
    Type_Specific_Checks_DT_UUID_Valid, Type_Specific_Checks_DT_OID_Valid,
    TYPE_SPECIFIC_CHECKS_CANONICAL_ABSOLUTE, TYPE_SPECIFIC_CHECKS_DT_URL_EXAMPLE)."""
    out: list[Problem] = []
    if any(c.isspace() for c in value):
        out.append(("invalid", f"URI values cannot have whitespace ('{value}')"))
    if value.startswith("oid:"):
        out.append(("invalid", "URI values cannot start with oid: (use urn:oid:)"))
    elif value.startswith("uuid:"):
        out.append(("invalid", "URI values cannot start with uuid: (use urn:uuid:)"))
    elif value.startswith("urn:uuid:") and not _UUID.fullmatch(value[9:]):
        out.append(("invalid", f"UUIDs must be valid and lowercase ({value[9:]})"))
    elif value.startswith("urn:oid:") and not _OID.fullmatch(value[8:]):
        out.append(("invalid", f"OIDs must be valid ({value[8:]})"))
    if canonical and ":" not in value and not value.startswith("#"):
        out.append(
            (
                "invalid",
                f"Canonical URLs must be absolute URLs if they are not fragment references ({value})",
            )
        )
    if any(d in value for d in EXAMPLE_DOMAINS):
        out.append((EXAMPLE_URL, f"Example URLs are not allowed in this context ({value})"))
    return out


def _regex_message(type_code: str, value: str) -> str:
    if type_code == "date" or type_code == "dateTime" or type_code == "instant":
        if type_code == "dateTime" and "T" in value and not _TZ.search(value):
            return "If a date has a time, it must have a timezone"
        return f"Not a valid {'date' if type_code == 'date' else type_code} format: '{value}'"
    if type_code == "id":
        return f"Invalid id: '{value}' (1-64 characters, only A-Z, a-z, 0-9, '-' and '.')"
    if type_code == "code":
        return f"The code '{value}' is not valid (whitespace is not allowed except single internal spaces)"
    return f"The value '{value}' is not a valid {type_code}"


_ID_CHARS = re.compile(r"[A-Za-z0-9\-.]")


def resource_id_problem(value: Any) -> str | None:
    """The HL7 validator's messages for an invalid Resource.id."""
    if not isinstance(value, str):
        return None
    if len(value) > 64:
        return f"Invalid Resource id: Too long ({len(value)} chars)"
    bad = _ID_CHARS.sub("", value)
    if bad or not value:
        return f"Invalid Resource id: Invalid Characters ('{value}')"
    return None
