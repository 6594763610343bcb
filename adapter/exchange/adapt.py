"""The fallback for servers without conditional update: write the transfer's resources by their ids.

A red bag's own resources (Encounter, List, Composition, ...) are conditional updates on their business
identifier ``https://redbag.dev/fhir/Id/resource|<id>``, where ``<id>`` is the resource's deterministic id
(uuid5 of the care home's ODS code, the bag number, ``createdAt`` and the item), also its ``urn:uuid``
fullUrl. A server that cannot match on that identifier but lets a client create with its own id
(``updateCreate``) gets ``PUT Type/<id>`` instead: the same key, so a re-sent red bag still lands on the
same resources and creates nothing new (hazard H6), and references inside the transaction resolve as
before. See hazard H32 for what it cannot do.
"""

from __future__ import annotations

from collections.abc import Collection

from adapter.client import Resource
from adapter.exchange.errors import IncapableServerError

URN_UUID = "urn:uuid:"


def by_id_entry(entry: Resource, position: int) -> Resource:
    """A conditional-update entry rewritten as ``PUT Type/<id>`` with the id of its fullUrl."""
    full_url = str(entry.get("fullUrl", ""))
    resource = entry.get("resource") or {}
    resource_type = str(resource.get("resourceType", ""))
    if not full_url.startswith(URN_UUID):
        raise IncapableServerError(
            f"entry {position} ({resource_type}): the server needs it written by id, but its fullUrl "
            f"{full_url!r} is not a urn:uuid carrying one"
        )
    resource_id = full_url.removeprefix(URN_UUID)
    return {
        **entry,
        "resource": {**resource, "id": resource_id},
        "request": {"method": "PUT", "url": f"{resource_type}/{resource_id}"},
    }


def write_by_id(transaction: Resource, types: Collection[str]) -> Resource:
    """The transaction with the conditional updates of these types written by id (a copy; the
    transaction itself when there is nothing to change)."""
    if not types:
        return transaction
    entries = []
    for n, entry in enumerate(transaction.get("entry") or []):
        request = entry.get("request") or {}
        path, _, query = str(request.get("url", "")).partition("?")
        if str(request.get("method", "")).upper() == "PUT" and query and path in types:
            entry = by_id_entry(entry, n)
        entries.append(entry)
    return {**transaction, "entry": entries}
