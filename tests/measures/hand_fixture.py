"""A small set of stays whose measures were worked out by hand (the figures in EXPECTED_*).

Two care homes (VAA01, VBB02), two hospitals (RZZ01, RZZ02), measured as of 30 June 2025 12:00 UTC:

  A  red bag T1 + journey J1, R1, VAA01 -> RZZ01: left 1 Mar 10:00, discharged 6 Mar 10:00 (5.0 days);
     visited on time; came back: hearing aid missing, glasses returned, dentures retained, clothing
     returned; one medicine started, one stopped
  B  red bag T2 alone, R2, VAA01 -> RZZ01: left 10 Mar 08:00, back 13 Mar 20:00 (3.5 days); dentures
     returned, glasses missing; no medicine changed
  C  journey J3 without a red bag, R3, VBB02 at RZZ02: 15 Mar 00:00 to 25 Mar 00:00 (10.0 days); visit
     missed (the stay went on past its due time)
  D  red bag T4 + journey J4, R1 again, VAA01 -> RZZ02: left 20 Mar 12:00, STILL IN HOSPITAL; visit due
     since 22 Mar, not made; a readmission of A (14 days after A's discharge)
  E  red bag T5 alone, no NHS number, VBB02 -> RZZ02: a RETURN WITHOUT A DEPARTURE TIME (back 2 Apr);
     walking aid returned; two doses changed
  F  red bag T6 + journey J6 that the hospital cancelled (A11), R4, VBB02 -> RZZ01: left 10 Apr, never
     came back: the red bag still counts, the cancelled journey does not
  G  journey J7 without a red bag, cancelled: not a stay
  H  red bag T8 + journey J8, R2 again (48 days after B: not a readmission), VBB02 -> RZZ01: left 1 May
     06:00, discharged 9 May 18:00 (8.5 days), ready 6 May (3 days' delay); visited late; hearing aids:
     one missing, one returned; one dose changed
  I  journey J9 without a red bag, R6, VAA01 at RZZ01: 20 Jun 10:00 to 25 Jun 10:00 (5.0 days), ready and
     discharged 25 Jun (no delay); visited on time; ended less than 30 days ago (not followed)
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from adapter.measures.compute import day_of
from adapter.store import Outbox
from adapter.store.stay_facts import JourneyFacts, ReturnFacts, TransferFacts, write_all

AS_OF = datetime(2025, 6, 30, 12, 0, tzinfo=UTC).timestamp()


def at(month: int, day: int, hour: int = 0) -> float:
    """Epoch seconds of a UTC time in 2025."""
    return datetime(2025, month, day, hour, tzinfo=UTC).timestamp()


def on(month: int, day: int) -> int:
    """The day number of a day in 2025."""
    return day_of(date(2025, month, day))


def red_bag(
    resident: str | None, home: str, hospital: str, left: tuple[int, int, int] | None
) -> TransferFacts:
    names = {"VAA01": "Ash House", "VBB02": "Beech Court", "RZZ01": "North General", "RZZ02": "South General"}
    return TransferFacts(
        resident=resident,
        care_home=home,
        care_home_name=names[home],
        hospital=hospital,
        hospital_name=names[hospital],
        departed_at=at(*left) if left else None,
        departed_day=on(*left[:2]) if left else None,
    )


def came_back(
    back: tuple[int, int, int],
    belongings: list[tuple[str, str]],
    started: int = 0,
    stopped: int = 0,
    dose: int = 0,
) -> ReturnFacts:
    return ReturnFacts(
        returned_at=at(*back),
        returned_day=on(*back[:2]),
        medicines_started=started,
        medicines_stopped=stopped,
        medicines_dose_changed=dose,
        belongings=tuple(belongings),
    )


def journey(
    journey_id: str,
    resident: str,
    home: str,
    hospital: str,
    admitted: tuple[int, int, int],
    discharged: tuple[int, int, int] | None = None,
    *,
    transfer_id: str | None = None,
    cancelled: bool = False,
    ready: tuple[int, int] | None = None,
    visit: str | None = None,
    due: tuple[int, int, int] | None = None,
    visited: tuple[int, int, int] | None = None,
) -> JourneyFacts:
    return JourneyFacts(
        journey_id=journey_id,
        transfer_id=transfer_id,
        resident=resident,
        care_home=home,
        hospital=hospital,
        cancelled=cancelled,
        admitted_at=at(*admitted),
        admitted_day=on(*admitted[:2]),
        discharged_at=at(*discharged) if discharged else None,
        discharged_day=on(*discharged[:2]) if discharged else None,
        ready_day=on(*ready) if ready else None,
        visit=visit,
        visit_due_at=at(*due) if due else None,
        visited_at=at(*visited) if visited else None,
    )


FACTS: list[tuple[str, TransferFacts | ReturnFacts] | JourneyFacts] = [
    # A
    ("T1", red_bag("R1", "VAA01", "RZZ01", (3, 1, 10))),
    journey(
        "J1",
        "R1",
        "VAA01",
        "RZZ01",
        (3, 1, 11),
        (3, 6, 10),
        transfer_id="T1",
        visit="visited",
        due=(3, 3, 11),
        visited=(3, 2, 15),
    ),
    (
        "T1",
        came_back(
            (3, 6, 10),
            [
                ("hearing-aid", "missing"),
                ("glasses", "returned"),
                ("dentures", "retained"),
                ("clothing", "returned"),
            ],
            started=1,
            stopped=1,
        ),
    ),
    # B
    ("T2", red_bag("R2", "VAA01", "RZZ01", (3, 10, 8))),
    ("T2", came_back((3, 13, 20), [("dentures", "returned"), ("glasses", "missing")])),
    # C
    journey("J3", "R3", "VBB02", "RZZ02", (3, 15, 0), (3, 25, 0), visit="missed", due=(3, 17, 0)),
    # D
    ("T4", red_bag("R1", "VAA01", "RZZ02", (3, 20, 12))),
    journey("J4", "R1", "VAA01", "RZZ02", (3, 20, 13), transfer_id="T4", visit="due", due=(3, 22, 13)),
    # E
    ("T5", red_bag(None, "VBB02", "RZZ02", None)),
    ("T5", came_back((4, 2, 9), [("walking-aid", "returned")], dose=2)),
    # F
    ("T6", red_bag("R4", "VBB02", "RZZ01", (4, 10, 9))),
    journey("J6", "R4", "VBB02", "RZZ01", (4, 10, 10), transfer_id="T6", cancelled=True),
    # G
    journey("J7", "R5", "VAA01", "RZZ01", (4, 12, 10), cancelled=True),
    # H
    ("T8", red_bag("R2", "VBB02", "RZZ01", (5, 1, 6))),
    journey(
        "J8",
        "R2",
        "VBB02",
        "RZZ01",
        (5, 1, 7),
        (5, 9, 18),
        transfer_id="T8",
        ready=(5, 6),
        visit="visited",
        due=(5, 3, 7),
        visited=(5, 4, 10),
    ),
    ("T8", came_back((5, 9, 18), [("hearing-aid", "missing"), ("hearing-aid", "returned")], dose=1)),
    # I
    journey(
        "J9",
        "R6",
        "VAA01",
        "RZZ01",
        (6, 20, 10),
        (6, 25, 10),
        ready=(6, 25),
        visit="visited",
        due=(6, 22, 10),
        visited=(6, 21, 9),
    ),
]


def load(outbox: Outbox) -> None:
    """Write the fixture's facts into a store."""
    write_all(outbox.db, FACTS)


