"""HL7 v2 times as ISO 8601 with their offset (hazard H19): local times follow British Summer Time."""

from __future__ import annotations

import pytest

from adapter.hl7v2.errors import UnusableMessageError
from adapter.hl7v2.times import hl7_instant
from adapter.pathway.visit import new_visit


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("202601151030", "2026-01-15T10:30:00+00:00"),
        ("20260715103045", "2026-07-15T10:30:45+01:00"),
        ("20260329003000", "2026-03-29T00:30:00+00:00"),  # before the clocks go forward (01:00 GMT)
        ("20260329023000", "2026-03-29T02:30:00+01:00"),  # after
        ("20261025013000", "2026-10-25T01:30:00+01:00"),  # the repeated hour: the first (summer) reading
        ("202607151030-0500", "2026-07-15T10:30:00-05:00"),
        ("20260715103045.123+0000", "2026-07-15T10:30:45+00:00"),
    ],
)
def test_h19_local_times_carry_the_offset_in_force(value: str, expected: str) -> None:
    assert hl7_instant(value, "PV1-44") == expected


def test_h19_the_visit_is_due_48_real_hours_after_across_the_clock_change() -> None:
    visit = new_visit(hl7_instant("20260328120000", "PV1-44"), 48)  # GMT, then BST from the 29th
    assert visit.due_at == "2026-03-30T12:00:00+00:00"  # 13:00 BST: 48 hours, not 47


def test_h19_another_zone_can_be_configured() -> None:
    assert hl7_instant("202607151030", "PV1-44", "Europe/Dublin") == "2026-07-15T10:30:00+01:00"


@pytest.mark.parametrize("value", ["2026", "20261315103000", "yesterday", "2026071510"])
def test_h19_what_is_not_a_time_is_refused(value: str) -> None:
    with pytest.raises(UnusableMessageError, match="PV1-44"):
        hl7_instant(value, "PV1-44")
