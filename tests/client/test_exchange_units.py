"""Push/pull helpers that need no server: what can be pushed, references, the smoke table."""

from __future__ import annotations

import pytest

from adapter.errors import ContractError, InputError
from adapter.exchange import transaction_for
from adapter.exchange.pull import local_key, references
from adapter.exchange.smoke import Check, first_difference, table
from adapter.exchange.synthetic import check_digit, random_test_nhs_number, synthetic_summary
from adapter.redbag import check_summary


def test_only_summaries_documents_and_transactions_can_be_pushed() -> None:
    with pytest.raises(InputError, match="a Patient"):
        transaction_for({"resourceType": "Patient"}, "x.json")
    with pytest.raises(InputError, match="searchset"):
        transaction_for({"resourceType": "Bundle", "type": "searchset"}, "x.json")
    with pytest.raises(ContractError):
        transaction_for({"bagNumber": "RB-1"}, "x.json")


@pytest.mark.parametrize(
    ("reference", "key"),
    [
        ("Patient/1", "Patient/1"),
        ("Patient/1/_history/2", "Patient/1"),
        ("http://s/fhir/Patient/1", "Patient/1"),
        ("urn:uuid:0f", None),
        ("#contained", None),
        ("http://elsewhere/fhir/Patient/1", None),
    ],
)
def test_local_key(reference: str, key: str | None) -> None:
    assert local_key(reference, "http://s/fhir") == key


def test_references_are_found_at_any_depth() -> None:
    resource = {"subject": {"reference": "Patient/1"}, "section": [{"entry": [{"reference": "List/2"}]}]}
    assert list(references(resource)) == ["Patient/1", "List/2"]


def test_synthetic_summaries_are_valid_and_unique() -> None:
    first, second = synthetic_summary(), synthetic_summary()
    check_summary(first)
    assert first["bagNumber"] != second["bagNumber"]
    number = random_test_nhs_number()
    assert number.startswith("999") and check_digit(number[:9]) == int(number[9])
    assert check_digit("943476591") == 9  # a published example: 943 476 5919


def test_first_difference_names_the_path() -> None:
    assert first_difference({"a": [{"b": 1}]}, {"a": [{"b": 2}]}) == "$.a[0].b: got '1', sent '2'"
    assert first_difference({"a": 1}, {"a": 1}) is None


def test_table_lists_every_check() -> None:
    text = table([Check("push", True, "ok", 0.1), Check("pull and compare", False, "differs", 0.2)])
    assert "push              PASS" in text
    assert "pull and compare  FAIL" in text
    assert text.endswith("1 of 2 checks passed")
