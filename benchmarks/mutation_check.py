"""Mutation check of the completeness control (hazard H1).

Deletes one output item at a time from every example's document Bundle (a resource entry, a List entry,
a Composition section entry) and counts how many of those losses the completeness control catches.
Every loss must be caught.

    .venv/bin/python benchmarks/mutation_check.py
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from adapter.redbag import build_bundles  # noqa: E402
from adapter.redbag.completeness import document_gaps  # noqa: E402
from adapter.redbag.contract import read_json_file  # noqa: E402

Json = dict[str, Any]

#: Resources that carry an item of the red bag (losing one loses the item).
ITEM_TYPES = frozenset(
    {
        "MedicationStatement",
        "MedicationAdministration",
        "AllergyIntolerance",
        "Condition",
        "Device",
        "RelatedPerson",
        "Flag",
    }
)


def single_item_losses(summary: Json, document: Json) -> Iterator[tuple[str, Json]]:
    """Each way of losing exactly one output item, as (label, mutated document)."""
    del summary  # the losses are found in the output; the summary is what they are checked against
    entries = document["entry"]
    for i, entry in enumerate(entries):
        resource = entry["resource"]
        if resource["resourceType"] in ITEM_TYPES:
            mutated = copy.deepcopy(document)
            del mutated["entry"][i]
            yield f"entry {i} ({resource['resourceType']})", mutated
        if resource["resourceType"] == "List":
            for j in range(len(resource.get("entry") or [])):
                mutated = copy.deepcopy(document)
                del mutated["entry"][i]["resource"]["entry"][j]
                yield f"List {resource.get('title')} entry {j}", mutated
    composition = entries[0]["resource"]
    kinds = {}  # resource type by fullUrl and by Type/id: a section may point either way
    for e in entries:
        kind = e["resource"]["resourceType"]
        kinds[e["fullUrl"]] = kinds[f"{kind}/{e['resource']['id']}"] = kind
    for s, section in enumerate(composition.get("section") or []):
        for j in range(len(section.get("entry") or [])):
            kind = kinds[section["entry"][j]["reference"]]
            if kind in ITEM_TYPES | {"List"}:
                mutated = copy.deepcopy(document)
                del mutated["entry"][0]["resource"]["section"][s]["entry"][j]
                yield f"section {section['title']} entry {j} ({kind})", mutated


def main() -> int:
    total = caught = 0
    for path in sorted((ROOT / "examples").glob("*.summary.json")):
        summary = read_json_file(path)
        document, _ = build_bundles(summary)
        here = [
            (label, bool(document_gaps(summary, mutated)))
            for label, mutated in single_item_losses(summary, document)
        ]
        total += len(here)
        caught += sum(ok for _, ok in here)
        missed = [label for label, ok in here if not ok]
        print(
            f"{path.name:42} {len(here):4} losses, {len(here) - len(missed):4} caught"
            + (f"  MISSED: {missed}" if missed else "")
        )
    print(f"total: {caught} of {total} single-item losses caught ({100 * caught / max(total, 1):.1f}%)")
    return 0 if caught == total else 1


if __name__ == "__main__":
    raise SystemExit(main())
