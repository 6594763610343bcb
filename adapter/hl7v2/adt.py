"""ADT messages (HL7 UK profile of v2.4) as pathway events.

======  ===================  =============================================================
A01     admit                admission time PV1-44 (else EVN-6, EVN-2, MSH-7, with a warning)
A02     transfer             the new location PV1-3
A03     discharge            discharge time PV1-45 (else EVN-6, EVN-2, MSH-7); destination
A08     update               location, expected discharge (PV2-9: a discharge planned), GP
A11     cancel admit         the admission is taken back
A13     cancel discharge     the discharge is taken back
======  ===================  =============================================================

The resident is identified by the NHS number alone: the PID-3 repetition with identifier type ``NH``
and assigning authority ``NHS`` (hazard H3). The source of admission (PV1-14) and the discharge destination
(PV1-37) carry NHS Data Dictionary codes, which are UK Core's SourceOfAdmissionEngland and
DischargeDestinationEngland codes; a trust that puts them elsewhere is configured (REDBAG_HL7_FIELDS).
A code outside those lists is not recorded, and the event says so in a warning.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from adapter.config import Hl7Settings
from adapter.hl7v2.errors import (
    DATA_TYPE_ERROR,
    REQUIRED_FIELD_MISSING,
    SEGMENT_SEQUENCE,
    UNSUPPORTED_EVENT,
    UNSUPPORTED_MESSAGE_TYPE,
    UNSUPPORTED_PROCESSING_ID,
    UNSUPPORTED_VERSION,
    RejectedMessageError,
    UnusableMessageError,
)
from adapter.hl7v2.message import Header, Message
from adapter.hl7v2.times import hl7_instant
from adapter.pathway import EventKind, Incoming, PathwayEvent
from adapter.pathway.codes import ADMIT_SOURCES, DISCHARGE_DESTINATIONS
from adapter.redbag.identifiers import mask_nhs_number, nhs_number_is_valid, ods_code_is_valid

TRIGGERS = {
    "A01": EventKind.ADMITTED,
    "A02": EventKind.TRANSFERRED,
    "A03": EventKind.DISCHARGED,
    "A08": EventKind.UPDATED,
    "A11": EventKind.ADMISSION_CANCELLED,
    "A13": EventKind.DISCHARGE_CANCELLED,
}
PROCESSING_IDS = frozenset({"P", "T", "D"})
#: Where each trigger's time is, in order of preference.
_TIME_FIELDS = {
    "A01": ("PV1-44", "EVN-6", "EVN-2", "MSH-7"),
    "A03": ("PV1-45", "EVN-6", "EVN-2", "MSH-7"),
}
_EVENT_TIME = ("EVN-6", "EVN-2", "MSH-7")


@dataclass(frozen=True, slots=True)
class Adt:
    """A usable ADT message: its header (for the acknowledgement) and the event it announces."""

    header: Header
    event: PathwayEvent

    def incoming(self, raw: bytes) -> Incoming:
        """The event keyed by the message's identity (MSH-3/4/10), with the message's digest."""
        return Incoming(self.header.key, hashlib.sha256(raw).hexdigest(), self.event)


def check_header(header: Header) -> None:
    """RejectedMessageError (AR) unless an ADT message of a supported trigger, version and processing id."""
    if header.message_type != "ADT":
        raise RejectedMessageError(
            f"message type {header.message_type!r} is not taken here (ADT only)",
            UNSUPPORTED_MESSAGE_TYPE,
            "MSH-9",
        )
    if header.trigger not in TRIGGERS:
        raise RejectedMessageError(
            f"trigger event {header.trigger!r} is not taken here ({', '.join(TRIGGERS)})",
            UNSUPPORTED_EVENT,
            "MSH-9",
        )
    if not header.version.startswith("2."):
        raise RejectedMessageError(f"version {header.version!r} is not HL7 v2", UNSUPPORTED_VERSION, "MSH-12")
    if header.processing_id not in PROCESSING_IDS:
        raise RejectedMessageError(
            f"processing id {header.processing_id!r} is not P, T or D", UNSUPPORTED_PROCESSING_ID, "MSH-11"
        )


def nhs_number(message: Message) -> str:
    """The NHS number in PID-3 (type NH, authority NHS), checked; UnusableMessageError (AE) otherwise."""
    found = set()
    for repetition in range(1, message.repetitions("PID", 3) + 1):
        authority = message.get("PID", 3, 4, repetition)
        if message.get("PID", 3, 5, repetition) == "NH" and authority == "NHS":
            found.add(message.get("PID", 3, 1, repetition).replace(" ", ""))
    if not found:
        raise UnusableMessageError(
            "no NHS number (an identifier of type NH, assigning authority NHS)",
            REQUIRED_FIELD_MISSING,
            "PID-3",
        )
    if len(found) > 1:
        raise UnusableMessageError(
            "two different NHS numbers: the resident is not certain", DATA_TYPE_ERROR, "PID-3"
        )
    number = found.pop()
    if not nhs_number_is_valid(number):
        raise UnusableMessageError(
            f"NHS number {mask_nhs_number(number)} fails the modulus 11 check", DATA_TYPE_ERROR, "PID-3"
        )
    return number


def _time(message: Message, trigger: str, zone: str, warnings: list[str]) -> str:
    fields = _TIME_FIELDS.get(trigger, _EVENT_TIME)
    for location in fields:
        value = message.at(location)
        if value:
            if location != fields[0] and trigger in _TIME_FIELDS:
                warnings.append(f"{fields[0]} is empty: the time is taken from {location}")
            return hl7_instant(value, location, zone)
    raise UnusableMessageError("no time for the event", REQUIRED_FIELD_MISSING, fields[0])


def _code(
    message: Message, location: str, codes: dict[str, str], what: str, warnings: list[str]
) -> str | None:
    value = message.at(location)
    if not value:
        return None
    if value not in codes:
        warnings.append(f"{location}: {value!r} is not a UK Core {what} code (England); not recorded")
        return None
    return value


def _gp(message: Message, warnings: list[str]) -> str | None:
    """The GP practice's ODS code: PD1-3 (organisation id in component 3, or 10 from v2.5)."""
    code = message.get("PD1", 3, 3) or message.get("PD1", 3, 10)
    if code and not ods_code_is_valid(code):
        warnings.append(f"PD1-3: {code!r} is not an ODS code; the GP practice is not recorded")
        return None
    return code or None


