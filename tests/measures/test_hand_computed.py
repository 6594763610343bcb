"""The measures against figures worked out by hand (tests/measures/hand_fixture.py), on SQLite and
PostgreSQL: a stay still in hospital, a return without a departure time, a cancelled admission, a
readmission, a ready date, visits on time, late and missed."""

from __future__ import annotations

from datetime import date

import pytest

from adapter.measures import Filters, measure_database
from adapter.store import Outbox
from tests.measures.hand_fixture import AS_OF, EXPECTED_GROUPS, EXPECTED_OVERALL, load


@pytest.fixture
def loaded(store: Outbox) -> Outbox:
    load(store)
    return store


def test_every_figure_overall_matches_the_hand_count(loaded: Outbox) -> None:
    found = measure_database(loaded.db, threshold=1, as_of=AS_OF)
    got = {key: found.get(key[0], key[1], split=key[2]).text for key in EXPECTED_OVERALL}
    assert got == EXPECTED_OVERALL


def test_per_care_home_and_hospital_match_the_hand_count(loaded: Outbox) -> None:
    found = measure_database(loaded.db, threshold=1, as_of=AS_OF)
    got = {k: found.get(k[2], k[3], k[0], k[1], k[4]).text for k in EXPECTED_GROUPS}
    assert got == EXPECTED_GROUPS
    assert found.groups("care-home") == ["VAA01", "VBB02"]
    assert found.name("care-home", "VAA01") == "Ash House (VAA01)"


def test_a_period_counts_the_stays_that_started_in_it(loaded: Outbox) -> None:
    march = measure_database(
        loaded.db, Filters(date(2025, 3, 1), date(2025, 3, 31)), threshold=1, as_of=AS_OF
    )
    assert march.get("transfers", "stays").text == "4"  # A, B, C, D
    assert march.get("readmissions", "readmitted").text == "1"  # A's readmission (D) is in March too
    april = measure_database(
        loaded.db, Filters(date(2025, 4, 1), date(2025, 4, 30)), threshold=1, as_of=AS_OF
    )
    assert april.get("transfers", "stays").text == "2"  # E (dated by its return), F
    assert april.get("length-of-stay", "no-start").text == "1"
    assert april.get("length-of-stay", "stays").text == "0"


def test_a_care_home_or_hospital_filter(loaded: Outbox) -> None:
    home = measure_database(loaded.db, Filters(care_home="VBB02"), threshold=1, as_of=AS_OF)
    assert home.get("transfers", "stays").text == "4"
    assert home.groups("care-home") == ["VBB02"]
    ward = measure_database(loaded.db, Filters(hospital="RZZ02"), threshold=1, as_of=AS_OF)
    assert ward.get("transfers", "in-hospital").text == "1"


def test_a_readmission_is_found_when_its_stay_falls_after_the_period(loaded: Outbox) -> None:
    only_a = measure_database(
        loaded.db, Filters(date(2025, 3, 1), date(2025, 3, 5)), threshold=1, as_of=AS_OF
    )
    assert only_a.get("transfers", "stays").text == "1"
    assert only_a.get("readmissions", "readmitted").text == "1"


def test_measures_taken_earlier_see_what_was_due_then(loaded: Outbox) -> None:
    """As of 21 March D's visit is not due yet, and no stay has been followed for 30 days."""
    early = measure_database(loaded.db, threshold=1, as_of=at_march_21())
    assert early.get("readmissions", "stays").text == "0"
    assert early.get("visits", "due").text == "4"  # D's is due on 22 March


def at_march_21() -> float:
    from tests.measures.hand_fixture import at

    return at(3, 21, 12)


def test_docs_measures_md_is_written_from_the_definitions() -> None:
    from pathlib import Path

    from adapter.measures.docs import measures_markdown

    doc = Path(__file__).parents[2] / "docs" / "measures.md"
    assert doc.read_text(encoding="utf-8") == measures_markdown(), "run scripts/measures-doc.py"
