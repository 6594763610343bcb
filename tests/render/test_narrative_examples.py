"""Every resource and every Composition section the project emits, for every bundled example (outbound and
return journey, document and transaction), carries narrative valid under FHIR's narrative rules."""

from __future__ import annotations

from typing import Any

import pytest

from adapter.fhir.narrative_rules import narrative_problems
from tests.render.cases import examples

BUNDLES = [
    pytest.param(bundle, id=f"{e.name}.{kind}")
    for e in examples()
    for kind, bundle in (
        ("document", e.document),
        ("transaction", e.transaction),
        ("return.document", e.return_document),
        ("return.transaction", e.return_transaction),
    )
    if bundle is not None
]


@pytest.mark.parametrize("bundle", BUNDLES)
def test_every_resource_and_section_has_valid_narrative(bundle: dict[str, Any]) -> None:
    problems = narrative_problems(bundle, required=True)
    assert not problems, "\n".join(str(p) for p in problems)


@pytest.mark.parametrize("bundle", BUNDLES)
def test_the_check_reaches_every_resource_and_section(bundle: dict[str, Any]) -> None:
    """Guard against a checker that silently skips: break each narrative in turn and see it reported."""
    entries = bundle["entry"]
    targets: list[dict[str, Any]] = [e["resource"] for e in entries]
    targets += [
        s for e in entries if e["resource"]["resourceType"] == "Composition" for s in e["resource"]["section"]
    ]
    assert len(targets) > len(entries)  # the Composition's sections are among them
    for target in targets:
        good = target["text"]["div"]
        target["text"]["div"] = good.replace("<p>", '<p onclick="x()">', 1).replace(
            "<td>", "<td><script/>", 1
        )
        if target["text"]["div"] == good:
            target["text"]["div"] = good.replace(">", "><script/>", 1)
        try:
            assert narrative_problems(bundle, required=True), f"not reported: {target.get('resourceType')}"
        finally:
            target["text"]["div"] = good
