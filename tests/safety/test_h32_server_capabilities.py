"""H32: a red bag is written only to a server that can hold it as redbag expects, and the same way each time.

Against sekmet-fhir (no List, no Composition in its CapabilityStatement): refused before any write, and
a forced push is kept whole or not at all. Against HAPI: a copy written by id beside one written by
conditional update makes pull refuse rather than choose. Against helios-hfs without identifier search on
the red bag's own types (``make test-helios``): the by-id fallback's whole round trip.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapter.cli import main
from adapter.client import FhirClient
from adapter.exchange import pull_red_bag, push_transaction
from adapter.exchange.adapt import write_by_id
from adapter.exchange.compatibility import check_server
from adapter.exchange.errors import AmbiguousRedBagError
from adapter.exchange.needs import red_bag_needs, transaction_types
from adapter.redbag import build_bundles, vocab
from tests.capability_statements import has_row
from tests.safety.conftest import example, fresh_nhs_number

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "dementia-dnacpr.summary.json"
MISSING_ROW = ("MISSING", "push", "conditional update on identifier", "Composition, List")
SHARED_RECORDS = {"Patient", "Organization", "Location"}


def patients(base_url: str) -> int:
    with FhirClient(base_url) as client:
        return client.search("Patient").count()


@pytest.mark.sekmet
def test_h32_push_is_refused_with_the_table_before_any_write(
    sekmet_base_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = patients(sekmet_base_url)
    assert main(["push", str(EXAMPLE), "--server", sekmet_base_url]) == 1
    captured = capsys.readouterr()
    assert has_row(captured.err, *MISSING_ROW)
    assert f"redbag push: nothing sent to {sekmet_base_url} (--force sends anyway)" in captured.err
    assert captured.out == ""
    assert patients(sekmet_base_url) == before


@pytest.mark.sekmet
def test_h32_a_forced_push_fails_whole_with_the_servers_reason(
    sekmet_base_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    nhs = json.loads(EXAMPLE.read_text("utf-8"))["resident"]["nhsNumber"]
    assert main(["push", str(EXAMPLE), "--server", sekmet_base_url, "--force"]) == 1
    err = capsys.readouterr().err
    assert has_row(err, *MISSING_ROW)
    assert "Unknown search parameter 'identifier' for List" in err
    with FhirClient(sekmet_base_url) as client:  # rolled back: not even the Patient was kept
        assert client.search("Patient").where(identifier=f"{vocab.NHS_NUMBER}|{nhs}").count() == 0


@pytest.mark.hapi
def test_h32_a_copy_written_by_id_beside_a_conditional_one_makes_pull_refuse(fhir: FhirClient) -> None:
    summary = example("dementia-dnacpr")
    summary["resident"]["nhsNumber"] = nhs = fresh_nhs_number()
    summary["bagNumber"] = f"RB-H32-{nhs}"  # ids of its own: the copies must not meet other tests' bags
    transaction = build_bundles(summary)[1]
    push_transaction(fhir, transaction, "by conditional update")
    assert pull_red_bag(fhir, nhs).completed_at == summary["createdAt"]
    # The same red bag again, the server's way having changed (or --force with a fallback): by id.
    own_types = transaction_types(transaction) - SHARED_RECORDS
    again = push_transaction(fhir, write_by_id(transaction, own_types), "by id")
    assert again.created > 0  # a second copy of the transfer's resources
    with pytest.raises(AmbiguousRedBagError, match="2 transfer summaries share the newest date"):
        pull_red_bag(fhir, nhs)


@pytest.mark.helios
def test_h32_the_by_id_fallback_round_trip_on_a_server_that_needs_it(
    helios_without_identifier_search_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = helios_without_identifier_search_url
    with FhirClient(url) as client:
        report = check_server(client, red_bag_needs())
    own_types = {n.resource_type for n in red_bag_needs() if n.kind == "conditional-update"}
    assert report.by_id == own_types and not report.refuses()
    # The whole round trip with the fallback: push, read back, re-push creates nothing, pull, clean up.
    assert main(["smoke", "--server", url]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert has_row(out, "ADAPT", "push", "conditional update on identifier")
    assert "7 of 7 checks passed" in out
    # A red bag pushed twice lands on the same resources, each under its deterministic id.
    summary = example("dementia-dnacpr")
    summary["resident"]["nhsNumber"] = nhs = fresh_nhs_number()
    summary["bagNumber"] = f"RB-H32-{nhs}"
    path = tmp_path / "bag.summary.json"
    path.write_text(json.dumps(summary), "utf-8")
    assert main(["push", str(path), "--server", url]) == 0
    assert main(["push", str(path), "--server", url]) == 0
    second = capsys.readouterr().out.splitlines()[-1]
    assert ", 0 created, " in second
    transaction = build_bundles(summary)[1]
    lists = [e for e in transaction["entry"] if e["resource"]["resourceType"] == "List"]
    with FhirClient(url) as client:
        for entry in lists:
            stored = client.read("List", entry["fullUrl"].removeprefix("urn:uuid:"))
            assert stored["identifier"] == entry["resource"]["identifier"]
        assert pull_red_bag(client, nhs).completed_at == summary["createdAt"]
