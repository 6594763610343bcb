"""summary -> FHIR -> summary is lossless on every contract field, in every combination (property-based).

The strategy draws each field that may be absent present or absent on its own; the last test proves it,
field by field of the policy table, so that a loss that shows only when one field is absent and another
present (``localId`` beside an NHS number, once) cannot hide.
"""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings

from adapter.fhir.structure import parse_structure
from adapter.redbag import assess_summary, build_bundles, document_to_summary, normalise_summary, policy
from tests.strategies import Json, summaries

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(summaries())
def test_generated_summaries_satisfy_the_contract(summary: Json) -> None:
    assess_summary(summary, now=NOW)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(summaries())
def test_summary_to_fhir_to_summary_is_lossless(summary: Json) -> None:
    document, _ = build_bundles(assess_summary(summary, now=NOW).data)
    assert document_to_summary(document) == normalise_summary(summary)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(summaries())
def test_every_bundle_parses_as_fhir_r4(summary: Json) -> None:
    document, transaction = build_bundles(assess_summary(summary, now=NOW).data)
    parse_structure(document)
    parse_structure(transaction)


def _present(summary: Json, rule: policy.FieldRule) -> bool:
    return any(rule.name in parent for _, parent in policy.objects_at(summary, rule.parent))


def _absent(summary: Json, rule: policy.FieldRule) -> bool:
    parents = list(policy.objects_at(summary, rule.parent))
    return bool(parents) and any(rule.name not in parent for _, parent in parents)


_MAY_BE_ABSENT = [r for r in policy.rules("summary") if "refused" not in (r.absent, r.otherwise or r.absent)]


def test_the_strategy_draws_each_field_present_and_absent() -> None:
    present: set[str] = set()
    absent: set[str] = set()

    @settings(max_examples=400, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(summaries())
    def collect(summary: Json) -> None:
        for rule in _MAY_BE_ABSENT:
            if _present(summary, rule):
                present.add(rule.path)
            if _absent(summary, rule):
                absent.add(rule.path)

    collect()
    paths = {r.path for r in _MAY_BE_ABSENT}
    assert sorted(paths - present) == []
    assert sorted(paths - absent) == []