def _location(message: Message) -> str | None:
    parts = [message.get("PV1", 3, n) for n in (1, 2, 3)]
    return " / ".join(p for p in parts if p) or None


def read_adt(raw: bytes, settings: Hl7Settings) -> Adt:
    """The event an ADT message announces; RejectedMessageError (AR) or UnusableMessageError (AE) if not."""
    message = Message(raw)
    header = message.header()
    check_header(header)
    for segment in ("EVN", "PID", "PV1"):
        if not message.has(segment):
            raise UnusableMessageError(f"the {segment} segment is missing", SEGMENT_SEQUENCE, segment)
    fields = settings.fields_for(header.sending_facility)
    warnings: list[str] = []
    trigger = header.trigger
    kind = TRIGGERS[trigger]
    occurred_at = _time(message, trigger, settings.timezone, warnings)
    planned = message.get("PV2", 9)
    discharged = kind is EventKind.DISCHARGED
    event = PathwayEvent(
        kind=kind,
        nhs_number=nhs_number(message),
        occurred_at=occurred_at,
        source="hl7v2",
        hospital=header.sending_facility or None,
        encounter=message.get("PV1", 19) or None,
        admit_source=_code(message, fields.admit_source, ADMIT_SOURCES, "source of admission", warnings),
        discharge_destination=_code(
            message, fields.discharge_destination, DISCHARGE_DESTINATIONS, "discharge destination", warnings
        )
        if discharged
        else None,
        location=_location(message),
        patient_class=message.get("PV1", 2) or None,
        planned_discharge=hl7_instant(planned, "PV2-9", settings.timezone) if planned else None,
        gp=_gp(message, warnings),
        warnings=tuple(warnings),
    )
    return Adt(header, event)
