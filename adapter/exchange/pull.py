"""Pull a resident's latest red bag back from a FHIR server and reassemble the document.

1. find the resident: ``Patient?identifier=<NHS number system>|N``;
2. their latest transfer: the newest Composition of type "Transfer summary report" about them;
3. gather the red bag: the Task and Provenance that point at its Encounter, then every resource
   reachable by reference from those and the Composition, fetched level by level with batch reads;
4. assemble a document Bundle (Composition first, https://hl7.org/fhir/R4/documents.html), which
   :func:`adapter.redbag.document_to_summary` reads back into the resident summary.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from adapter.client import FhirClient, Resource
from adapter.exchange.errors import AmbiguousResidentError, IncompleteRedBagError, NotOnServerError
from adapter.redbag import document_to_summary, vocab
from adapter.redbag.identifiers import mask_nhs_number

# Pointers *to* the transfer Encounter that the document needs (search parameter per type).
BACK_REFERENCES = (("Task", "focus", None), ("Provenance", "target", "recorded"))


def references(value: Any) -> Iterator[str]:
    """Every ``reference`` string inside a resource."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "reference" and isinstance(item, str):
                yield item
            else:
                yield from references(item)
    elif isinstance(value, list):
        for item in value:
            yield from references(item)


def local_key(reference: str, base_url: str) -> str | None:
    """``Type/id`` for a reference to this server; None for contained, urn and external ones."""
    if reference.startswith(base_url + "/"):
        reference = reference[len(base_url) + 1 :]
    parts = reference.split("/")
    if reference.startswith(("#", "urn:", "http://", "https://")) or len(parts) not in (2, 4):
        return None
    return f"{parts[0]}/{parts[1]}"


def key_of(resource: Resource) -> str:
    """``Type/id`` of a resource read from the server."""
    return f"{resource['resourceType']}/{resource['id']}"


def find_resident(client: FhirClient, nhs_number: str) -> Resource:
    """The one Patient carrying exactly this NHS number (hazard H3).

    Matching is on the NHS number alone, never on name or birth date. Several Patients with the number,
    or a returned Patient that does not carry it exactly (a partial match), is refused, not guessed.
    """
    masked = mask_nhs_number(nhs_number)
    found = client.search("Patient").where(identifier=f"{vocab.NHS_NUMBER}|{nhs_number}").fetch_all()
    if not found:
        raise NotOnServerError(f"{client.base_url}: no Patient with NHS number {masked}")
    exact = [
        p
        for p in found
        if any(
            i.get("system") == vocab.NHS_NUMBER and i.get("value") == nhs_number
            for i in p.get("identifier") or []
        )
    ]
    if len(exact) != len(found):
        raise AmbiguousResidentError(
            f"{client.base_url}: the search for NHS number {masked} returned Patients that do not carry it "
            "exactly; refusing a partial match"
        )
    if len(exact) > 1:
        raise AmbiguousResidentError(
            f"{client.base_url}: {len(exact)} Patient records carry NHS number {masked} "
            f"({', '.join(key_of(p) for p in exact)}); refusing to choose: merge them on the server first"
        )
    return exact[0]


def latest_transfer(client: FhirClient, patient: Resource) -> Resource | None:
    """The newest transfer-summary Composition about the resident, by its date (hazard H5)."""
    system, code, _ = vocab.TRANSFER_SUMMARY
    search = client.search("Composition").where(subject=key_of(patient), type=f"{system}|{code}")
    return search.sort("-date").first()


def newer_summaries(client: FhirClient, patient: Resource, composition: Resource) -> list[str]:
    """Other summaries about the resident dated after ``composition`` (e.g. the discharge summary)."""
    newer = client.search("Composition").where(subject=key_of(patient), date=f"gt{composition['date']}")
    out = []
    for c in newer.sort("-date"):
        kind = ((c.get("type") or {}).get("coding") or [{}])[0].get("display") or c.get("title", "summary")
        out.append(f"{kind} of {c.get('date')}")
    return out


