"""Can a red bag live on this server? Its CapabilityStatement compared with what a red bag needs,
before anything is written.

Each need (:mod:`adapter.exchange.needs`) gets a :class:`Finding`: what the server offers and what
redbag will do about it. Statuses:

- ``ok``: offered as needed;
- ``unstated``: the CapabilityStatement leaves a flag out (HAPI, for one, never states ``updateCreate``):
  redbag sends as planned and says so; a transaction the server then refuses writes nothing;
- ``adapted``: not offered, and redbag does the same another safe way (:mod:`adapter.exchange.adapt`);
- ``missing``: not offered and no safe way round: push or pull refuses (``--force`` sends anyway).

Lists are read as exhaustive (a type, interaction or search parameter not listed is not offered),
flags as stated (see :mod:`adapter.client.capabilities`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from adapter.client import (
    FhirClient,
    FhirClientError,
    Resource,
    ServerCapabilities,
    TypeCapabilities,
    read_capabilities,
)
from adapter.exchange.adapt import write_by_id
from adapter.exchange.needs import Need, Use

Status = Literal["ok", "unstated", "adapted", "missing"]
LABEL: dict[Status, str] = {"ok": "OK", "unstated": "OK?", "adapted": "ADAPT", "missing": "MISSING"}
#: Uses whose missing needs stop the work; a smoke test that cannot clean up still runs, and says so.
ESSENTIAL_USES: frozenset[Use] = frozenset({"any", "push", "pull"})


@dataclass(frozen=True, slots=True)
class Finding:
    """One need, what the server offers for it, and what redbag will do."""

    need: Need
    status: Status
    offered: str
    action: str

    @property
    def blocks(self) -> bool:
        """Missing, for a use that cannot go without it."""
        return self.status == "missing" and self.need.use in ESSENTIAL_USES


def stated(value: bool | None, name: str) -> tuple[str | None, bool]:
    """(problem, unstated) for a CapabilityStatement flag."""
    if value is False:
        return f"{name} false", False
    return None, value is None


def lacking(found: TypeCapabilities, interaction: str, parameters: str) -> list[str]:
    """What a type lacks for an interaction with these search parameters."""
    problems = [] if interaction in found.interactions else [f"no {interaction}"]
    params = [p for p in parameters.split(",") if p]
    problems += [f"no search parameter {p}" for p in params if p not in found.search_params]
    return problems


def offered_text(problems: list[str], unstated: str | None) -> str:
    """The 'offered' cell: the problems, or 'declared' (with what is not stated)."""
    if problems:
        return "; ".join(problems)
    return f"declared ({unstated} not stated)" if unstated else "declared"


def assess_conditional(need: Need, found: TypeCapabilities, flag: bool | None, flag_name: str) -> Finding:
    """A conditional create or update: the interaction, its flag and the condition's parameters."""
    interaction = "create" if need.kind == "conditional-create" else "update"
    problems = lacking(found, interaction, need.detail)
    problem, unstated = stated(flag, flag_name)
    problems += [problem] if problem else []
    if not problems:
        action = "create only if none matches" if interaction == "create" else "update the one that matches"
        status: Status = "unstated" if unstated else "ok"
        return Finding(need, status, offered_text([], flag_name if unstated else None), action)
    if interaction == "update" and "update" in found.interactions and found.update_create is True:
        return Finding(
            need,
            "adapted",
            offered_text(problems, None) + "; updateCreate true",
            "PUT Type/<id> by its deterministic id",
        )
    # A shared record created blindly could be a second Patient (H3); an update, a second red bag (H6).
    return Finding(need, "missing", offered_text(problems, None), "refuse")


def assess_type_need(need: Need, found: TypeCapabilities) -> Finding:
    """A need of one resource type the server lists."""
    if need.kind == "conditional-create":
        return assess_conditional(need, found, found.conditional_create, "conditionalCreate")
    if need.kind == "conditional-update":
        return assess_conditional(need, found, found.conditional_update, "conditionalUpdate")
    if need.kind == "update-create":
        problems = lacking(found, "update", "")
        problem, unstated = stated(found.update_create, "updateCreate")
        problems += [problem] if problem else []
        if problems:
            return Finding(
                need, "missing", offered_text(problems, None), "refuse: it is written by its own id"
            )
        offered = offered_text([], "updateCreate" if unstated else None)
        return Finding(need, "unstated" if unstated else "ok", offered, "PUT Type/<id>")
    if need.kind == "search":
        problems = lacking(found, "search-type", need.detail)
        if problems:
            return Finding(need, "missing", "; ".join(problems), refusal(need))
        return Finding(need, "ok", "declared", "search")
    if need.detail in found.interactions:
        return Finding(need, "ok", "declared", need.detail)
    return Finding(need, "missing", f"no {need.detail}", refusal(need))


