"""What a red bag needs of a FHIR server, read from the code that uses the server.

Push needs are read from the transaction Bundle itself (each entry's request: conditional create,
conditional update, update by id, and the parameters of its conditions); pull needs from the searches
pull declares (:mod:`adapter.exchange.searches`) and the resource types it reads back; clean-up needs
(the smoke test) from the types the push writes. Nothing here is a hand-kept list that could drift from
what is sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Literal
from urllib.parse import parse_qsl

from adapter.client import Resource
from adapter.exchange.searches import PULL_SEARCHES
from adapter.exchange.synthetic import synthetic_summary
from adapter.redbag import build_bundles, check_summary

Kind = Literal[
    "version",  # FHIR R4
    "format",  # FHIR JSON
    "system",  # a whole-server interaction: transaction, batch
    "interaction",  # an interaction on a type: read, delete
    "conditional-create",  # POST with ifNoneExist on these parameters
    "conditional-update",  # PUT Type?<these parameters>
    "update-create",  # PUT Type/id creating the resource with the client's id
    "search",  # a search of the type by these parameters
]
Use = Literal["any", "push", "pull", "clean-up"]  # "any": every exchange with the server needs it
USES: tuple[Use, ...] = ("any", "push", "pull", "clean-up")


@dataclass(frozen=True, slots=True, order=True)
class Need:
    """One thing a red bag needs of a server: ``detail`` is the interaction or the parameters
    (comma-joined); ``resource_type`` is empty for whole-server needs."""

    use: Use
    kind: Kind
    resource_type: str = ""
    detail: str = ""


WHOLE_SERVER: frozenset[Need] = frozenset(
    {Need("any", "version", detail="4.0"), Need("any", "format", detail="json")}
)


def parameter_names(query: str) -> str:
    """The parameter names of a search query, comma-joined in order (``identifier``)."""
    return ",".join(dict.fromkeys(name for name, _ in parse_qsl(query.lstrip("?"), keep_blank_values=True)))


def entry_need(entry: Resource) -> Need:
    """What one transaction entry's request needs."""
    request = entry.get("request") or {}
    method, url = str(request.get("method", "")).upper(), str(request.get("url", ""))
    path, _, query = url.partition("?")
    resource_type = path.split("/")[0] or str((entry.get("resource") or {}).get("resourceType", ""))
    if method == "POST" and request.get("ifNoneExist"):
        return Need("push", "conditional-create", resource_type, parameter_names(str(request["ifNoneExist"])))
    if method == "PUT" and query:
        return Need("push", "conditional-update", resource_type, parameter_names(query))
    if method == "PUT":
        return Need("push", "update-create", resource_type)
    return Need(
        "push", "interaction", resource_type, {"POST": "create", "DELETE": "delete"}.get(method, "read")
    )


def transaction_types(transaction: Resource) -> set[str]:
    """The resource types a transaction writes."""
    return {
        str((e.get("resource") or {}).get("resourceType"))
        for e in transaction.get("entry") or []
        if (e.get("resource") or {}).get("resourceType")
    }


def push_needs(transaction: Resource) -> set[Need]:
    """What sending this transaction needs."""
    return {
        Need("push", "system", detail="transaction"),
        *(entry_need(e) for e in transaction.get("entry") or []),
    }


def pull_needs(types: Iterable[str]) -> set[Need]:
    """What pulling a red bag holding these resource types back needs."""
    needs = {Need("pull", "search", s.resource_type, ",".join(s.parameters)) for s in PULL_SEARCHES}
    needs |= {Need("pull", "interaction", t, "read") for t in types}
    needs.add(Need("pull", "system", detail="batch"))
    return needs


def cleanup_needs(types: Iterable[str]) -> set[Need]:
    """What deleting what a push wrote needs (the smoke test cleans up after itself)."""
    return {Need("clean-up", "interaction", t, "delete") for t in types}


def transactions_needs(transactions: Iterable[Resource]) -> frozenset[Need]:
    """What pushing these transactions needs, with the whole-server basics."""
    needs = set(WHOLE_SERVER)
    for transaction in transactions:
        needs |= push_needs(transaction)
    return frozenset(needs)


def round_trip_needs(transaction: Resource) -> frozenset[Need]:
    """What pushing this transaction, pulling it back and deleting it needs (the smoke test)."""
    types = transaction_types(transaction)
    return transactions_needs([transaction]) | pull_needs(types) | cleanup_needs(types)


@cache
def red_bag_needs() -> frozenset[Need]:
    """What pushing and pulling red bags needs (the service's readiness): read from a synthetic red bag
    whose transaction holds every resource type the builders write."""
    transaction = build_bundles(check_summary(synthetic_summary()))[1]
    types = transaction_types(transaction)
    return transactions_needs([transaction]) | pull_needs(types)


def red_bag_pull_needs() -> frozenset[Need]:
    """What pulling red bags needs (``redbag pull``), whatever types the one on the server holds."""
    return frozenset(n for n in red_bag_needs() if n.use in ("any", "pull"))
