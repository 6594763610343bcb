"""H1: every medicine, allergy, condition and belonging of the input is in the output."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from adapter.errors import CompletenessError
from adapter.redbag import build_bundles
from adapter.redbag.completeness import document_gaps, require_complete, transaction_gaps
from benchmarks.mutation_check import single_item_losses
from tests.safety.conftest import example


def test_h1_every_example_is_complete(any_example: dict[str, Any]) -> None:
    document, transaction = build_bundles(any_example)
    assert document_gaps(any_example, document) == []
    assert transaction_gaps(document, transaction) == []


def test_h1_every_single_item_loss_is_caught(any_example: dict[str, Any]) -> None:
    document, _ = build_bundles(any_example)
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
