"""The measures' facts read from a FHIR server holding red bags, with FHIR search only (R4 search, no
server-specific operation), so that any server will do.

Two searches, each split into slices of ``_lastUpdated`` read at the same time, each slice paged with
``_count`` along the Bundle's ``next`` links:

* the red bags' transfer Encounters (``identifier=<bag-number system>|``) with their Patient and
  hospital (``_include``); their care homes (``hospitalization.origin``, which no search parameter
  reaches) are read by ``Location?_id=...``, once per care home;
* the discharge summaries (``Composition?type=<SNOMED CT 373942005>``) with their Encounter and the
  Lists among their section entries (``_include=Composition:encounter``, ``Composition:entry:List``); the
  medicines on discharge that their medication List names are read by ``MedicationStatement?_id=...``, a
  page at a time.

Each page is turned into facts (:mod:`adapter.measures.facts`, the same reading the service applies to
the Bundles it sends) and written to a scratch database at once, so memory holds one page per slice
however many red bags the server has. The NHS number is kept only as a keyed hash (a key made for the
read and forgotten after), enough to link a resident's stays.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any
from urllib.parse import urlencode

from adapter.client import AsyncFhirClient, FhirHttpError
from adapter.measures.facts import (
    is_belongings_returned,
    return_facts,
    transfer_facts,
)
from adapter.redbag import vocab
from adapter.store.database import Database
from adapter.store.stay_facts import JourneyFacts, ReturnFacts, TransferFacts, write_all

Json = dict[str, Any]
Progress = Callable[[int, int | None], None]
DISCHARGE_SUMMARY = f"{vocab.DISCHARGE_SUMMARY[0]}|{vocab.DISCHARGE_SUMMARY[1]}"
_MEDICATIONS_SECTION = "medications-and-medical-devices"


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """How to read: resources per page, slices read at the same time."""

    page_size: int = 200
    slices: int = 4


@dataclass
class ReadCounts:
    """What a read found."""

    red_bags: int = 0
    returns: int = 0
    pages: int = 0


def _ref(resource: Json) -> str:
    return f"{resource['resourceType']}/{resource['id']}"


class _Reader:
    def __init__(
        self, client: AsyncFhirClient, db: Database, options: ReadOptions, progress: Progress | None
    ) -> None:
        self.client = client
        self.db = db
        self.options = options
        self.progress = progress
        self.counts = ReadCounts()
        self.total: int | None = None
        self.locations: dict[str, Json | None] = {}
        self._key = secrets.token_bytes(32)
        self._lock = asyncio.Lock()

    def resident(self, nhs_number: str | None) -> str | None:
        """The NHS number as a keyed hash (the same resident, the same value, for this read only)."""
        if nhs_number is None:
            return None
        return hmac.new(self._key, nhs_number.encode(), hashlib.sha256).hexdigest()

    # -- pages -------------------------------------------------------------------------------

    async def _slices(self, resource_type: str, criteria: dict[str, str]) -> list[tuple[str, str] | None]:
        """``_lastUpdated`` bounds that split the matches into about ``slices`` parts (one part, None,
        when the server cannot sort by ``_lastUpdated``)."""
        if self.options.slices <= 1:
            return [None]
        search = self.client.search(resource_type).where_query(_query(criteria)).elements("id").page_size(1)
        try:
            first = await search.sort("_lastUpdated").fetch()
            last = await search.sort("-_lastUpdated").fetch()
        except FhirHttpError:
            return [None]
        stamps = [(r.get("meta") or {}).get("lastUpdated") for r in (*first, *last)]
        if len(stamps) != 2 or not all(stamps):
            return [None]
        low, high = (datetime.fromisoformat(str(s)) for s in stamps)
        high += timedelta(milliseconds=1)
        step = (high - low) / self.options.slices
        edges = [low + step * i for i in range(self.options.slices)] + [high]
        edges[0] = low - timedelta(milliseconds=1)
        return [(_instant(a), _instant(b)) for a, b in pairwise(edges)]

    async def _pages(
        self,
        resource_type: str,
        criteria: dict[str, str],
        includes: Iterable[str],
        bounds: tuple[str, str] | None,
    ) -> AsyncIterator[Json]:
        search = self.client.search(resource_type).where_query(_query(criteria))
        for spec in includes:
            search = search.include(spec)
        if bounds is not None:
            search = search.param("_lastUpdated", f"gt{bounds[0]}").param("_lastUpdated", f"le{bounds[1]}")
        async for page in search.page_size(self.options.page_size).pages():
            yield page

    async def _each_slice(
        self, resource_type: str, criteria: dict[str, str], includes: tuple[str, ...], handle: Any
    ) -> None:
        bounds = await self._slices(resource_type, criteria)

        async def read(slice_bounds: tuple[str, str] | None) -> None:
            pages = self._pages(resource_type, criteria, includes, slice_bounds)
            async for page in pages:
                await handle(page)

        await asyncio.gather(*(read(b) for b in bounds))

    # -- red bags ----------------------------------------------------------------------------

    async def red_bags(self) -> None:
        await self._each_slice(
            "Encounter",
            {"identifier": f"{vocab.ID_BAG_NUMBER}|"},
            ("Encounter:subject", "Encounter:service-provider"),
            self._red_bag_page,
        )

    async def _red_bag_page(self, page: Json) -> None:
        matches, included = _split(page)
        encounters = [r for r in matches if r.get("resourceType") == "Encounter" and _is_transfer(r)]
        origins = {
            ref
            for e in encounters
            if (ref := ((e.get("hospitalization") or {}).get("origin") or {}).get("reference"))
            and ref.startswith("Location/")
        }
        await self._fetch_locations(origins - set(self.locations))
        known = {**included, **{k: v for k, v in self.locations.items() if v is not None}}

        def resolve(reference: Json | None) -> Json | None:
            target = (reference or {}).get("reference")
            return known.get(target) if target else None

        facts: list[tuple[str, TransferFacts | ReturnFacts] | JourneyFacts] = []
        for encounter in encounters:
            found = transfer_facts(encounter, resolve)
            facts.append((_ref(encounter), replace(found, resident=self.resident(found.resident))))
        await self._write(facts, red_bags=len(facts))

    async def _fetch_locations(self, wanted: set[str]) -> None:
        ids = sorted(ref.split("/", 1)[1] for ref in wanted)
        for start in range(0, len(ids), 50):
            chunk = ids[start : start + 50]
            async for location in self.client.search("Location").param("_id", *chunk).page_size(len(chunk)):
                self.locations[_ref(location)] = location
            for location_id in chunk:
                self.locations.setdefault(f"Location/{location_id}", None)

    # -- return journeys -----------------------------------------------------------------------

    async def returns(self) -> None:
        await self._each_slice(
            "Composition",
            {"type": DISCHARGE_SUMMARY},
            ("Composition:encounter", "Composition:entry:List"),
            self._return_page,
        )

    async def _return_page(self, page: Json) -> None:
        matches, included = _split(page)
        compositions = [r for r in matches if r.get("resourceType") == "Composition"]
        statements: dict[str, list[str]] = {}
        for composition in compositions:
            medications = _section_entries(composition, _MEDICATIONS_SECTION, included)
            statements[_ref(composition)] = [
                ref
                for med_list in medications
                for e in med_list.get("entry") or []
                if (ref := (e.get("item") or {}).get("reference", "")).startswith("MedicationStatement/")
            ]
        wanted = {ref for refs in statements.values() for ref in refs} - set(included)
        fetched = await self._fetch("MedicationStatement", wanted)
        known = {**included, **fetched}
        facts: list[tuple[str, TransferFacts | ReturnFacts] | JourneyFacts] = []
        for composition in compositions:
            encounter_ref = (composition.get("encounter") or {}).get("reference")
            if not encounter_ref:
                continue
            returned = next(
                (
                    r
                    for r in _section_entries(composition, "belongings-returned", included)
                    if is_belongings_returned(r)
                ),
                None,
            )
            found = return_facts(
                known.get(encounter_ref),
                returned,
                [known[ref] for ref in statements[_ref(composition)] if ref in known],
            )
            facts.append((encounter_ref, found))
        await self._write(facts, returns=len(facts))

    async def _fetch(self, resource_type: str, refs: set[str]) -> dict[str, Json]:
        ids = sorted(ref.split("/", 1)[1] for ref in refs)
        found: dict[str, Json] = {}
        chunks = [ids[i : i + 50] for i in range(0, len(ids), 50)]

        async def one(chunk: list[str]) -> None:
            async for resource in (
                self.client.search(resource_type).param("_id", *chunk).page_size(len(chunk))
            ):
                found[_ref(resource)] = resource

        await asyncio.gather(*(one(c) for c in chunks))
        return found

    # -- writing -------------------------------------------------------------------------------

    async def _write(
        self,
        facts: list[tuple[str, TransferFacts | ReturnFacts] | JourneyFacts],
        *,
        red_bags: int = 0,
        returns: int = 0,
    ) -> None:
        async with self._lock:  # one writer: SQLite takes one at a time anyway
            await asyncio.to_thread(write_all, self.db, facts)
            self.counts.red_bags += red_bags
            self.counts.returns += returns
            self.counts.pages += 1
            if self.progress is not None:
                self.progress(self.counts.red_bags + self.counts.returns, self.total)

    async def count(self) -> None:
        """How many red bags and discharge summaries there are (for the progress bar), when the server
        says; None otherwise."""
        try:
            bags = (
                await self.client.search("Encounter")
                .where_query(_query({"identifier": f"{vocab.ID_BAG_NUMBER}|"}))
                .count()
            )
            back = (
                await self.client.search("Composition")
                .where_query(_query({"type": DISCHARGE_SUMMARY}))
                .count()
            )
        except (FhirHttpError, KeyError, TypeError):
            return
        self.total = bags + back


def _query(criteria: dict[str, str]) -> str:
    return urlencode(criteria)


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _split(page: Json) -> tuple[list[Json], dict[str, Json]]:
    """A search page's matches, and its included resources by ``Type/id``."""
    matches, included = [], {}
    for entry in page.get("entry") or []:
        resource = entry.get("resource")
        if not isinstance(resource, dict) or "id" not in resource:
            continue
        if (entry.get("search") or {}).get("mode", "match") == "match":
            matches.append(resource)
        else:
            included[_ref(resource)] = resource
    return matches, included


def _is_transfer(encounter: Json) -> bool:
    """A red bag's own transfer Encounter (it carries the red bag's resource identifier)."""
    return any(i.get("system") == vocab.ID_RESOURCE for i in encounter.get("identifier") or [])


def _section_entries(composition: Json, code: str, included: dict[str, Json]) -> list[Json]:
    for section in composition.get("section") or []:
        codes = {c.get("code") for c in (section.get("code") or {}).get("coding") or []}
        if code in codes:
            return [
                included[ref] for e in section.get("entry") or [] if (ref := e.get("reference")) in included
            ]
    return []


async def read_server(
    client: AsyncFhirClient,
    db: Database,
    *,
    options: ReadOptions = ReadOptions(),
    progress: Progress | None = None,
) -> ReadCounts:
    """Read every red bag and return journey on the server into ``db`` (a facts database, see
    :func:`adapter.store.schema.facts_only_script`); what was found."""
    reader = _Reader(client, db, options, progress)
    if progress is not None:
        await reader.count()
    await asyncio.gather(reader.red_bags(), reader.returns())
    return reader.counts
