"""ADT messages (HL7 UK v2.4) to pathway events, and what is refused with AE/AR and why."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapter.config import Hl7Settings, TrustFields
from adapter.hl7v2 import RejectedMessageError, UnusableMessageError, acknowledgement, read_adt
from adapter.hl7v2.message import peek_header
from adapter.pathway import EventKind
from tests.hl7v2.messages import adt, example

SETTINGS = Hl7Settings()
AT = datetime(2026, 3, 29, 2, 40, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "kind", "time"),
    [
        ("A01-admit", EventKind.ADMITTED, "2026-03-29T03:40:00+01:00"),
        ("A02-transfer", EventKind.TRANSFERRED, "2026-03-29T11:10:00+01:00"),
        ("A08-update", EventKind.UPDATED, "2026-03-30T15:55:00+01:00"),
        ("A03-discharge", EventKind.DISCHARGED, "2026-04-02T14:25:00+01:00"),
        ("A11-cancel-admit", EventKind.ADMISSION_CANCELLED, "2026-03-29T03:50:00+01:00"),
        ("A13-cancel-discharge", EventKind.DISCHARGE_CANCELLED, "2026-04-02T15:00:00+01:00"),
    ],
)
def test_every_trigger_of_the_examples(name: str, kind: EventKind, time: str) -> None:
    read = read_adt(example(name), SETTINGS)
    event = read.event
    assert (event.kind, event.occurred_at, event.nhs_number) == (kind, time, "9990341818")
    assert (event.hospital, event.encounter, event.admit_source, event.gp) == (
        "RZZ01",
        "V2026032901",
        "85",
        "B99017",
    )
    assert read.header.key == f"hl7v2|PAS|RZZ01|RZZ01-00010{read.header.control_id[-1]}"
    assert event.warnings == ()


def test_discharge_reads_the_destination_and_pv1_45() -> None:
    event = read_adt(example("A03-discharge"), SETTINGS).event
    assert event.discharge_destination == "85" and event.occurred_at.startswith("2026-04-02T14:25")


def test_expected_discharge_date_from_pv2_9() -> None:
    assert read_adt(example("A08-update"), SETTINGS).event.planned_discharge == "2026-04-02T12:00:00+01:00"


def test_local_times_follow_british_summer_time() -> None:
    winter = adt("A01", "9990341818", control_id="c1", at=AT, pv1={44: "202601151030"})
    summer = adt("A01", "9990341818", control_id="c2", at=AT, pv1={44: "202607151030"})
    assert read_adt(winter, SETTINGS).event.occurred_at == "2026-01-15T10:30:00+00:00"
    assert read_adt(summer, SETTINGS).event.occurred_at == "2026-07-15T10:30:00+01:00"


def test_a_time_with_an_offset_keeps_it() -> None:
    message = adt("A01", "9990341818", control_id="c1", at=AT, pv1={44: "202607151030-0500"})
    assert read_adt(message, SETTINGS).event.occurred_at == "2026-07-15T10:30:00-05:00"


def test_per_trust_field_locations() -> None:
    message = adt("A03", "9990341818", control_id="c1", at=AT, pv1={14: "", 37: "", 36: "54", 15: "65"})
    settings = Hl7Settings(
        trusts=(TrustFields("RZZ01", admit_source="PV1-15", discharge_destination="PV1-36"),)
    )
    event = read_adt(message, settings).event
    assert (event.admit_source, event.discharge_destination) == ("65", "54")
    other = read_adt(message, Hl7Settings(trusts=(TrustFields("RXX99", admit_source="PV1-15"),))).event
    assert (other.admit_source, other.discharge_destination) == (None, None), "defaults for another trust"


def test_a_code_outside_uk_core_is_not_recorded_and_said() -> None:
    event = read_adt(adt("A01", "9990341818", control_id="c1", at=AT, pv1={14: "X9"}), SETTINGS).event
    assert event.admit_source is None
    assert event.warnings == (
        "PV1-14: 'X9' is not a UK Core source of admission code (England); not recorded",
    )


def test_admission_time_falls_back_to_evn_with_a_warning() -> None:
    event = read_adt(adt("A01", "9990341818", control_id="c1", at=AT, pv1={44: ""}), SETTINGS).event
    assert event.occurred_at == "2026-03-29T02:40:00+00:00"
    assert event.warnings == ("PV1-44 is empty: the time is taken from EVN-6",)


@pytest.mark.parametrize(
    ("message", "ack_code", "location", "reason"),
    [
        (example("bad-no-nhs-number"), "AE", "PID-3", "no NHS number"),
        (adt("A01", "9990341819", control_id="c", at=AT), "AE", "PID-3", "fails the modulus 11 check"),
        (
            adt("A01", "9990341818", control_id="c", at=AT).replace(
                b"9990341818^^^NHS^NH", b"9990341818^^^NHS^NH~9991100008^^^NHS^NH"
            ),
            "AE",
            "PID-3",
            "two different NHS numbers",
        ),
        (
            adt("A01", "9990341818", control_id="c", at=AT, pv1={44: "tomorrow"}),
            "AE",
            "PV1-44",
            "not a date-time",
        ),
        (adt("A04", "9990341818", control_id="c", at=AT), "AR", "MSH-9", "trigger event 'A04'"),
        (adt("A01", "9990341818", control_id="", at=AT), "AR", "MSH-10", "no message control id"),
        (b"PID|1||x\rMSH|^~\\&|", "AR", "MSH", "does not start with an MSH segment"),
        (
            adt("A01", "9990341818", control_id="c", at=AT).replace(b"ADT^A01", b"ORU^R01"),
            "AR",
            "MSH-9",
            "message type 'ORU'",
        ),
        (
            adt("A01", "9990341818", control_id="c", at=AT).replace(b"|2.4|", b"|3.0|"),
            "AR",
            "MSH-12",
            "not HL7 v2",
        ),
        (
            adt("A01", "9990341818", control_id="c", at=AT).replace(b"UNICODE UTF-8", b"8859/1")
            + b"\xff\xfe",
            None,
            None,
            None,
        ),
        (
            adt("A01", "9990341818", control_id="c", at=AT).replace(b"Ada", "Zoë".encode()),
            None,
            None,
            None,
        ),
        (
            adt("A01", "9990341818", control_id="c", at=AT).replace(b"UNICODE UTF-8", b"EBCDIC"),
            "AR",
            "MSH-18",
            "character set 'EBCDIC'",
        ),
        (
            adt("A01", "9990341818", control_id="c", at=AT).replace(b"Ada", b"Zo\xeb"),
            "AR",
            "MSH-18",
            "not valid UNICODE UTF-8",
        ),
        (
            b"\r".join(
                line
                for line in adt("A01", "9990341818", control_id="c", at=AT).split(b"\r")
                if not line.startswith(b"PV1")
            ),
            "AE",
            "PV1",
            "PV1 segment is missing",
        ),
    ],
    ids=[
        "no-nhs-number",
        "bad-check-digit",
        "two-nhs-numbers",
        "bad-time",
        "unsupported-trigger",
        "no-control-id",
        "no-msh",
        "not-adt",
        "not-v2",
        "latin-1-declared",
        "utf-8-name",
        "unknown-charset",
        "not-utf-8",
        "no-pv1",
    ],
)
def test_what_cannot_be_used_is_refused_with_its_reason(
    message: bytes, ack_code: str | None, location: str | None, reason: str | None
) -> None:
    if ack_code is None:  # a control case: these messages are fine
        assert read_adt(message, SETTINGS).event.nhs_number == "9990341818"
        return
    with pytest.raises(RejectedMessageError) as caught:
        read_adt(message, SETTINGS)
    error = caught.value
    assert (error.ack_code, error.location) == (ack_code, location)
    assert reason in error.reason
    assert isinstance(error, UnusableMessageError) == (ack_code == "AE")
    assert "9990341819" not in str(error), "an NHS number is never echoed whole (H9)"


def test_acknowledgement_names_the_message_and_the_error() -> None:
    message = example("bad-no-nhs-number")
    with pytest.raises(RejectedMessageError) as caught:
        read_adt(message, SETTINGS)
    ack = acknowledgement(peek_header(message), "AE", caught.value.reason, caught.value)
    segments = ack.rstrip("\r").split("\r")
    assert segments[0].startswith("MSH|^~\\&|REDBAG|REDBAG|PAS|RZZ01|")
    assert "|ACK^A01^ACK|" in segments[0]
    assert (
        segments[1] == "MSA|AE|RZZ01-000301|no NHS number (an identifier of type NH, assigning authority NHS)"
    )
    assert (
        segments[2]
        == "ERR|PID^1^3^101&Required field missing&HL70357|PID^1^3|101^Required field missing^HL70357|E"
    )


def test_acknowledgement_text_is_escaped() -> None:
    ack = acknowledgement(None, "AR", "a|b^c&d~e\\f")
    assert "MSA|AR||a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f" in ack


def test_names_and_addresses_are_never_parsed() -> None:
    read = read_adt(example("A01-admit"), SETTINGS)
    assert "Thwaite" not in repr(read) and "Nidd Walk" not in repr(read)
