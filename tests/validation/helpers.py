"""Helpers for the validation tests: crafted resources and profiles, issue filters."""

from __future__ import annotations

from typing import Any

from adapter.validation import Issue


def errors(issues: list[Issue]) -> list[Issue]:
    """Only the error and fatal issues."""
    return [i for i in issues if i.is_error]


def where(issues: list[Issue]) -> list[tuple[str, str]]:
    """(code, expression) of the errors, for exact assertions."""
    return [(i.code, i.expression) for i in errors(issues)]


def rules(issues: list[Issue]) -> set[str | None]:
    """The rule ids of the errors."""
    return {i.rule for i in errors(issues)}


def patient(**fields: Any) -> dict[str, Any]:
    """A minimal valid Patient with extra fields (narrative included, so dom-6 stays quiet)."""
    text = {"status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml">A patient</div>'}
    return {"resourceType": "Patient", "id": "p1", "text": text, **fields}


def profile(url: str, base: str, elements: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """A differential-only StructureDefinition constraining ``base`` (a core type URL)."""
    rtype = base.rsplit("/", 1)[-1]
    return {
        "resourceType": "StructureDefinition",
        "url": url,
        "name": url.rsplit("/", 1)[-1].replace("-", ""),
        "status": "draft",
        "kind": extra.pop("kind", "resource"),
        "abstract": False,
        "type": extra.pop("type", rtype),
        "baseDefinition": base,
        "derivation": "constraint",
        "differential": {"element": elements},
        **extra,
    }


CORE = "http://hl7.org/fhir/StructureDefinition/"
