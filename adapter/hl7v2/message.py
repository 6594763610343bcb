"""An HL7 v2 message as received: decoded by its MSH-18 character set, the segments redbag reads parsed
by the ``hl7`` library, fields read by location (``PV1-44``, ``PID-3`` repetition 2 component 4).

Only MSH, EVN, PID (up to PID-3, the identifiers), PD1 (up to PD1-3, the GP practice), PV1 and PV2 are
parsed: names, addresses and the rest of PID never enter the program's data (hazard H9), and parsing
stays quick. Each field is unescaped (``\\F\\``, ``\\S\\``, ...) as it is read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import hl7

from adapter.hl7v2.errors import (
    DATA_TYPE_ERROR,
    REQUIRED_FIELD_MISSING,
    SEGMENT_SEQUENCE,
    TABLE_VALUE_NOT_FOUND,
    RejectedMessageError,
)

#: MSH-18 values (HL7 table 0211) this listener decodes; an empty MSH-18 means ASCII, read as UTF-8
#: (its superset).
CHARSETS = {
    "": "utf-8",
    "ASCII": "ascii",
    "UNICODE UTF-8": "utf-8",
    "8859/1": "iso8859-1",
    "8859/15": "iso8859-15",
}
#: Segments read, and how many fields of each are kept (None: all).
READ = {"MSH": None, "EVN": None, "PID": 3, "PD1": 3, "PV1": None, "PV2": None}
_SEGMENT_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class Header:
    """The MSH fields an acknowledgement needs, and the message's identity at its source."""

    sending_application: str
    sending_facility: str
    message_type: str
    trigger: str
    control_id: str
    processing_id: str
    version: str

    @property
    def key(self) -> str:
        """The message's identity: sender and control id (MSH-3, MSH-4, MSH-10)."""
        return f"hl7v2|{self.sending_application}|{self.sending_facility}|{self.control_id}"


def _msh_fields(raw: bytes) -> list[bytes]:
    """MSH's fields, split on the field separator (element n is MSH-(n+1), element 0 the name)."""
    if not raw.startswith(b"MSH") or len(raw) < 8:
        raise RejectedMessageError("the message does not start with an MSH segment", SEGMENT_SEQUENCE, "MSH")
    first = _SEGMENT_BREAK.split(raw.decode("latin-1"), maxsplit=1)[0]
    return [part.encode("latin-1") for part in first.split(first[3])]


def decode(raw: bytes) -> str:
    """The message as text, decoded as MSH-18 says; RejectedMessageError (AR) for what cannot be decoded."""
    fields = _msh_fields(raw)
    charset = fields[17].decode("ascii", "replace").split("^")[0].strip() if len(fields) > 17 else ""
    codec = CHARSETS.get(charset)
    if codec is None:
        raise RejectedMessageError(
            f"character set {charset!r} is not supported (use {', '.join(c for c in CHARSETS if c)})",
            TABLE_VALUE_NOT_FOUND,
            "MSH-18",
        )
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as exc:
        raise RejectedMessageError(
            f"byte {exc.start} is not valid {charset or 'ASCII/UTF-8'} (MSH-18)", DATA_TYPE_ERROR, "MSH-18"
        ) from None


def _kept(text: str) -> str:
    """The segments redbag reads, the first of each kind, cut to the fields it reads."""
    separator = text[3]
    found: dict[str, str] = {}
    for segment in _SEGMENT_BREAK.split(text):
        name = segment[:3]
        if name in READ and name not in found:
            limit = READ[name]
            found[name] = separator.join(segment.split(separator)[: limit + 1]) if limit else segment
    return "\r".join(found.values())


class Message:
    """The segments of one message that redbag reads; fields by location, unescaped."""

    def __init__(self, raw: bytes) -> None:
        text = decode(raw)
        try:
            self._parsed = hl7.parse(_kept(text))
        except Exception as exc:  # the library raises several kinds for malformed text
            raise RejectedMessageError(f"the message cannot be parsed: {exc}", SEGMENT_SEQUENCE) from None
        self._by_name = {str(segment[0]): segment for segment in self._parsed}
        self.segments = set(self._by_name)

    def has(self, segment: str) -> bool:
        """True when the message holds ``segment``."""
        return segment in self.segments

    def get(self, segment: str, field_no: int, component: int = 1, repetition: int = 1, sub: int = 1) -> str:
        """One (sub)component of a field, unescaped; ``""`` when absent."""
        found = self._by_name.get(segment)
        if found is None:
            return ""
        try:
            value = found.extract_field(1, field_no, repetition, component, sub)
        except (IndexError, KeyError):
            return ""
        text = str(value)
        return str(self._parsed.unescape(text)) if "\\" in text else text

    def repetitions(self, segment: str, field_no: int) -> int:
        """How many repetitions a field has (0 when empty)."""
        found = self._by_name.get(segment)
        count = 0
        while found is not None:
            try:
                found.extract_field(1, field_no, count + 1, 1, 1)
            except (IndexError, KeyError):
                break
            count += 1
        return count

    def at(self, location: str) -> str:
        """A field by location: ``PV1-14`` (first component) or ``PV1-37.1``."""
        segment, _, rest = location.partition("-")
        field_no, _, component = rest.partition(".")
        return self.get(segment, int(field_no), int(component or 1))

    def header(self) -> Header:
        """The MSH fields (RejectedMessageError, AR, when the control id is missing)."""
        header = Header(
            sending_application=self.get("MSH", 3),
            sending_facility=self.get("MSH", 4),
            message_type=self.get("MSH", 9),
            trigger=self.get("MSH", 9, 2) or self.get("EVN", 1),
            control_id=self.get("MSH", 10),
            processing_id=self.get("MSH", 11),
            version=self.get("MSH", 12),
        )
        if not header.control_id:
            raise RejectedMessageError("no message control id", REQUIRED_FIELD_MISSING, "MSH-10")
        return header


def peek_header(raw: bytes) -> Header | None:
    """The header of a message that could not be read whole, for its acknowledgement (None if unreadable)."""
    try:
        fields = [f.decode("latin-1") for f in _msh_fields(raw)]
    except RejectedMessageError:
        return None

    def field(n: int, component: int = 0) -> str:
        value = fields[n - 1] if len(fields) >= n else ""
        parts = value.split(fields[1][0]) if fields[1] else [value]
        return parts[component] if len(parts) > component else ""

    return Header(field(3), field(4), field(9), field(9, 1), field(10), field(11), field(12))
