"""H28: the measures mislead those who run the pathway: what was not recorded read as zero, a stay still in
hospital counted as a short one, a red bag and its admission counted twice, a cancelled admission counted;
a pathway that fails (visits not made, belongings lost) would look as if it worked."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapter.measures import measure_database
from adapter.store import Outbox, open_outbox
from adapter.store.stay_facts import write_all
from tests.measures.hand_fixture import AS_OF, FACTS, load


@pytest.fixture
def store(tmp_path: Path) -> Outbox:
    return open_outbox(f"sqlite:///{tmp_path / 'store.db'}")


def test_h28_what_a_source_does_not_hold_is_not_recorded_never_zero(store: Outbox) -> None:
    """Red bags alone (what a FHIR server holds): admissions without a red bag, visits, ready dates and,
    with no return journey yet, belongings and medicines are not recorded."""
    write_all(store.db, [f for f in FACTS if isinstance(f, tuple) and f[0] == "T4"])  # one red bag, no return
    found = measure_database(store.db, threshold=1, as_of=AS_OF)
    assert found.get("transfers", "stays").text == "1"
    for measure, statistic in (
        ("transfers", "without-red-bag"),
        ("visits", "due"),
        ("ready-to-discharge", "stays"),
        ("belongings", "missing"),
        ("medicines", "with-change"),
    ):
        assert found.get(measure, statistic).text == "not recorded", (measure, statistic)
        assert found.get(measure, statistic).value is None


def test_h28_a_stay_still_in_hospital_has_no_length_and_is_counted_as_in_hospital(store: Outbox) -> None:
    load(store)
    found = measure_database(store.db, threshold=1, as_of=AS_OF)
    assert found.get("transfers", "in-hospital").text == "2"  # D and F
    assert found.get("length-of-stay", "stays").text == "5"  # not D, F, nor E (no start)
    assert found.get("visits", "missed").text == "2"  # D's visit, due and not made, is missed


def test_h28_a_red_bag_and_its_admission_are_one_stay_and_a_cancelled_admission_none(store: Outbox) -> None:
    load(store)
    found = measure_database(store.db, threshold=1, as_of=AS_OF)
    # 6 red bags and 6 journeys (J6 and J7 cancelled): 8 stays, not 12 nor 10
    assert found.get("transfers", "stays").text == "8"
    assert found.get("transfers", "without-red-bag").text == "2"
