"""ADT messages for the tests: the examples in examples/hl7v2, and messages built with today's times."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "hl7v2"


def example(name: str) -> bytes:
    """An example message (segments on lines, as mllp_send --loose reads them) with HL7's CR breaks."""
    return (EXAMPLES / f"{name}.hl7").read_bytes().replace(b"\n", b"\r")


def hl7_time(at: datetime) -> str:
    """An HL7 TS with its offset."""
    return at.astimezone(UTC).strftime("%Y%m%d%H%M%S+0000")


def segment(name: str, fields: dict[int, str]) -> str:
    """A segment with the given fields (1-based), the rest empty."""
    return name + "|" + "|".join(fields.get(i, "") for i in range(1, max(fields) + 1))


def adt(
    trigger: str,
    nhs_number: str | None,
    *,
    control_id: str,
    at: datetime,
    visit: str | None = None,
    facility: str = "RZZ01",
    pv1: dict[int, str] | None = None,
    pv2: dict[int, str] | None = None,
    gp: str = "B99017",
) -> bytes:
    """An ADT message (HL7 UK v2.4) about ``nhs_number`` at ``at``."""
    stamp = hl7_time(at)
    visit = visit or f"V{nhs_number}"  # one stay per resident unless a test says otherwise
    identifiers = "LOCAL1^^^RZZ01^MR" + (f"~{nhs_number}^^^NHS^NH" if nhs_number else "")
    fields = {1: "1", 2: "E", 3: "AMU^BAY1^BED1^RZZ01", 14: "85", 19: f"{visit}^^^{facility}^VN", 44: stamp}
    if trigger == "A03":
        fields |= {37: "85", 45: stamp}
    fields |= pv1 or {}
    lines = [
        f"MSH|^~\\&|PAS|{facility}|REDBAG|REDBAG|{stamp}||ADT^{trigger}^ADT_A01|{control_id}|P|2.4|||AL|NE|GBR"
        "|UNICODE UTF-8",
        f"EVN|{trigger}|{stamp}||||{stamp}",
        f"PID|1||{identifiers}||Tester^Ada||19400101|F",
        f"PD1|||Practice^^{gp}",
        segment("PV1", fields),
    ]
    if pv2:
        lines.append(segment("PV2", pv2))
    return ("\r".join(lines) + "\r").encode("utf-8")
