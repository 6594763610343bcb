"""Pull a resident's latest red bag back from a FHIR server and reassemble the document.

1. find the resident: ``Patient?identifier=<NHS number system>|N``;
2. their latest transfer: every Composition of type "Transfer summary report" about them, the newest by
   its date, decided here (no ``_sort``: a CapabilityStatement cannot say whether a server sorts);
3. gather the red bag: the Task and Provenance that point at its Encounter, then every resource
   reachable by reference from those and the Composition, fetched level by level with batch reads
   (or one read at a time where the server offers no batch);
4. assemble a document Bundle (Composition first, https://hl7.org/fhir/R4/documents.html), which
   :func:`adapter.redbag.document_to_summary` reads back into the resident summary.

Every search answer is checked against what was asked (subject, type, focus, target): a server that
drops a criterion is refused, never believed (hazards H3, H5). The searches are declared in
:mod:`adapter.exchange.searches`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from adapter.client import FhirClient, FhirHttpError, Resource
from adapter.exchange.errors import (
    AmbiguousRedBagError,
    AmbiguousResidentError,
    IncompleteRedBagError,
    NotOnServerError,
    SearchNotHonouredError,
)
from adapter.exchange.searches import LATER_SUMMARIES, PROVENANCE, RESIDENT, TASKS, TRANSFERS, SearchUse
from adapter.redbag import document_to_summary, vocab
from adapter.redbag.identifiers import mask_nhs_number

# Pointers *to* the transfer Encounter that the document needs: the search, the element that points,
# and the element that orders what is found (None: as the server returns them).
BACK_REFERENCES: tuple[tuple[SearchUse, str, str | None], ...] = (
    (TASKS, "focus", None),
    (PROVENANCE, "target", "recorded"),
)


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
    found = RESIDENT.on(client, f"{vocab.NHS_NUMBER}|{nhs_number}").fetch_all()
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


def moment(value: Any) -> datetime | None:
    """A FHIR date or dateTime as an instant (a date alone: its start, UTC); None when it is not one."""
    if not isinstance(value, str) or len(value) < 4:
        return None
    text = value + ("-01-01" if len(value) == 4 else "-01" if len(value) == 7 else "")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def points_at(resource: Resource, element: str, key: str, base_url: str) -> bool:
    """``resource.<element>`` (one reference or a list of them) refers to ``key`` (``Type/id``)."""
    value = resource.get(element)
    targets = value if isinstance(value, list) else [value]
    return any(
        isinstance(t, dict) and local_key(str(t.get("reference", "")), base_url) == key for t in targets
    )


def honoured(client: FhirClient, search: SearchUse, found: list[Resource], element: str, key: str) -> None:
    """Every resource a search returned points at ``key`` through ``element``; else the server did not
    apply the criterion and its answer cannot be believed (hazards H3, H5)."""
    stray = [r for r in found if not points_at(r, element, key, client.base_url)]
    if stray:
        raise SearchNotHonouredError(
            f"{client.base_url}: {search.resource_type}?{'&'.join(search.parameters)} ({search.purpose}) "
            f"returned {key_of(stray[0])}, whose {element} is not {key}: the server does not honour the "
            "search; refusing to guess"
        )


def is_transfer_summary(composition: Resource) -> bool:
    """The Composition is typed SNOMED CT "Transfer summary report"."""
    system, code, _ = vocab.TRANSFER_SUMMARY
    codings = (composition.get("type") or {}).get("coding") or []
    return any(c.get("system") == system and c.get("code") == code for c in codings)


def latest_transfer(client: FhirClient, patient: Resource) -> Resource | None:
    """The newest transfer-summary Composition about the resident, by its date (hazard H5).

    Every page is fetched and the newest chosen here. A Composition without a readable date, or two
    sharing the newest date, is refused rather than guessed between.
    """
    system, code, _ = vocab.TRANSFER_SUMMARY
    found = TRANSFERS.on(client, key_of(patient), f"{system}|{code}").fetch_all()
    honoured(client, TRANSFERS, found, "subject", key_of(patient))
    if not all(is_transfer_summary(c) for c in found):
        other = next(c for c in found if not is_transfer_summary(c))
        raise SearchNotHonouredError(
            f"{client.base_url}: the search for transfer summaries returned {key_of(other)} of another "
            "type: the server does not honour the search; refusing to guess"
        )
    if not found:
        return None
    dated = [(moment(c.get("date")), c) for c in found]
    undated = [c for when, c in dated if when is None]
    if undated:
        raise AmbiguousRedBagError(
            f"{client.base_url}: {key_of(undated[0])} has no readable date ({undated[0].get('date')!r}): "
            "cannot tell which transfer summary is the latest"
        )
    newest = max(when for when, _ in dated if when is not None)
    tied = [c for when, c in dated if when == newest]
    if len(tied) > 1:
        raise AmbiguousRedBagError(
            f"{client.base_url}: {len(tied)} transfer summaries share the newest date {tied[0].get('date')} "
            f"({', '.join(key_of(c) for c in tied)}); refusing to choose"
        )
    return tied[0]


def newer_summaries(client: FhirClient, patient: Resource, composition: Resource) -> list[str]:
    """Other summaries about the resident dated after ``composition`` (e.g. the discharge summary),
    newest first."""
    found = LATER_SUMMARIES.on(client, key_of(patient), f"gt{composition['date']}").fetch_all()
    honoured(client, LATER_SUMMARIES, found, "subject", key_of(patient))
    after = moment(composition.get("date"))
    later = [(when, c) for c in found if (when := moment(c.get("date"))) and after and when > after]
    out = []
    for _, c in sorted(later, key=lambda pair: pair[0], reverse=True):
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


def read_many(client: FhirClient, keys: list[str], batch: bool = True) -> list[Resource]:
    """Read several resources, in one batch or one at a time; a missing one is an
    :class:`IncompleteRedBagError`."""
    if not batch:
        return [read_one(client, key) for key in keys]
    request = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [{"request": {"method": "GET", "url": key}} for key in keys],
    }
    response = client.batch(request)
    found = []
    for key, entry in zip(keys, response.get("entry") or [], strict=True):
        status = str((entry.get("response") or {}).get("status", "")).split(" ")[0]
        if not status.startswith("2") or "resource" not in entry:
            raise IncompleteRedBagError(
                f"the red bag refers to {key}, which the server cannot return ({status})"
            )
        found.append(entry["resource"])
    return found


def read_one(client: FhirClient, key: str) -> Resource:
    """Read one resource of the red bag; one the server cannot return is an :class:`IncompleteRedBagError`."""
    resource_type, resource_id = key.split("/")
    try:
        return client.read(resource_type, resource_id)
    except FhirHttpError as exc:
        raise IncompleteRedBagError(
            f"the red bag refers to {key}, which the server cannot return ({exc.status})"
        ) from exc


def in_order(found: list[Resource], element: str | None) -> list[Resource]:
    """``found`` ordered by the date in ``element`` (then id), or as returned when ``element`` is None."""
    if element is None:
        return found
    oldest = datetime.min.replace(tzinfo=UTC)
    return sorted(found, key=lambda r: (moment(r.get(element)) or oldest, str(r.get("id"))))


def gather(client: FhirClient, composition: Resource, batch: bool = True) -> list[Resource]:
    """The Composition and everything the red bag needs, in discovery order."""
    have: dict[str, Resource] = {key_of(composition): composition}
    encounter = local_key((composition.get("encounter") or {}).get("reference", ""), client.base_url)
    if encounter:
        for search, element, order in BACK_REFERENCES:
            found = search.on(client, encounter).fetch_all()
            honoured(client, search, found, element, encounter)
            for resource in in_order(found, order):
                have.setdefault(key_of(resource), resource)
    frontier = list(have.values())
    while frontier:
        wanted = {
            key
            for r in frontier
            for ref in references(r)
            if (key := local_key(ref, client.base_url)) and key not in have
        }
        frontier = read_many(client, sorted(wanted), batch) if wanted else []
        have.update((key_of(r), r) for r in frontier)
    return list(have.values())


def pull_red_bag(client: FhirClient, nhs_number: str, *, batch: bool = True) -> PulledRedBag:
    """The resident's latest red bag, with its date and any newer summaries (``batch``: read the red
    bag's resources in batches; False reads them one at a time)."""
    patient = find_resident(client, nhs_number)
    composition = latest_transfer(client, patient)
    if composition is None:
        raise NotOnServerError(
            f"{client.base_url}: no transfer summary for NHS number {mask_nhs_number(nhs_number)}"
        )
    document = assemble(client, composition, batch)
    return PulledRedBag(document, str(composition.get("date")), newer_summaries(client, patient, composition))


def pull_document(client: FhirClient, nhs_number: str, *, batch: bool = True) -> Resource:
    """The resident's latest red bag as a document Bundle (server ids, absolute fullUrls)."""
    return pull_red_bag(client, nhs_number, batch=batch).document


def assemble(client: FhirClient, composition: Resource, batch: bool = True) -> Resource:
    """The document Bundle of ``composition``: it first, then everything it needs."""
    resources = gather(client, composition, batch)
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


def pull_summary(client: FhirClient, nhs_number: str, *, batch: bool = True) -> Resource:
    """The resident's latest red bag as a resident summary."""
    return document_to_summary(pull_document(client, nhs_number, batch=batch))
