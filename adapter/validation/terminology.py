"""Local terminology: ValueSet expansion from compose rules over local CodeSystems, and code lookup.

What cannot be decided locally (SNOMED CT, LOINC, dm+d, filters on external systems, CodeSystems whose
content is not complete) is reported as *unknown*, never as a failure, so that the caller can say the
binding could not be checked. See https://hl7.org/fhir/R4/valueset.html#compositions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from adapter.validation.loader import Definitions

# Systems the HL7 validator knows without a CodeSystem resource; we cannot enumerate them locally.
EXTERNAL_SYSTEMS = frozenset(
    {
        "http://snomed.info/sct",
        "http://loinc.org",
        "http://unitsofmeasure.org",
        "http://www.nlm.nih.gov/research/umls/rxnorm",
        "https://dmd.nhs.uk",
        "http://hl7.org/fhir/sid/icd-10",
        "urn:ietf:bcp:47",
        "urn:ietf:bcp:13",
        "urn:iso:std:iso:3166",
        "urn:iso:std:iso:4217",
        "http://hl7.org/fhir/sid/ndc",
        "http://hl7.org/fhir/sid/cvx",
    }
)


# Code systems whose codes are defined by a grammar, not a list: a code is in the whole system when it is
# well formed (as terminology servers decide it). BCP 13: a MIME type, RFC 6838 section 4.2; what follows a
# ';' (parameters, written loosely in practice: 'variant=DICOM WADO-RS') is not judged.
_MIME_NAME = r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}"
_MIME_TYPE = re.compile(rf"{_MIME_NAME}/{_MIME_NAME}(\s*;.*)?", re.DOTALL)
GRAMMARS: dict[str, Callable[[str], bool]] = {
    "urn:ietf:bcp:13": lambda code: _MIME_TYPE.fullmatch(code) is not None,
}


@dataclass
class Expansion:
    """The codes of a ValueSet as far as they can be enumerated locally."""

    codes: dict[tuple[str, str], str] = field(default_factory=dict)  # (system, code) -> display
    open_systems: set[str] = field(default_factory=set)  # systems whose membership is undecidable here
    whole_systems: set[str] = field(default_factory=set)  # systems included whole (no concepts, no filter)
    all_open: bool = False  # e.g. an include of a ValueSet we do not have
    reason: str = ""
    _by_code: dict[str, list[str]] | None = None

    def systems_of(self, code: str) -> list[str]:
        """The systems that have this code in the expansion (index built on first use)."""
        if self._by_code is None:
            index: dict[str, list[str]] = {}
            for s, c in self.codes:
                index.setdefault(c, []).append(s)
            self._by_code = index
        return self._by_code.get(code, [])

    def systems(self) -> set[str]:
        """Systems that contribute codes."""
        return {s for s, _ in self.codes} | self.open_systems


@dataclass(frozen=True)
class Membership:
    """Result of a membership test: True/False, or None when it could not be decided locally."""

    member: bool | None
    system: str | None = None
    display: str | None = None
    reason: str = ""


class _CodeSystemView:
    """A CodeSystem's concepts as a flat map plus parent links (for is-a filters)."""

    def __init__(self, cs: dict[str, Any]) -> None:
        self.cs = cs
        self.url = str(cs.get("url", ""))
        self.complete = cs.get("content", "complete") == "complete"
        self.case_sensitive = bool(cs.get("caseSensitive", True))
        self.concepts: dict[str, dict[str, Any]] = {}
        self.parents: dict[str, set[str]] = {}
        self._walk(cs.get("concept", []) or [], None)
        for code, c in self.concepts.items():
            for p in c.get("property", []) or []:
                if p.get("code") in ("parent", "subsumedBy") and p.get("valueCode"):
                    self.parents.setdefault(code, set()).add(str(p["valueCode"]))

    def _walk(self, concepts: list[dict[str, Any]], parent: str | None) -> None:
        for c in concepts:
            code = str(c.get("code", ""))
            self.concepts[code] = c
            if parent is not None:
                self.parents.setdefault(code, set()).add(parent)
            self._walk(c.get("concept", []) or [], code)

    def find(self, code: str) -> dict[str, Any] | None:
        c = self.concepts.get(code)
        if c is None and not self.case_sensitive:
            low = code.lower()
            c = next((v for k, v in self.concepts.items() if k.lower() == low), None)
        return c

    def descendants(self, code: str) -> set[str]:
        children: dict[str, set[str]] = {}
        for child, parents in self.parents.items():
            for p in parents:
                children.setdefault(p, set()).add(child)
        out: set[str] = set()
        todo = [code]
        while todo:
            for ch in children.get(todo.pop(), ()):
                if ch not in out:
                    out.add(ch)
                    todo.append(ch)
        return out

    def property_value(self, concept: dict[str, Any], prop: str) -> str | None:
        for p in concept.get("property", []) or []:
            if p.get("code") == prop:
                for k, v in p.items():
                    if k.startswith("value"):
                        return str(v).lower() if isinstance(v, bool) else str(v)
        return None


