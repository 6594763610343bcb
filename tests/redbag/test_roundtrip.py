"""summary -> FHIR -> summary is lossless on every contract field (property-based)."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings

from adapter.fhir.structure import parse_structure
from adapter.redbag import build_bundles, check_summary, document_to_summary, normalise_summary
from tests.strategies import Json, summaries

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(summaries())
def test_generated_summaries_satisfy_the_contract(summary: Json) -> None:
    check_summary(summary, now=NOW)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(summaries())
def test_summary_to_fhir_to_summary_is_lossless(summary: Json) -> None:
    document, _ = build_bundles(summary)
    assert document_to_summary(document) == normalise_summary(summary)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(summaries())
def test_every_bundle_parses_as_fhir_r4(summary: Json) -> None:
    document, transaction = build_bundles(summary)
    parse_structure(document)
    parse_structure(transaction)
