"""Push red bags as transaction Bundles (https://hl7.org/fhir/R4/http.html#transaction).

Every entry of a red bag's transaction is a conditional create or a conditional/keyed PUT, so the
client may safely repeat it after a lost answer, and pushing the same red bag again creates nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from adapter.client import FhirClient, Resource
from adapter.errors import InputError
from adapter.redbag import build_bundles, check_summary, document_to_summary, vocab


@dataclass(frozen=True, slots=True)
class PushResult:
    """What the server did with one red bag."""

    source: str
    bag_number: str | None
    statuses: tuple[str, ...]
    locations: tuple[str, ...]

    @property
    def counts(self) -> Counter[str]:
        """How many entries got each status code (``{"201": 50, "200": 4}``)."""
        return Counter(self.statuses)

    @property
    def created(self) -> int:
        """Entries the server created (201)."""
        return self.statuses.count("201")

    @property
    def entries(self) -> int:
        """Entries in the transaction."""
        return len(self.statuses)

    def summary_line(self) -> str:
        """``file: bag RB-1: 54 entries, 54 created`` (or ``0 created, 54 already there``)."""
        bag = f"bag {self.bag_number}: " if self.bag_number else ""
        kept = self.entries - self.created
        return f"{self.source}: {bag}{self.entries} entries, {self.created} created, {kept} already there"


def transaction_for(data: Resource, source: str) -> Resource:
    """The transaction Bundle to push for a file's JSON: a transaction as is, a red-bag document
    or a resident summary converted first (the summary is checked against the contract)."""
    kind = data.get("resourceType")
    if kind is None:
        return build_bundles(check_summary(data, source=source))[1]
    if kind == "Bundle" and data.get("type") == "transaction":
        return data
    if kind == "Bundle" and data.get("type") == "document":
        return build_bundles(check_summary(document_to_summary(data), source=source))[1]
    raise InputError(
        f"{source}: a {kind} ({data.get('type', 'no type')}) cannot be pushed; give a resident "
        "summary, a red-bag document Bundle or a transaction Bundle"
    )


def bag_number_of(transaction: Resource) -> str | None:
    """The bag number recorded on the transfer Encounter, if any."""
    for entry in transaction.get("entry") or []:
        for identifier in (entry.get("resource") or {}).get("identifier") or []:
            if isinstance(identifier, dict) and identifier.get("system") == vocab.ID_BAG_NUMBER:
                return str(identifier.get("value"))
    return None


def push_transaction(client: FhirClient, transaction: Resource, source: str) -> PushResult:
    """Send the transaction; the server's OperationOutcome comes back in a FhirHttpError if it fails."""
    response = client.transaction(transaction, prefer="minimal")
    answers = [entry.get("response") or {} for entry in response.get("entry") or []]
    return PushResult(
        source,
        bag_number_of(transaction),
        tuple(str(a.get("status", "?")).split(" ")[0] for a in answers),
        tuple(str(a.get("location", "")) for a in answers),
    )
