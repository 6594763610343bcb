"""What a server says it can do: its CapabilityStatement read into plain facts
(https://hl7.org/fhir/R4/capabilitystatement.html).

Lists in a CapabilityStatement (resource types, interactions, search parameters, formats) name what the
server offers: what they leave out is not offered. Its flags (``conditionalCreate``,
``conditionalUpdate``, ``updateCreate``) may be left out, which says nothing either way: they are read
as ``None`` ("not stated"), apart from an explicit ``false``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from adapter.client.errors import CapabilityStatementError, Resource

JSON_FORMATS = frozenset({"json", "application/fhir+json", "application/json"})


def flag(value: Any) -> bool | None:
    """A CapabilityStatement boolean: True, False, or None when it is not stated."""
    return value if isinstance(value, bool) else None


def codes(items: Any, key: str = "code") -> frozenset[str]:
    """The ``key`` of every dict in a list (interaction codes, search parameter names)."""
    if not isinstance(items, list):
        return frozenset()
    return frozenset(str(i[key]) for i in items if isinstance(i, dict) and isinstance(i.get(key), str))


@dataclass(frozen=True, slots=True)
class TypeCapabilities:
    """What the server offers for one resource type."""

    interactions: frozenset[str] = frozenset()
    search_params: frozenset[str] = frozenset()
    conditional_create: bool | None = None
    conditional_update: bool | None = None
    update_create: bool | None = None

    @classmethod
    def of(cls, entry: Resource, common_params: frozenset[str]) -> TypeCapabilities:
        """From one ``rest.resource`` entry (parameters declared for every type added)."""
        return cls(
            interactions=codes(entry.get("interaction")),
            search_params=codes(entry.get("searchParam"), "name") | common_params,
            conditional_create=flag(entry.get("conditionalCreate")),
            conditional_update=flag(entry.get("conditionalUpdate")),
            update_create=flag(entry.get("updateCreate")),
        )


@dataclass(frozen=True, slots=True)
class ServerCapabilities:
    """The facts of a server's CapabilityStatement that a client can plan with."""

    software: str
    fhir_version: str
    formats: frozenset[str]
    system_interactions: frozenset[str]
    types: Mapping[str, TypeCapabilities] = field(default_factory=dict)

    @property
    def speaks_json(self) -> bool:
        """The server declares FHIR JSON (``json`` or a JSON media type)."""
        return any(f.split(";")[0].strip() in JSON_FORMATS for f in self.formats)

    def of_type(self, resource_type: str) -> TypeCapabilities | None:
        """What the server offers for a resource type, or None when it does not list the type."""
        return self.types.get(resource_type)


def read_capabilities(statement: Any) -> ServerCapabilities:
    """Read a CapabilityStatement; :class:`CapabilityStatementError` when it is not one a client can use.

    Only ``rest`` entries in ``server`` mode count; several are merged (a type listed twice keeps the
    union of its interactions and parameters).
    """
    if not isinstance(statement, dict) or statement.get("resourceType") != "CapabilityStatement":
        kind = statement.get("resourceType") if isinstance(statement, dict) else type(statement).__name__
        raise CapabilityStatementError(f"the server's /metadata is not a CapabilityStatement (got {kind})")
    rests = [r for r in statement.get("rest") or [] if isinstance(r, dict) and r.get("mode") == "server"]
    if not rests:
        raise CapabilityStatementError("the CapabilityStatement has no rest entry in server mode")
    types: dict[str, TypeCapabilities] = {}
    system: set[str] = set()
    for rest in rests:
        system |= codes(rest.get("interaction"))
        common = codes(rest.get("searchParam"), "name")
        for entry in rest.get("resource") or []:
            if not isinstance(entry, dict) or not isinstance(entry.get("type"), str):
                continue
            found = TypeCapabilities.of(entry, common)
            types[entry["type"]] = merge(types[entry["type"]], found) if entry["type"] in types else found
    software = statement.get("software")
    software = software if isinstance(software, dict) else {}
    name = f"{software.get('name', 'unnamed server')} {software.get('version', '')}".strip()
    formats = statement.get("format")
    formats = formats if isinstance(formats, list) else []
    return ServerCapabilities(
        software=name,
        fhir_version=str(statement.get("fhirVersion", "")),
        formats=frozenset(str(f) for f in formats),
        system_interactions=frozenset(system),
        types=types,
    )


def merge(first: TypeCapabilities, second: TypeCapabilities) -> TypeCapabilities:
    """One type declared in two rest entries: what either offers."""

    def either(a: bool | None, b: bool | None) -> bool | None:
        return True if True in (a, b) else False if False in (a, b) else None

    return TypeCapabilities(
        interactions=first.interactions | second.interactions,
        search_params=first.search_params | second.search_params,
        conditional_create=either(first.conditional_create, second.conditional_create),
        conditional_update=either(first.conditional_update, second.conditional_update),
        update_create=either(first.update_create, second.update_create),
    )