def refusal(need: Need) -> str:
    """What redbag does when an interaction or search a use needs is missing."""
    if need.use == "clean-up":
        return "smoke test cannot clean up"
    if need.use == "pull":
        return (
            "pull refuses: cannot find the red bag" if need.kind == "search" else "pull refuses: cannot read"
        )
    return "refuse"


def assess(need: Need, server: ServerCapabilities) -> Finding:
    """The finding for one need."""
    if need.kind == "version":
        version = server.fhir_version or "not stated"
        if server.fhir_version.startswith(need.detail):
            return Finding(need, "ok", f"FHIR {version}", "exchange FHIR R4")
        return Finding(need, "missing", f"FHIR {version}", "refuse: red bags are FHIR R4")
    if need.kind == "format":
        json = sorted(f for f in server.formats if "json" in f)
        if server.speaks_json:
            return Finding(need, "ok", ", ".join(json), "send and read FHIR JSON")
        formats = ", ".join(sorted(server.formats)) or "none stated"
        return Finding(need, "missing", formats, "refuse: redbag speaks FHIR JSON")
    if need.kind == "system":
        declared = need.detail in server.system_interactions
        if declared:
            return Finding(need, "ok", "declared", f"use {need.detail}")
        if need.detail == "batch":
            return Finding(need, "adapted", "not declared", "read one resource at a time")
        return Finding(need, "missing", "not declared", "refuse: a red bag goes whole or not at all")
    found = server.of_type(need.resource_type)
    if found is None:
        action = refusal(need) if need.kind in ("interaction", "search") else "refuse"
        return Finding(need, "missing", "type not listed", action)
    return assess_type_need(need, found)


@dataclass(frozen=True)
class Compatibility:
    """A server's answer to what a red bag needs, need by need (or why it could not be asked)."""

    base_url: str
    software: str
    findings: tuple[Finding, ...]
    unreadable: str | None = None

    def blocking(self, uses: Iterable[Use] = ESSENTIAL_USES) -> list[Finding]:
        """Missing findings that stop these uses (and every use: the whole-server needs)."""
        wanted = set(uses) | {"any"}
        return [f for f in self.findings if f.blocks and f.need.use in wanted]

    def refuses(self, uses: Iterable[Use] = ESSENTIAL_USES) -> bool:
        """Something essential to these uses is missing, or the CapabilityStatement was unreadable."""
        return self.unreadable is not None or bool(self.blocking(uses))

    @property
    def by_id(self) -> frozenset[str]:
        """Types whose conditional updates redbag writes by id instead."""
        return frozenset(
            f.need.resource_type
            for f in self.findings
            if f.status == "adapted" and f.need.kind == "conditional-update"
        )

    @property
    def batch_reads(self) -> bool:
        """Pull may read in batches (the server declares batch, or the check was not made)."""
        return not any(
            f.need.kind == "system" and f.need.detail == "batch" and f.status != "ok" for f in self.findings
        )

    def adapt(self, transaction: Resource) -> Resource:
        """The transaction as this server can take it (conditional updates by id where needed)."""
        return write_by_id(transaction, self.by_id)

    def summary(self, uses: Iterable[Use] = ESSENTIAL_USES) -> str:
        """One line: ready, adapted, or what is missing."""
        uses = tuple(uses)
        if self.unreadable is not None:
            return f"{self.base_url}: the CapabilityStatement cannot be read ({self.unreadable})"
        where = f"{self.base_url} ({self.software})"
        missing = self.blocking(uses)
        if missing:
            types = sorted({f.need.resource_type for f in missing if f.need.resource_type})
            what = ", ".join(types) if types else ", ".join(sorted({f.need.detail for f in missing}))
            return f"{where}: does not offer what a red bag needs ({what})"
        adapted = [f for f in self.findings if f.status == "adapted" and f.need.use in uses]
        note = f"; {len(adapted)} adapted" if adapted else ""
        return f"{where}: offers what a red bag needs{note}"


def compare(base_url: str, server: ServerCapabilities, needs: Iterable[Need]) -> Compatibility:
    """Assess every need against what the server offers (no I/O)."""
    findings = tuple(assess(need, server) for need in sorted(set(needs)))
    return Compatibility(base_url, server.software, findings)


def check_server(client: FhirClient, needs: Iterable[Need]) -> Compatibility:
    """Read the server's CapabilityStatement and assess every need (no write is made)."""
    try:
        server = read_capabilities(client.capabilities())
    except FhirClientError as exc:
        return Compatibility(client.base_url, "unknown server", (), str(exc).splitlines()[0])
    return compare(client.base_url, server, needs)
