"""CapabilityStatements made to measure for tests: one that offers exactly what some needs ask for.

Tests take it apart (drop a type, a parameter, a flag) to see the capability check react; the service
tests serve it from a stand-in server so readiness passes. Real servers' statements are tested against
HAPI and sekmet-fhir.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from adapter.exchange.needs import Need

INTERACTIONS = ("read", "vread", "update", "create", "delete", "search-type")


def statement_offering(needs: Iterable[Need], software: str = "made-to-measure") -> dict[str, Any]:
    """A CapabilityStatement that offers every need: each type with every interaction, conditional
    create and update, update as create, and the search parameters the needs name."""
    params: dict[str, set[str]] = defaultdict(set)
    for need in needs:
        if need.resource_type:
            names = need.detail.split(",") if need.kind != "interaction" else []
            params[need.resource_type] |= {p for p in names if p}
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2025-01-01",
        "kind": "instance",
        "software": {"name": software, "version": "1"},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json"],
        "rest": [
            {
                "mode": "server",
                "interaction": [{"code": "transaction"}, {"code": "batch"}],
                "resource": [
                    {
                        "type": resource_type,
                        "interaction": [{"code": code} for code in INTERACTIONS],
                        "conditionalCreate": True,
                        "conditionalUpdate": True,
                        "updateCreate": True,
                        "searchParam": [{"name": name, "type": "token"} for name in sorted(names)],
                    }
                    for resource_type, names in sorted(params.items())
                ],
            }
        ],
    }


def type_entry(statement: dict[str, Any], resource_type: str) -> dict[str, Any]:
    """The statement's ``rest.resource`` entry for a type (to change it in a test)."""
    return next(r for r in statement["rest"][0]["resource"] if r["type"] == resource_type)


def table_rows(text: str) -> list[list[str]]:
    """The cells of each line of a capability table (columns are two or more spaces apart)."""
    return [re.split(r"\s{2,}", line.strip()) for line in text.splitlines() if line.strip()]


def has_row(text: str, *cells: str) -> bool:
    """A line of the table starts with these cells."""
    return any(row[: len(cells)] == list(cells) for row in table_rows(text))
