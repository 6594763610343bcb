"""H13: a transfer refused by over-strict validation, so the resident arrives with no information.

Missing or imprecise input travels (marked in the FHIR, warned); only wrong or contradictory input is
refused. Every example is sent with every field that may be absent removed at once, and must still make a
red bag that our validator accepts, with a warning naming each gap; wrong input is still refused.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from adapter.errors import ContractError
from adapter.redbag import assess_summary, build_bundles, document_to_summary, normalise_summary, policy
from adapter.validation.validator import Validator
from tests.safety.conftest import example

EXAMPLES = [
    "dementia-dnacpr",
    "insulin-parkinsons",
    "no-known-allergies",
    "local-id-only",
    "many-belongings",
    "return-journey",
    "encoding-multilingual",
    "dnacpr-date-only",
    "last-dose-not-recorded",
]


def bare(summary: dict[str, Any]) -> dict[str, Any]:
    """``summary`` with every field the policy lets travel absent removed, deepest first."""
    out = copy.deepcopy(summary)
    for rule in sorted(policy.rules("summary"), key=lambda r: -r.path.count(".")):
        for _, parent in policy.objects_at(out, rule.parent):
            if rule.name in parent and rule.status(parent, out) != "refused":
                del parent[rule.name]
    return out


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator.load()


@pytest.mark.parametrize("name", EXAMPLES)
def test_h13_a_summary_with_every_gap_at_once_still_travels(name: str, validator: Validator) -> None:
    summary = bare(example(name))
    checked = assess_summary(summary)
    assert checked.warnings, "gaps are warned, never silent"
    for warning in checked.warnings:
        assert "not recorded" in warning.message or "known only" in warning.message
    document, _ = build_bundles(checked.data)
    outcome = validator.validate(document)
    errors = [i for i in outcome["issue"] if i["severity"] in ("error", "fatal")]
    assert errors == []
    assert document_to_summary(document) == normalise_summary(summary)


@pytest.mark.parametrize(
    ("where", "value"),
    [
        (("resident", "birthDate"), "1934-02-30"),
        (("transfer", "departedAt"), "2026-02-30T08:10:00+01:00"),
        (("resuscitation", "recordedAt"), "2025-02-29"),
        (("resident", "nhsNumber"), "9434765918"),
    ],
)
def test_h13_wrong_input_is_still_refused_naming_the_field(where: tuple[str, str], value: str) -> None:
    summary = example("dementia-dnacpr")
    summary[where[0]][where[1]] = value
    with pytest.raises(ContractError) as refused:
        assess_summary(summary)
    assert [v.path for v in refused.value.violations] == [f"$.{where[0]}.{where[1]}"]


def test_h13_allergies_together_with_no_known_allergies_is_refused() -> None:
    summary = example("dementia-dnacpr")
    summary["noKnownAllergies"] = True
    with pytest.raises(ContractError):
        assess_summary(summary)