#: (measure, statistic, split) -> the figure overall, worked out by hand (no suppression).
EXPECTED_OVERALL = {
    ("transfers", "stays", "all"): "8",
    ("transfers", "with-red-bag", "all"): "6",
    ("transfers", "without-red-bag", "all"): "2",
    ("transfers", "with-red-bag-percent", "all"): "75.0",
    ("transfers", "in-hospital", "all"): "2",
    ("length-of-stay", "stays", "all"): "5",
    ("length-of-stay", "mean-days", "all"): "6.4",  # (5.0 + 3.5 + 8.5 + 10.0 + 5.0) / 5
    ("length-of-stay", "stays", "with"): "3",
    ("length-of-stay", "mean-days", "with"): "5.7",  # 17.0 / 3
    ("length-of-stay", "stays", "without"): "2",
    ("length-of-stay", "mean-days", "without"): "7.5",
    ("length-of-stay", "no-start", "all"): "1",  # E
    ("ready-to-discharge", "stays", "all"): "2",
    ("ready-to-discharge", "mean-days", "all"): "1.5",  # H 3, I 0
    ("ready-to-discharge", "on-ready-date", "all"): "1",
    ("ready-to-discharge", "on-ready-date-percent", "all"): "50.0",
    ("ready-to-discharge", "waiting", "all"): "0",
    ("visits", "due", "all"): "5",  # A, C, D, H, I
    ("visits", "on-time", "all"): "2",
    ("visits", "late", "all"): "1",
    ("visits", "missed", "all"): "2",
    ("visits", "on-time-percent", "all"): "40.0",
    ("belongings", "returns", "all"): "4",  # A, B, E, H
    ("belongings", "items", "all"): "9",
    ("belongings", "missing", "all"): "3",
    ("belongings", "retained", "all"): "1",
    ("belongings", "missing-per-100", "all"): "75.0",
    ("belongings", "retained-per-100", "all"): "25.0",
    ("belongings", "missing", "hearing-aid"): "2",
    ("belongings", "missing-per-100", "hearing-aid"): "50.0",
    ("belongings", "retained-per-100", "dentures"): "25.0",
    ("belongings", "missing", "dentures"): "0",
    ("belongings", "missing-per-100", "glasses"): "25.0",
    ("medicines", "returns", "all"): "4",
    ("medicines", "with-change", "all"): "3",
    ("medicines", "with-change-percent", "all"): "75.0",
    ("medicines", "started", "all"): "1",
    ("medicines", "stopped", "all"): "1",
    ("medicines", "dose-changed", "all"): "3",
    ("readmissions", "stays", "all"): "4",  # A, B, C, H
    ("readmissions", "readmitted", "all"): "1",  # A, by D
    ("readmissions", "readmitted-percent", "all"): "25.0",
    ("readmissions", "stays", "with"): "3",
    ("readmissions", "readmitted-percent", "with"): "33.3",
    ("readmissions", "stays", "without"): "1",
    ("readmissions", "readmitted-percent", "without"): "0.0",
}

