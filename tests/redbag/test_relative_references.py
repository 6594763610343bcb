"""Documents built with relative references (for NDJSON) carry the same resources, pointing ``Type/id``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from adapter.mapping.outputs import ndjson_lines
from adapter.redbag import build_bundles, build_document, check_summary
from adapter.redbag.contract import read_json_file

EXAMPLES = Path(__file__).parents[2] / "examples"
SUMMARIES = sorted(EXAMPLES.glob("*.summary.json"))
RELATIVE = re.compile(r"^[A-Z][A-Za-z]+/[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("reference"), str):
            yield node["reference"]
        for value in node.values():
            yield from references(value)
    elif isinstance(node, list):
        for value in node:
            yield from references(value)


@pytest.fixture(params=SUMMARIES, ids=lambda p: p.name.split(".")[0])
def summary(request: pytest.FixtureRequest) -> dict[str, Any]:
    return check_summary(read_json_file(request.param))


def test_every_reference_is_type_and_id_of_a_resource_in_the_document(summary: dict[str, Any]) -> None:
    document = build_document(summary, relative=True)
    present = {f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in document["entry"]}
    found = list(references([e["resource"] for e in document["entry"]]))
    assert len(found) > 20
    for target in found:
        assert RELATIVE.match(target), f"{target!r} is not Type/id"
        assert target in present, f"{target} points outside the document"
    assert b"urn:uuid:" not in orjson.dumps([e["resource"] for e in document["entry"]])


def test_same_resources_as_the_bundle_with_references_rewritten(summary: dict[str, Any]) -> None:
    """The NDJSON of a relative document equals the NDJSON rewritten from the urn:uuid document."""
    document, _ = build_bundles(summary)
    relative = build_document(summary, relative=True)
    assert [e["fullUrl"] for e in relative["entry"]] == [e["fullUrl"] for e in document["entry"]]
    assert list(ndjson_lines(relative)) == list(ndjson_lines(document))
    rewritten = b"".join(line for _, _, line in ndjson_lines(document))
    assert b"urn:uuid:" not in rewritten and rewritten.count(b"\n") == len(document["entry"])


def test_a_reference_outside_the_document_stays_as_it_is(summary: dict[str, Any]) -> None:
    document, _ = build_bundles(summary)
    outside = "urn:uuid:00000000-0000-5000-8000-000000000000"
    document["entry"][1]["resource"]["note"] = [{"authorReference": {"reference": outside}}]
    lines = list(ndjson_lines(document))
    assert orjson.loads(lines[1][2])["note"][0]["authorReference"]["reference"] == outside
    assert orjson.loads(lines[0][2])["subject"]["reference"].startswith("Patient/")


def test_skipped_resources_are_not_written(summary: dict[str, Any]) -> None:
    document = build_document(summary, relative=True)
    kept = list(ndjson_lines(document, lambda rtype, rid: rtype == "Organization"))
    assert kept and all(rtype != "Organization" for rtype, _, _ in kept)
    organizations = sum(e["resource"]["resourceType"] == "Organization" for e in document["entry"])
    assert organizations and len(kept) == len(document["entry"]) - organizations