class Terminology:
    """ValueSet expansion and code checks over the loaded definitions (results cached per URL)."""

    def __init__(self, defs: Definitions) -> None:
        self.defs = defs
        self._expansions: dict[str, Expansion | None] = {}
        self._systems: dict[str, _CodeSystemView | None] = {}
        self._members: dict[tuple[str, str | None, str], Membership] = {}
        # (system, code, display) -> the problem check_codes reports (None: no problem), memoised
        self.code_problems: dict[tuple[str, str, str | None], tuple[str, str, str] | None] = {}

    def code_system(self, url: str) -> _CodeSystemView | None:
        """A local CodeSystem by URL (None when not loaded)."""
        if url not in self._systems:
            cs = self.defs.code_system(url)
            self._systems[url] = _CodeSystemView(cs) if cs is not None else None
        return self._systems[url]

    def is_complete(self, url: str) -> bool:
        """True when a complete CodeSystem with this URL is loaded (its codes can be checked here)."""
        cs = self.code_system(url)
        return cs is not None and cs.complete

    def value_set_name(self, url: str) -> str:
        """The ValueSet's title or name, for messages."""
        vs = self.defs.value_set(url)
        if vs is None:
            return url
        return str(vs.get("title") or vs.get("name") or url)

    def value_set_label(self, url: str) -> str:
        """``'Title' (url|version)`` as the HL7 validator prints it."""
        vs = self.defs.value_set(url)
        if vs is None:
            return f"'{url}'"
        canon = f"{vs.get('url')}|{vs['version']}" if vs.get("version") else str(vs.get("url"))
        return f"'{vs.get('title') or vs.get('name') or url}' ({canon})"

    def expand(self, url: str) -> Expansion | None:
        """The local expansion of a ValueSet, or None when the ValueSet is unknown."""
        key = url.split("|", 1)[0]
        if key in self._expansions:
            return self._expansions[key]
        self._expansions[key] = Expansion(all_open=True, reason="circular ValueSet import")
        vs = self.defs.value_set(key)
        result = self._expand(vs) if vs is not None else None
        self._expansions[key] = result
        return result

    def _expand(self, vs: dict[str, Any]) -> Expansion:
        compose = vs.get("compose")
        if not compose:
            exp = Expansion()
            contains = (vs.get("expansion") or {}).get("contains")
            if contains is None:
                exp.all_open = True
                exp.reason = "the ValueSet has neither compose nor expansion"
            for c in _flatten_contains(contains or []):
                if c.get("system") and c.get("code"):
                    exp.codes[(str(c["system"]), str(c["code"]))] = str(c.get("display", ""))
            return exp
        exp = Expansion()
        for inc in compose.get("include", []) or []:
            part = self._include(inc)
            exp.codes.update(part.codes)
            exp.open_systems |= part.open_systems
            exp.whole_systems |= part.whole_systems
            exp.all_open = exp.all_open or part.all_open
            exp.reason = exp.reason or part.reason
        for exc in compose.get("exclude", []) or []:
            part = self._include(exc)
            for key in part.codes:
                exp.codes.pop(key, None)
        return exp

    def _include(self, inc: dict[str, Any]) -> Expansion:
        out = Expansion()
        system = inc.get("system")
        imported = [self.expand(str(u)) for u in inc.get("valueSet", []) or []]
        if any(i is None for i in imported):
            out.all_open = True
            out.reason = "an imported ValueSet is not available locally"
            return out
        if system is None:
            if imported:
                first = imported[0]
                assert first is not None
                out.codes = dict(first.codes)
                for other in imported[1:]:
                    assert other is not None
                    out.codes = {k: v for k, v in out.codes.items() if k in other.codes}
                out.open_systems = set().union(*(i.open_systems for i in imported if i))
                out.whole_systems = set().union(*(i.whole_systems for i in imported if i))
                out.all_open = any(i.all_open for i in imported if i)
            return out
        system = str(system)
        cs = self.code_system(system)
        concepts = inc.get("concept")
        filters = inc.get("filter")
        if concepts:
            for c in concepts:
                code = str(c.get("code", ""))
                display = c.get("display")
                if display is None and cs is not None:
                    found = cs.find(code)
                    display = found.get("display") if found else None
                out.codes[(system, code)] = str(display or "")
        elif system in GRAMMARS and not filters:
            out.whole_systems.add(system)
        elif cs is None or not cs.complete:
            out.open_systems.add(system)
            out.reason = (
                f"the CodeSystem {system} is not available locally"
                if cs is None
                else f"the CodeSystem {system} is not complete locally (content = {cs.cs.get('content')})"
            )
            if cs is not None and not filters:  # a fragment still tells us some members
                for code, c in cs.concepts.items():
                    out.codes[(system, code)] = str(c.get("display", ""))
        elif filters:
            codes = self._filter(cs, filters)
            if codes is None:
                out.open_systems.add(system)
                out.reason = f"a filter on {system} cannot be evaluated locally"
            else:
                for code in codes:
                    out.codes[(system, code)] = str(cs.concepts[code].get("display", ""))
        else:
            for code, c in cs.concepts.items():
                if _is_selectable(c):
                    out.codes[(system, code)] = str(c.get("display", ""))
        if imported:
            for i in imported:
                assert i is not None
                out.codes = {k: v for k, v in out.codes.items() if k in i.codes}
        return out

    def _filter(self, cs: _CodeSystemView, filters: list[dict[str, Any]]) -> set[str] | None:
        result: set[str] | None = None
        for f in filters:
            prop, op, value = f.get("property"), f.get("op"), str(f.get("value", ""))
            if op in ("is-a", "descendent-of", "is-not-a") and prop == "concept":
                sub = cs.descendants(value)
                if op == "is-a":
                    sub = sub | ({value} if value in cs.concepts else set())
                if op == "is-not-a":
                    sub = set(cs.concepts) - sub - {value}
            elif op == "=" and prop:
                sub = {c for c, d in cs.concepts.items() if cs.property_value(d, str(prop)) == value}
            elif op == "in" and prop == "concept":
                sub = {c for c in value.split(",") if c in cs.concepts}
            else:
                return None
            result = sub if result is None else result & sub
        return result or set()

    # -- checks -----------------------------------------------------------------------------------------

    def member(self, vs_url: str, system: str | None, code: str) -> Membership:
        """Is (system, code) in the ValueSet? ``system`` None means infer it (a ``code`` element).
        Memoised per (value set, system, code): the same codes recur in every resource."""
        if not (system is None or type(system) is str) or type(code) is not str:
            return self._member(vs_url, system, code)  # malformed data: not worth a cache entry
        key = (vs_url, system, code)
        found = self._members.get(key)
        if found is None:
            if len(self._members) > 100_000:
                self._members.clear()
            found = self._members[key] = self._member(vs_url, system, code)
        return found

    def _member(self, vs_url: str, system: str | None, code: str) -> Membership:
        exp = self.expand(vs_url)
        if exp is None:
            return Membership(None, reason=f"the ValueSet {vs_url} is not available locally")
        if system is None:
            systems = exp.systems_of(code)
            if systems:
                s = sorted(systems)[0]
                return Membership(True, s, exp.codes[(s, code)])
            for s in sorted(exp.whole_systems):
                if GRAMMARS[s](code):
                    return Membership(True, s)
            if exp.all_open or exp.open_systems:
                return Membership(None, reason=exp.reason or "the ValueSet cannot be fully expanded locally")
            return Membership(False, reason="no system")
        key = (system, code)
        if key in exp.codes:
            return Membership(True, system, exp.codes[key])
        if system in exp.whole_systems:
            if GRAMMARS[system](code):
                return Membership(True, system)
            if exp.all_open:
                return Membership(None, system, reason=exp.reason)
            return Membership(False, system)
        cs = self.code_system(system)
        if cs is not None and not cs.case_sensitive:
            for (s, c), d in exp.codes.items():
                if s == system and c.lower() == code.lower():
                    return Membership(True, system, d)
        if exp.all_open or system in exp.open_systems:
            return Membership(None, system, reason=exp.reason or f"{system} cannot be expanded locally")
        return Membership(False, system)

    def lookup(self, system: str, code: str) -> tuple[bool | None, dict[str, Any] | None]:
        """(known?, concept) for a code in a local complete CodeSystem; (None, None) when undecidable."""
        cs = self.code_system(system)
        if cs is None:
            return None, None
        concept = cs.find(code)
        if concept is not None:
            return True, concept
        if not cs.complete:
            return None, None
        return False, None

    def displays(self, concept: dict[str, Any]) -> set[str]:
        """The display and designations of a concept."""
        out = {str(concept.get("display", ""))}
        for d in concept.get("designation", []) or []:
            if d.get("value"):
                out.add(str(d["value"]))
        return out


def _is_selectable(c: dict[str, Any]) -> bool:
    for p in c.get("property", []) or []:
        if p.get("code") in ("notSelectable", "abstract") and p.get("valueBoolean") is True:
            return False
    return True


def _flatten_contains(contains: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for c in contains:
        yield c
        yield from _flatten_contains(c.get("contains", []) or [])