@dataclass(frozen=True)
class PulledRedBag:
    """A pulled red bag, the date it was completed, and any newer summaries the server holds."""

    document: Resource
    completed_at: str
    newer: list[str] = field(default_factory=list)

    def describe(self, nhs_number: str) -> str:
        """One line for people: which red bag this is and when it was completed."""
        line = (
            f"red bag of NHS number {mask_nhs_number(nhs_number)}, completed {self.completed_at} "
            f"({len(self.document['entry'])} resources)"
        )
        if self.newer:
            line += "; NOTE: a newer summary exists: " + "; ".join(self.newer)
        return line


def read_many(client: FhirClient, keys: list[str]) -> list[Resource]:
    """Read several resources in one batch; a missing one is an :class:`IncompleteRedBagError`."""
    batch = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [{"request": {"method": "GET", "url": key}} for key in keys],
    }
    response = client.batch(batch)
    found = []
    for key, entry in zip(keys, response.get("entry") or [], strict=True):
        status = str((entry.get("response") or {}).get("status", "")).split(" ")[0]
        if not status.startswith("2") or "resource" not in entry:
            raise IncompleteRedBagError(
                f"the red bag refers to {key}, which the server cannot return ({status})"
            )
        found.append(entry["resource"])
    return found


def gather(client: FhirClient, composition: Resource) -> list[Resource]:
    """The Composition and everything the red bag needs, in discovery order."""
    have: dict[str, Resource] = {key_of(composition): composition}
    encounter = local_key((composition.get("encounter") or {}).get("reference", ""), client.base_url)
    if encounter:
        for resource_type, parameter, order in BACK_REFERENCES:
            search = client.search(resource_type).where(**{parameter: encounter})
            for resource in search.sort(order) if order else search:
                have.setdefault(key_of(resource), resource)
    frontier = list(have.values())
    while frontier:
        wanted = {
            key
            for r in frontier
            for ref in references(r)
            if (key := local_key(ref, client.base_url)) and key not in have
        }
        frontier = read_many(client, sorted(wanted)) if wanted else []
        have.update((key_of(r), r) for r in frontier)
    return list(have.values())


def pull_red_bag(client: FhirClient, nhs_number: str) -> PulledRedBag:
    """The resident's latest red bag, with its date and any newer summaries."""
    patient = find_resident(client, nhs_number)
    composition = latest_transfer(client, patient)
    if composition is None:
        raise NotOnServerError(
            f"{client.base_url}: no transfer summary for NHS number {mask_nhs_number(nhs_number)}"
        )
    document = assemble(client, composition)
    return PulledRedBag(document, str(composition.get("date")), newer_summaries(client, patient, composition))


def pull_document(client: FhirClient, nhs_number: str) -> Resource:
    """The resident's latest red bag as a document Bundle (server ids, absolute fullUrls)."""
    return pull_red_bag(client, nhs_number).document


def assemble(client: FhirClient, composition: Resource) -> Resource:
    """The document Bundle of ``composition``: it first, then everything it needs."""
    resources = gather(client, composition)
    version = (composition.get("meta") or {}).get("versionId", "1")
    identity = f"{client.base_url}/{key_of(composition)}/_history/{version}"
    return {
        "resourceType": "Bundle",
        # One document per Composition version (documents.html: Bundle.identifier is required).
        "identifier": {
            "system": "urn:ietf:rfc:3986",
            "value": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, identity)}",
        },
        "type": "document",
        "timestamp": composition.get("date"),
        "entry": [{"fullUrl": f"{client.base_url}/{key_of(r)}", "resource": r} for r in resources],
    }


def pull_summary(client: FhirClient, nhs_number: str) -> Resource:
    """The resident's latest red bag as a resident summary."""
    return document_to_summary(pull_document(client, nhs_number))
