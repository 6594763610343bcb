"""H1: every medicine, allergy, condition and belonging of the input is in the output."""

from __future__ import annotations

import copy
import csv
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from adapter.cli import main
from adapter.client import FhirClient
from adapter.errors import CompletenessError
from adapter.exchange import IncompleteRedBagError, pull_red_bag, push_transaction
from adapter.mapping import ConvertRequest, convert_export
from adapter.redbag import build_bundles, build_document
from adapter.redbag.completeness import document_gaps, require_complete, transaction_gaps
from benchmarks.mutation_check import single_item_losses
from tests.safety.conftest import EXAMPLES, example, fresh_nhs_number


def test_h1_every_example_is_complete(any_example: dict[str, Any]) -> None:
    document, transaction = build_bundles(any_example)
    assert document_gaps(any_example, document) == []
    assert transaction_gaps(document, transaction) == []


@pytest.mark.parametrize("relative", [False, True], ids=["urn-uuid", "relative (NDJSON)"])
def test_h1_every_single_item_loss_is_caught(any_example: dict[str, Any], relative: bool) -> None:
    document = build_document(any_example, relative=relative)
    mutations = list(single_item_losses(any_example, document))
    assert mutations, "the example has items to lose"
    for label, mutated in mutations:
        assert document_gaps(any_example, mutated), f"not caught: {label}"


def test_h1_a_resource_missing_from_the_transaction_is_caught() -> None:
    summary = example("insulin-parkinsons")
    document, transaction = build_bundles(summary)
    lost = copy.deepcopy(transaction)
    del lost["entry"][3]
    with pytest.raises(CompletenessError, match="not in the transaction"):
        require_complete(summary, document, lost)


def test_h1_an_altered_medicine_is_caught() -> None:
    summary = example("insulin-parkinsons")
    document, _ = build_bundles(summary)
    for entry in document["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "MedicationStatement":
            resource["dosage"][0]["text"] = "double dose"
            break
    assert any("is missing from the medications list" in gap for gap in document_gaps(summary, document))


def test_h1_build_bundles_refuses_a_builder_that_drops_an_allergy(monkeypatch: pytest.MonkeyPatch) -> None:
    """The control runs inside the build itself, so every caller (CLI, CSV, service) is covered."""
    import adapter.redbag.bundles as bundles

    real = bundles.add_allergies
    monkeypatch.setattr(bundles, "add_allergies", lambda ctx: real(ctx)[1:])
    summary = example("insulin-parkinsons")
    assert summary["allergies"], "the example has allergies to lose"
    with pytest.raises(CompletenessError, match="is missing from the allergies list"):
        build_bundles(summary)


def test_h1_the_return_journey_refuses_a_builder_that_drops_a_diagnosis(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import adapter.redbag.discharge as discharge_module

    summary, discharge = example("return-journey"), example("return-journey.discharge.json")
    assert discharge["diagnoses"], "the example has diagnoses to lose"
    discharge_module.build_return_bundles(summary, discharge)  # complete as built
    monkeypatch.setattr(discharge_module, "_diagnoses", lambda ctx, d: [])
    with pytest.raises(CompletenessError, match=r"diagnosis .* is missing"):
        discharge_module.build_return_bundles(summary, discharge)


def test_h1_redbag_return_reports_an_incomplete_return_journey(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The refusal reaches the person at the command line as a failed input (exit 1), not a traceback."""
    import adapter.redbag.discharge as discharge_module

    monkeypatch.setattr(discharge_module, "_diagnoses", lambda ctx, d: [])
    discharge = EXAMPLES / "return-journey.discharge.json"
    out = tmp_path / "out"
    args = ["return", str(discharge), "--summary", str(EXAMPLES / "return-journey.summary.json")]
    assert main([*args, "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"{discharge}: output is incomplete: diagnosis http://snomed.info/sct|233604007 is missing" in err
    assert "Traceback" not in err
    assert not out.exists() or not any(out.iterdir())  # nothing half-written


@pytest.mark.parametrize("ndjson", [False, True], ids=["bundles", "ndjson"])
def test_h1_a_csv_resident_whose_bundle_is_incomplete_is_held_back_and_reported(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ndjson: bool
) -> None:
    """One resident's build loses an allergy: that resident is held back and reported, the others convert."""
    import adapter.redbag.bundles as bundles

    real = bundles.add_allergies
    victim = "RB-VN4R7-0318"  # R1001 in examples/csv, allergic to penicillin
    monkeypatch.setattr(
        bundles,
        "add_allergies",
        lambda ctx: real(ctx)[1:] if ctx.summary["bagNumber"] == victim else real(ctx),
    )
    out = tmp_path / "out"
    result = convert_export(ConvertRequest("care-home-csv", EXAMPLES / "csv", out, ndjson=ndjson))
    assert (result.held_back, result.converted) == (1, result.residents - 1)
    if ndjson:
        encounters = [orjson.loads(line) for line in (out / "Encounter.ndjson").read_bytes().splitlines()]
        bags = {i["value"] for e in encounters for i in e["identifier"] if i["value"].startswith("RB-")}
        assert len(bags) == result.residents - 1 and victim not in bags, "an incomplete red bag was written"
    else:
        assert not list(out.glob(f"{victim}.*")), "an incomplete red bag must not be written"
        assert len(list(out.glob("*.document.json"))) == result.residents - 1
    with (out / "errors.csv").open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["severity"] == "error"]  # not the gaps that travel
    assert [(r["file"], r["resident"]) for r in rows] == [("residents.csv", "R1001")]
    assert "CompletenessError" in rows[0]["reason"]
    assert "allergy http://snomed.info/sct|764146007 is missing from the allergies list" in rows[0]["reason"]


class LosingBatch(httpx.BaseTransport):
    """Fault injection in front of the real server: batch reads answer 404 for every ``lost`` resource."""

    def __init__(self, lost: str) -> None:
        self.lost, self.losses = lost, 0
        self._real = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._real.handle_request(request)
        if request.method != "POST" or b'"batch"' not in request.content:
            return response
        response.read()
        answer = orjson.loads(response.content)
        for entry in answer.get("entry") or []:
            if (entry.get("resource") or {}).get("resourceType") == self.lost:
                entry.pop("resource")
                entry["response"] = {"status": "404 Not Found"}
                self.losses += 1
        headers = {"Content-Type": response.headers["content-type"]}
        return httpx.Response(response.status_code, headers=headers, content=orjson.dumps(answer))

    def close(self) -> None:
        self._real.close()


@pytest.mark.hapi
def test_h1_pull_refuses_a_red_bag_the_server_cannot_return_whole(hapi_base_url: str) -> None:
    """Pull builds nothing: its control is that a reference the server cannot return fails the pull
    (IncompleteRedBagError), never a red bag with the item silently missing."""
    summary = example("insulin-parkinsons")
    summary["resident"]["nhsNumber"] = nhs = fresh_nhs_number()
    with FhirClient(hapi_base_url) as fhir:
        push_transaction(fhir, build_bundles(summary)[1], "bag")
        assert pull_red_bag(fhir, nhs).document  # whole on an intact server
    losing = LosingBatch("Condition")
    refused = pytest.raises(
        IncompleteRedBagError, match=r"refers to Condition/.*which the server cannot return"
    )
    with FhirClient(hapi_base_url, transport=losing) as client, refused:
        pull_red_bag(client, nhs)
    assert losing.losses >= 1
