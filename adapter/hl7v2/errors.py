"""Why an HL7 v2 message cannot be used: the acknowledgement code and HL7 error condition to answer with.

::

    InputError
    └── RejectedMessageError        AR: not a message this listener takes (type, trigger, version, MSH)
        └── UnusableMessageError    AE: a message it takes, whose content cannot be used (no NHS number, ...)
"""

from __future__ import annotations

from adapter.errors import InputError

#: HL7 v2 table 0357, message error condition codes (used in ERR).
SEGMENT_SEQUENCE = "100"
REQUIRED_FIELD_MISSING = "101"
DATA_TYPE_ERROR = "102"
TABLE_VALUE_NOT_FOUND = "103"
UNSUPPORTED_MESSAGE_TYPE = "200"
UNSUPPORTED_EVENT = "201"
UNSUPPORTED_PROCESSING_ID = "202"
UNSUPPORTED_VERSION = "203"
DUPLICATE_KEY = "205"
INTERNAL_ERROR = "207"

_CONDITIONS = {
    SEGMENT_SEQUENCE: "Segment sequence error",
    REQUIRED_FIELD_MISSING: "Required field missing",
    DATA_TYPE_ERROR: "Data type error",
    TABLE_VALUE_NOT_FOUND: "Table value not found",
    UNSUPPORTED_MESSAGE_TYPE: "Unsupported message type",
    UNSUPPORTED_EVENT: "Unsupported event code",
    UNSUPPORTED_PROCESSING_ID: "Unsupported processing id",
    UNSUPPORTED_VERSION: "Unsupported version id",
    DUPLICATE_KEY: "Duplicate key identifier",
    INTERNAL_ERROR: "Application internal error",
}


def condition_text(code: str) -> str:
    """The table 0357 text of an error condition code."""
    return _CONDITIONS[code]


class RejectedMessageError(InputError):
    """The message is not one this listener takes: answered ``AR``."""

    code = "hl7-rejected"
    ack_code = "AR"

    def __init__(self, reason: str, condition: str, location: str | None = None) -> None:
        self.reason = reason
        self.condition = condition
        self.location = location  # SEG-field (PID-3, PV1-44), or None for the whole message
        super().__init__(f"{location}: {reason}" if location else reason)


class UnusableMessageError(RejectedMessageError):
    """The message's content cannot be used: answered ``AE``."""

    code = "hl7-unusable"
    ack_code = "AE"
