"""H6: re-sending a red bag creates nothing twice, and the latest medication list supersedes."""

from __future__ import annotations

from adapter.redbag import build_bundles
from tests.safety.conftest import example


def _requests(transaction: dict) -> dict[str, dict]:
    return {e["resource"]["resourceType"] + ":" + e["fullUrl"]: e["request"] for e in transaction["entry"]}


def test_h6_the_same_red_bag_gives_the_same_transaction() -> None:
    assert build_bundles(example("insulin-parkinsons"))[1] == build_bundles(example("insulin-parkinsons"))[1]


def test_h6_every_transaction_entry_is_idempotent(any_example: dict) -> None:
    _, transaction = build_bundles(any_example)
    for entry in transaction["entry"]:
        request = entry["request"]
        assert request["method"] == "PUT" or "ifNoneExist" in request, request


def test_h6_a_corrected_medication_list_supersedes_the_old_one() -> None:
    first = example("insulin-parkinsons")
    corrected = example("insulin-parkinsons")
    corrected["medications"].pop()
    old, new = _requests(build_bundles(first)[1]), _requests(build_bundles(corrected)[1])
    lists_old = {k: v for k, v in old.items() if k.startswith("List:")}
    lists_new = {k: v for k, v in new.items() if k.startswith("List:")}
    assert lists_old == lists_new  # same Lists, same conditional-update keys: the server replaces them
    _, transaction = build_bundles(corrected)
    medication_list = next(
        e["resource"]
        for e in transaction["entry"]
        if e["resource"]["resourceType"] == "List"
        and e["resource"]["code"]["coding"][0]["code"] == "1102411000000102"
    )
    assert len(medication_list.get("entry", [])) == len(corrected["medications"])
