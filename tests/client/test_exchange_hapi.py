"""Push, pull and smoke against the real HAPI server: lossless on contract fields, idempotent."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import httpx
import pytest

from adapter.cli import main
from adapter.client import FhirClient, Resource
from adapter.exchange import pull_document, pull_red_bag, pull_summary, push_transaction, transaction_for
from adapter.exchange.compatibility import check_server
from adapter.exchange.needs import red_bag_pull_needs
from adapter.redbag import build_bundles, check_summary, normalise_summary
from tests.capability_statements import has_row

pytestmark = pytest.mark.hapi
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
WITH_NHS_NUMBER = sorted(
    p
    for p in EXAMPLES.glob("*.summary.json")
    if json.loads(p.read_text("utf-8"))["resident"].get("nhsNumber")
)


def load(path: Path) -> Resource:
    data: Resource = json.loads(path.read_text("utf-8"))
    return data


def server_counts(fhir: FhirClient, transaction: Resource) -> Counter[str]:
    """How many resources of each type the transaction touches are on the server."""
    types = {e["resource"]["resourceType"] for e in transaction["entry"]}
    return Counter({t: fhir.search(t).count() for t in types})


@pytest.mark.parametrize("path", WITH_NHS_NUMBER, ids=lambda p: p.name.removesuffix(".summary.json"))
def test_push_then_pull_is_lossless_and_repush_creates_nothing(fhir: FhirClient, path: Path) -> None:
    summary = check_summary(load(path))
    transaction = transaction_for(summary, path.name)
    push_transaction(fhir, transaction, path.name)
    before = server_counts(fhir, transaction)

    again = push_transaction(fhir, transaction, path.name)
    assert again.created == 0
    assert server_counts(fhir, transaction) == before

    assert pull_summary(fhir, summary["resident"]["nhsNumber"]) == normalise_summary(summary)
    document = pull_document(fhir, summary["resident"]["nhsNumber"])
    assert document["type"] == "document"
    assert document["entry"][0]["resource"]["resourceType"] == "Composition"
    assert len(document["entry"]) == len(transaction["entry"])


def test_documents_and_transactions_push_like_summaries(fhir: FhirClient) -> None:
    summary = check_summary(load(WITH_NHS_NUMBER[0]))
    document, transaction = build_bundles(summary)
    assert transaction_for(document, "doc") == transaction
    assert transaction_for(transaction, "tx") is transaction
    pushed = push_transaction(fhir, transaction_for(document, "doc"), "doc")
    assert pushed.entries == len(transaction["entry"])


def test_push_command_reports_the_servers_outcome_for_a_failed_transaction(
    hapi_base_url: str, tmp_path: Path, unique: str, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "code": {"text": "pulse"},
                    "subject": {"reference": f"Patient/absent-{unique}"},
                },
                "request": {"method": "POST", "url": "Observation"},
            }
        ],
    }
    path = tmp_path / "bad.transaction.json"
    path.write_text(json.dumps(bad), "utf-8")
    assert main(["push", str(path), "--server", hapi_base_url]) == 1
    err = capsys.readouterr().err
    assert f"{path}: HTTP 400" in err
    assert f"Patient/absent-{unique}" in err


def test_push_and_pull_commands(
    hapi_base_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = WITH_NHS_NUMBER[-1]
    summary = load(source)
    assert main(["push", str(source), "--server", hapi_base_url]) == 0
    assert main(["push", str(source), "--server", hapi_base_url]) == 0
    second = capsys.readouterr().out.splitlines()[-1]
    assert ", 0 created, " in second
    target = tmp_path / "pulled.summary.json"
    assert (
        main(
            [
                "pull",
                "--server",
                hapi_base_url,
                "--nhs-number",
                summary["resident"]["nhsNumber"],
                "--as",
                "summary",
                "--out",
                str(target),
            ]
        )
        == 0
    )
    assert json.loads(target.read_text("utf-8")) == normalise_summary(summary)


def test_pull_command_for_an_unknown_resident(hapi_base_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pull", "--server", hapi_base_url, "--nhs-number", "9990000018"]) == 1
    err = capsys.readouterr().err
    assert "no Patient with NHS number *******018" in err
    assert "9990000018" not in err  # masked (hazard H9)


def test_smoke_passes_against_hapi_and_cleans_up(
    hapi_base_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with FhirClient(hapi_base_url) as fhir:
        before = fhir.search("Patient").count()
        assert main(["smoke", "--server", hapi_base_url]) == 0
        assert fhir.search("Patient").count() == before
    out = capsys.readouterr().out
    assert "7 of 7 checks passed" in out
    assert "FAIL" not in out


class CountingTransport(httpx.BaseTransport):
    """Counts the requests by method and path, and passes them on to the real server."""

    def __init__(self) -> None:
        self.sent: Counter[tuple[str, str]] = Counter()
        self._real = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent[(request.method, request.url.path.rsplit("/fhir", 1)[-1])] += 1
        return self._real.handle_request(request)

    def close(self) -> None:
        self._real.close()


def test_hapi_declares_no_batch_so_pull_reads_one_at_a_time_and_gets_the_same(
    fhir: FhirClient, hapi_base_url: str
) -> None:
    report = check_server(fhir, red_bag_pull_needs())
    assert not report.refuses(["pull"]) and not report.batch_reads  # HAPI 8.8 lists no "batch"
    summary = check_summary(load(WITH_NHS_NUMBER[0]))
    summary["resident"]["nhsNumber"] = "9990000042"  # its own resident and bag: other tests push the examples
    summary["bagNumber"] = "RB-ONE-AT-A-TIME"
    push_transaction(fhir, transaction_for(summary, "one-at-a-time"), "one-at-a-time")
    counting = CountingTransport()
    with FhirClient(hapi_base_url, transport=counting) as client:
        one_by_one = pull_red_bag(client, "9990000042", batch=report.batch_reads)
    assert counting.sent[("POST", "")] == 0  # no batch Bundle was sent
    reads = sum(n for (method, path), n in counting.sent.items() if method == "GET" and path.count("/") == 2)
    assert reads == len(one_by_one.document["entry"]) - 3  # all but the Composition, Task and Provenance
    assert one_by_one.document == pull_red_bag(fhir, "9990000042").document


def test_smoke_prints_the_capability_table_before_the_checks(
    hapi_base_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["smoke", "--server", hapi_base_url]) == 0
    out = capsys.readouterr().out
    assert out.index("capabilities of HAPI FHIR Server") < out.index("check                   result")
    assert has_row(out, "ADAPT", "pull", "batch", "-", "not declared", "read one resource at a time")
    assert has_row(out, "OK?", "push", "update as create (client id)", "Provenance")
    assert "MISSING" not in out
