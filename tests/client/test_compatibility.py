"""The capability check without a server: needs read from the code, findings, the fallback, the table.

Statements are made to measure (tests/capability_statements.py) and then taken apart; real servers'
statements are checked in test_sekmet.py and test_exchange_hapi.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from adapter.client import read_capabilities
from adapter.errors import RedbagError
from adapter.exchange.adapt import write_by_id
from adapter.exchange.capability_table import capability_table
from adapter.exchange.compatibility import Compatibility, compare
from adapter.exchange.needs import (
    Need,
    entry_need,
    red_bag_needs,
    round_trip_needs,
    transaction_types,
    transactions_needs,
)
from adapter.exchange.synthetic import synthetic_summary
from adapter.redbag import build_bundles, build_return_bundles, check_summary
from tests.capability_statements import has_row, statement_offering, type_entry

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
BASE = "http://fhir.test/r4"


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


@pytest.fixture(scope="module")
def transaction() -> dict[str, Any]:
    return build_bundles(check_summary(synthetic_summary()))[1]


def checked(statement: dict[str, Any], needs: frozenset[Need]) -> Compatibility:
    return compare(BASE, read_capabilities(statement), needs)


def finding(report: Compatibility, kind: str, resource_type: str = "", use: str = "push") -> Any:
    return next(
        f
        for f in report.findings
        if (f.need.kind, f.need.resource_type, f.need.use) == (kind, resource_type, use)
    )


def test_every_transaction_entry_is_a_need_of_its_own_request(transaction: dict[str, Any]) -> None:
    needs = [entry_need(e) for e in transaction["entry"]]
    kinds = {(n.kind, n.resource_type) for n in needs}
    assert ("conditional-create", "Patient") in kinds  # shared records
    assert ("conditional-update", "List") in kinds and ("conditional-update", "Composition") in kinds
    assert ("update-create", "Provenance") in kinds  # no identifier in R4: PUT by id
    assert {n.detail for n in needs if n.kind.startswith("conditional")} == {"identifier"}


def test_the_synthetic_red_bag_needs_every_type_the_examples_write(transaction: dict[str, Any]) -> None:
    # red_bag_needs() (readiness, pull) is read from the synthetic red bag: it must miss no type.
    written = set()
    for path in EXAMPLES.glob("*.summary.json"):
        written |= transaction_types(build_bundles(check_summary(load(path)))[1])
    returned = build_return_bundles(
        load(EXAMPLES / "return-journey.summary.json"), load(EXAMPLES / "return-journey.discharge.json")
    )[1]
    written |= transaction_types(returned)
    assert written <= transaction_types(transaction)
    needed = {n.resource_type for n in red_bag_needs() if n.kind == "interaction"}
    assert written <= needed


def test_a_server_offering_every_need_is_ready_without_adapting(transaction: dict[str, Any]) -> None:
    needs = round_trip_needs(transaction)
    report = checked(statement_offering(needs), needs)
    assert {f.status for f in report.findings} == {"ok"}
    assert not report.refuses() and report.by_id == frozenset() and report.batch_reads
    assert report.adapt(transaction) is transaction
    assert "offers what a red bag needs" in report.summary()


def test_a_type_the_server_does_not_list_is_missing_before_any_write(transaction: dict[str, Any]) -> None:
    needs = round_trip_needs(transaction)
    statement = statement_offering(needs)
    statement["rest"][0]["resource"] = [
        r for r in statement["rest"][0]["resource"] if r["type"] not in ("List", "Composition")
    ]
    report = checked(statement, needs)
    assert report.refuses(["push"]) and report.refuses(["pull"])
    missing = {(f.need.use, f.need.kind, f.need.resource_type) for f in report.blocking()}
    assert ("push", "conditional-update", "List") in missing
    assert ("pull", "search", "Composition") in missing
    assert "(Composition, List)" in report.summary()
    table = capability_table(report)
    assert has_row(
        table, "MISSING", "push", "conditional update on identifier", "Composition, List", "type not listed"
    )


def test_no_conditional_update_but_update_as_create_writes_by_deterministic_id(
    transaction: dict[str, Any],
) -> None:
    needs = transactions_needs([transaction])
    statement = statement_offering(needs)
    type_entry(statement, "List")["conditionalUpdate"] = False
    type_entry(statement, "Encounter")["searchParam"] = []  # cannot match on identifier
    report = checked(statement, needs)
    assert not report.refuses(["push"])
    assert report.by_id == {"List", "Encounter"}
    assert finding(report, "conditional-update", "List").status == "adapted"
    sent = report.adapt(transaction)
    for before, after in zip(transaction["entry"], sent["entry"], strict=True):
        resource_type = before["resource"]["resourceType"]
        if resource_type in ("List", "Encounter"):
            resource_id = before["fullUrl"].removeprefix("urn:uuid:")
            assert after["request"] == {"method": "PUT", "url": f"{resource_type}/{resource_id}"}
            assert after["resource"] == {**before["resource"], "id": resource_id}
            # the business identifier it would have matched on carries the same id
            assert before["request"]["url"].endswith(f"|{resource_id}")
        else:
            assert after == before
    assert report.adapt(sent) == sent  # nothing conditional is left for those types


@pytest.mark.parametrize("update_create", [False, None], ids=["false", "unstated"])
def test_no_conditional_update_and_no_stated_update_as_create_is_missing(
    transaction: dict[str, Any], update_create: bool | None
) -> None:
    needs = transactions_needs([transaction])
    statement = statement_offering(needs)
    entry = type_entry(statement, "List")
    entry["conditionalUpdate"] = False
    if update_create is None:
        del entry["updateCreate"]
    else:
        entry["updateCreate"] = update_create
    report = checked(statement, needs)
    assert finding(report, "conditional-update", "List").status == "missing"
    assert report.refuses(["push"])


def test_shared_records_have_no_fallback(transaction: dict[str, Any]) -> None:
    needs = transactions_needs([transaction])
    statement = statement_offering(needs)
    type_entry(statement, "Patient")["conditionalCreate"] = False
    report = checked(statement, needs)
    patient = finding(report, "conditional-create", "Patient")
    assert (patient.status, patient.offered, patient.action) == (
        "missing",
        "conditionalCreate false",
        "refuse",
    )


def test_unstated_flags_send_as_planned_and_say_so(transaction: dict[str, Any]) -> None:
    needs = transactions_needs([transaction])
    statement = statement_offering(needs)
    for entry in statement["rest"][0]["resource"]:
        del entry["conditionalCreate"], entry["conditionalUpdate"], entry["updateCreate"]
    report = checked(statement, needs)
    assert not report.refuses() and report.by_id == frozenset()
    assert finding(report, "update-create", "Provenance").offered == "declared (updateCreate not stated)"
    assert "OK?" in capability_table(report)


def test_no_batch_reads_one_resource_at_a_time_and_no_delete_only_warns(transaction: dict[str, Any]) -> None:
    needs = round_trip_needs(transaction)
    statement = statement_offering(needs)
    statement["rest"][0]["interaction"] = [{"code": "transaction"}]
    type_entry(statement, "Task")["interaction"] = [{"code": c} for c in ("read", "update", "search-type")]
    report = checked(statement, needs)
    assert not report.batch_reads
    assert finding(report, "interaction", "Task", "clean-up").status == "missing"
    assert not report.refuses()  # a smoke test that cannot clean up still runs, and says so


@pytest.mark.parametrize(
    ("change", "kind"),
    [
        (lambda s: s.update(fhirVersion="3.0.2"), "version"),
        (lambda s: s.update(format=["application/fhir+xml"]), "format"),
        (lambda s: s["rest"][0].update(interaction=[{"code": "batch"}]), "system"),
    ],
    ids=["stu3", "xml-only", "no-transaction"],
)
def test_whole_server_needs_are_essential(transaction: dict[str, Any], change: Any, kind: str) -> None:
    needs = transactions_needs([transaction])
    statement = statement_offering(needs)
    change(statement)
    report = checked(statement, needs)
    assert [f.need.kind for f in report.blocking()] == [kind]


def test_pull_searches_need_their_parameters(transaction: dict[str, Any]) -> None:
    needs = round_trip_needs(transaction)
    statement = statement_offering(needs)
    type_entry(statement, "Composition")["searchParam"] = [{"name": "subject", "type": "reference"}]
    report = checked(statement, needs)
    assert not report.refuses(["push"]) and report.refuses(["pull"])
    offered = {f.offered for f in report.blocking(["pull"])}
    assert offered == {"no search parameter type", "no search parameter date"}


def test_an_unreadable_statement_refuses_everything() -> None:
    report = Compatibility(BASE, "unknown server", (), "HTTP 404 Not Found for GET .../metadata")
    assert report.refuses(["push"]) and report.refuses(["pull"])
    assert capability_table(report).endswith(
        f"{BASE}: the CapabilityStatement cannot be read (HTTP 404 Not Found for GET .../metadata)"
    )


def test_by_id_needs_a_urn_uuid_full_url(transaction: dict[str, Any]) -> None:
    entry = next(e for e in transaction["entry"] if e["resource"]["resourceType"] == "List")
    odd = {**transaction, "entry": [{**entry, "fullUrl": "http://elsewhere/List/1"}]}
    with pytest.raises(RedbagError, match="is not a urn:uuid carrying one"):
        write_by_id(odd, {"List"})