#: (dimension, group, measure, statistic, split) -> figure, by hand.
EXPECTED_GROUPS = {
    ("care-home", "VAA01", "transfers", "stays", "all"): "4",  # A, B, D, I
    ("care-home", "VAA01", "transfers", "without-red-bag", "all"): "1",
    ("care-home", "VBB02", "transfers", "stays", "all"): "4",  # C, E, F, H
    ("care-home", "VBB02", "transfers", "with-red-bag", "all"): "3",
    ("care-home", "VAA01", "belongings", "missing", "all"): "2",  # A's hearing aid, B's glasses
    ("care-home", "VBB02", "belongings", "missing", "hearing-aid"): "1",  # H's
    ("care-home", "VAA01", "readmissions", "readmitted", "all"): "1",
    ("hospital", "RZZ01", "transfers", "stays", "all"): "5",  # A, B, F, H, I
    ("hospital", "RZZ02", "transfers", "stays", "all"): "3",  # C, D, E
    ("hospital", "RZZ02", "transfers", "in-hospital", "all"): "1",  # D
    ("hospital", "RZZ01", "length-of-stay", "mean-days", "with"): "5.7",  # A 5.0, B 3.5, H 8.5
    ("hospital", "RZZ02", "length-of-stay", "mean-days", "without"): "10.0",  # C
    ("hospital", "RZZ02", "length-of-stay", "mean-days", "with"): "–",  # D in hospital, E no start
    ("hospital", "RZZ02", "length-of-stay", "no-start", "all"): "1",  # E
}
