"""H13: a red bag is written only to a server that can hold it as redbag expects, and the same way each time.

Against sekmet-fhir (no List, no Composition in its CapabilityStatement): refused before any write, and
a forced push is kept whole or not at all. Against HAPI: a copy written by id beside one written by
conditional update makes pull refuse rather than choose. The by-id fallback's round trip runs against
helios-hfs (tests/client/test_helios.py, ``make test-helios``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapter.cli import main
from adapter.client import FhirClient
from adapter.exchange import pull_red_bag, push_transaction
from adapter.exchange.adapt import write_by_id
from adapter.exchange.errors import AmbiguousRedBagError
from adapter.exchange.needs import transaction_types
from adapter.redbag import build_bundles, vocab
from tests.capability_statements import has_row
from tests.safety.conftest import example, fresh_nhs_number

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "dementia-dnacpr.summary.json"
MISSING_ROW = ("MISSING", "push", "conditional update on identifier", "Composition, List")


def patients(base_url: str) -> int:
    with FhirClient(base_url) as client:
        return client.search("Patient").count()


@pytest.mark.sekmet
def test_h13_push_is_refused_with_the_table_before_any_write(
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
def test_h13_a_forced_push_fails_whole_with_the_servers_reason(
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
def test_h13_a_copy_written_by_id_beside_a_conditional_one_makes_pull_refuse(fhir: FhirClient) -> None:
    summary = example("dementia-dnacpr")
    summary["resident"]["nhsNumber"] = nhs = fresh_nhs_number()
    summary["bagNumber"] = f"RB-H13-{nhs}"  # ids of its own: the copies must not meet other tests' bags
    transaction = build_bundles(summary)[1]
    push_transaction(fhir, transaction, "by conditional update")
    assert pull_red_bag(fhir, nhs).completed_at == summary["createdAt"]
    # The same red bag again, the server's way having changed (or --force with a fallback): by id.
    own_types = transaction_types(transaction) - {"Patient", "Organization", "Location"}
    again = push_transaction(fhir, write_by_id(transaction, own_types), "by id")
    assert again.created > 0  # a second copy of the transfer's resources
    with pytest.raises(AmbiguousRedBagError, match="2 transfer summaries share the newest date"):
        pull_red_bag(fhir, nhs)
