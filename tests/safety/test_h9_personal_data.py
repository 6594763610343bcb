"""H9: personal data never appears in error messages, and the CLI's working files do not outlive the run."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import adapter.mapping.batch as batch
from adapter.mapping import ConvertRequest, convert_export
from adapter.redbag import build_bundles, summary_violations
from adapter.redbag.completeness import document_gaps
from benchmarks.mutation_check import single_item_losses
from tests.safety.conftest import EXAMPLES, example


def test_h9_contract_errors_do_not_echo_personal_values() -> None:
    summary = example("dementia-dnacpr")
    summary["resident"]["nhsNumber"] = "9434765918"
    summary["resident"]["name"]["family"] = " Thwaite "
    summary["resident"]["birthDate"] = "1937-02-30x"
    summary["contacts"][0]["phone"] = "call Mrs Thwaite"
    messages = " ".join(str(v) for v in summary_violations(summary))
    for secret in ("9434765918", "Thwaite", "1937-02-30x", "call Mrs"):
        assert secret not in messages
    assert "$.resident.name.family" in messages and "withheld" in messages
    assert "*******918" in messages


def _personal_values(summary: dict[str, Any]) -> list[str]:
    """What must never appear in a message: names (and each part of one), NHS number, birth date, ids,
    phone numbers."""
    resident = summary["resident"]
    name = resident["name"]
    values = [*name["given"], name["family"], name.get("preferred"), summary["author"]["name"]]
    values += [c["name"] for c in summary["contacts"]] + [c.get("phone") for c in summary["contacts"]]
    values += [resident.get("nhsNumber"), resident.get("localId"), resident.get("birthDate")]
    return [part for v in values if v for part in [v, *v.split()] if len(part) > 2]


def _mentions(text: str, value: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(value)}(?!\w)", text, flags=re.IGNORECASE) is not None


def test_h9_completeness_messages_name_no_one(any_example: dict[str, Any]) -> None:
    """Every message the completeness control can give, for every single lost item, is free of personal
    data: they reach stderr, errors.csv and the service's answers."""
    document, _ = build_bundles(any_example)
    secrets = _personal_values(any_example)
    # A belonging is named by its description, quoted as the care home wrote it (the one free text shown).
    described = [repr(b["item"]) for b in any_example.get("belongings") or []]
    for label, mutated in single_item_losses(any_example, document):
        gaps = document_gaps(any_example, mutated)
        assert gaps, label
        for gap in gaps:
            shown = gap
            for item in described:
                shown = shown.replace(item, "'<belonging>'")
            assert not [s for s in secrets if _mentions(shown, s)], (label, gap)


def test_h9_a_lost_contact_is_named_by_position_and_relationship() -> None:
    summary = example("dementia-dnacpr")
    document, _ = build_bundles(summary)
    for entry in document["entry"]:
        if entry["resource"]["resourceType"] == "RelatedPerson":
            entry["resource"]["name"][0]["text"] = "Someone Else"
    gaps = document_gaps(summary, document)
    assert gaps == [
        "contact 1 of 2 ($.contacts[0], relationship 'Daughter') is missing",
        "contact 2 of 2 ($.contacts[1], relationship 'Son') is missing",
    ]


def test_h9_the_csv_work_folder_is_removed_when_the_run_ends_even_on_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`redbag convert --mapping` keeps its working files (prepared copies of the CSV rows: personal data)
    in OUT/.redbag-work-<pid>/ and removes that folder when the run ends, whether it succeeds or fails."""
    out = tmp_path / "out"
    convert_export(ConvertRequest("care-home-csv", EXAMPLES / "csv", out))
    assert not list(out.glob(".redbag-work-*"))
    seen: list[Path] = []

    real = batch.run_worker

    def crashing(order: Any, counter: Any) -> Any:  # fault injection: a worker that crashes at the end
        real(order, counter)
        work = Path(order.settings.work_dir)
        assert work.parent == out and any(work.iterdir())  # its report parts are there
        seen.append(work)
        raise RuntimeError("worker crashed")

    monkeypatch.setattr(batch, "run_worker", crashing)
    with pytest.raises(RuntimeError, match="worker crashed"):
        convert_export(ConvertRequest("care-home-csv", EXAMPLES / "csv", out))
    assert seen and not seen[0].exists()
    assert not list(out.glob(".redbag-work-*"))
