"""An immutable, chainable search (https://hl7.org/fhir/R4/search.html).

::

    client.search("Encounter").where(subject="Patient/rb-1", status__not="cancelled") \\
          .include("Encounter:subject").sort("-date").page_size(50)

Each step returns a new builder; nothing is sent until a terminal verb of the sync or async
shell (``fetch``, ``fetch_all``, ``first``, ``get``, ``count``, ``pages``, iteration) runs.
Iteration follows the Bundle's ``next`` links, never page numbers.

Keyword criteria: ``name__modifier`` becomes ``name:modifier``, a trailing comparison prefix
(``birthdate__ge``) is written before the value (``birthdate=ge1950``), inner underscores become
hyphens (``general_practitioner`` -> ``general-practitioner``), a list means OR (comma-joined),
and repeating a name means AND. ``param()`` takes names verbatim (chains, ``_has``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, Self, TypeVar
from urllib.parse import parse_qsl

from adapter.client.request_building import check_type, format_value

PREFIXES = frozenset({"eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap"})
C = TypeVar("C")


def param_name(key: str) -> str:
    """``general_practitioner`` -> ``general-practitioner``; a leading ``_`` is kept (``_id``)."""
    lead = "_" if key.startswith("_") else ""
    return lead + key.removeprefix("_").replace("_", "-")


def escape(value: Any) -> str:
    """A value with FHIR search escaping for ``\\`` and ``,`` (``|`` and ``$`` keep their meaning)."""
    return format_value(value).replace("\\", "\\\\").replace(",", "\\,")


def criterion(key: str, value: Any) -> tuple[str, str]:
    """One keyword criterion as a ``(name, value)`` query pair."""
    name, *rest = key.split("__")
    prefix = rest.pop() if rest and rest[-1] in PREFIXES else ""
    full_name = ":".join([param_name(name), *(param_name(m) for m in rest)])
    values = value if isinstance(value, list | tuple | set | frozenset) else [value]
    return full_name, ",".join(prefix + escape(v) for v in values)


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """What to search: a resource type (None for a whole-system search) and query pairs."""

    resource_type: str | None
    params: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.resource_type is not None:
            check_type(self.resource_type)

    @property
    def path(self) -> str:
        """The search's path relative to the base (empty for a system search)."""
        return self.resource_type or ""

    def add(self, *pairs: tuple[str, str]) -> SearchQuery:
        """A copy with more query pairs."""
        return SearchQuery(self.resource_type, self.params + pairs)

    def replace(self, name: str, value: str) -> SearchQuery:
        """A copy where ``name`` has exactly this one value (``_count``, ``_sort``, ...)."""
        kept = tuple(p for p in self.params if p[0] != name)
        return SearchQuery(self.resource_type, (*kept, (name, value)))


class SearchBuilder(Generic[C]):
    """The chainable part, shared by the sync and async searches (which add the terminal verbs)."""

    __slots__ = ("_client", "query")

    def __init__(self, client: C, query: SearchQuery) -> None:
        self._client = client
        self.query = query

    def _derive(self, query: SearchQuery) -> Self:
        return type(self)(self._client, query)

    def where(self, **criteria: Any) -> Self:
        """Add keyword criteria (see the module docstring for the naming rules)."""
        return self._derive(self.query.add(*(criterion(k, v) for k, v in criteria.items())))

    def param(self, name: str, *values: Any) -> Self:
        """Add one parameter verbatim; several values are OR-ed (comma-joined, escaped)."""
        return self._derive(self.query.add((name, ",".join(escape(v) for v in values))))

    def where_query(self, query: str) -> Self:
        """Add the criteria of a query string as written (``identifier=sys|1&status=final``), e.g.
        a transaction entry's ``ifNoneExist`` or the query of a conditional update URL."""
        return self._derive(self.query.add(*parse_qsl(query.lstrip("?"), keep_blank_values=True)))

    def include(self, spec: str, *, iterate: bool = False) -> Self:
        """``_include`` (``Encounter:subject``, ``Encounter:subject:Patient`` or ``*``)."""
        return self._derive(self.query.add(("_include:iterate" if iterate else "_include", spec)))

    def revinclude(self, spec: str, *, iterate: bool = False) -> Self:
        """``_revinclude`` (``Observation:subject``)."""
        return self._derive(self.query.add(("_revinclude:iterate" if iterate else "_revinclude", spec)))

    def sort(self, *keys: str) -> Self:
        """``_sort``; a leading ``-`` sorts descending."""
        return self._derive(self.query.replace("_sort", ",".join(keys)))

    def page_size(self, count: int) -> Self:
        """``_count``: resources per page (iteration still visits every page)."""
        if count < 0:
            raise ValueError("page size must not be negative")
        return self._derive(self.query.replace("_count", str(count)))

    def elements(self, *names: str) -> Self:
        """``_elements``: only these top-level elements (the server marks results SUBSETTED)."""
        return self._derive(self.query.replace("_elements", ",".join(names)))

    def summary(self, mode: str) -> Self:
        """``_summary`` (``true``, ``text``, ``data``, ``count``, ``false``)."""
        return self._derive(self.query.replace("_summary", mode))

    def total(self, mode: str) -> Self:
        """``_total`` (``none``, ``estimate``, ``accurate``)."""
        return self._derive(self.query.replace("_total", mode))

    def __repr__(self) -> str:
        query = "&".join(f"{k}={v}" for k, v in self.query.params)
        return f"<{type(self).__name__} {self.query.path or '[system]'}?{query}>"
