"""Acknowledgements (original mode): ``AA`` once the event is stored, ``AE``/``AR`` with the reason.

MSA-3 carries the reason in words; ERR carries the HL7 error condition (table 0357) and where it was
found, both as v2.4 reads it (ERR-1) and as v2.5 and later read it (ERR-2 to ERR-4).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from adapter.hl7v2.errors import RejectedMessageError, condition_text
from adapter.hl7v2.message import Header

_ESCAPES = (("\\", "\\E\\"), ("|", "\\F\\"), ("^", "\\S\\"), ("&", "\\T\\"), ("~", "\\R\\"))


def escape(text: str) -> str:
    """``text`` safe inside a field (HL7 escape sequences; line breaks become spaces)."""
    for plain, escaped in _ESCAPES:
        text = text.replace(plain, escaped)
    return " ".join(text.split())


def _location(location: str | None) -> tuple[str, str]:
    """``PID-3`` -> (segment, field number)."""
    if not location:
        return "", ""
    segment, _, field_no = location.partition("-")
    return segment, field_no.partition(".")[0]


def acknowledgement(
    header: Header | None,
    code: str,
    text: str,
    error: RejectedMessageError | None = None,
    *,
    now: datetime | None = None,
) -> str:
    """The ACK message for ``header`` (or for a message whose MSH could not be read, with no MSA-2)."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d%H%M%S+0000")
    to_app, to_facility = (header.sending_application, header.sending_facility) if header else ("", "")
    trigger = header.trigger if header else ""
    version = header.version if header and header.version.startswith("2.") else "2.4"
    control_id = header.control_id if header else ""
    segments = [
        f"MSH|^~\\&|REDBAG|REDBAG|{escape(to_app)}|{escape(to_facility)}|{stamp}||ACK^{escape(trigger)}^ACK|"
        f"{uuid.uuid4().hex[:20]}|P|{escape(version)}",
        f"MSA|{code}|{escape(control_id)}|{escape(text)[:200]}",
    ]
    if error is not None:
        segment, field_no = _location(error.location)
        condition = f"{error.condition}&{condition_text(error.condition)}&HL70357"
        where = f"{segment}^1^{field_no}" if segment else ""
        segments.append(
            f"ERR|{where}^{condition}|{where}|{error.condition}^{condition_text(error.condition)}^HL70357|E"
        )
    return "\r".join(segments) + "\r"
