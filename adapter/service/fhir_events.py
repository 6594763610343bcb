"""Encounter changes from a hospital's FHIR server as pathway events: a classic R4 rest-hook (the
Encounter itself, as HAPI sends it with a payload) or a Subscriptions Backport notification Bundle.

The resident is found by NHS number only (hazard H3): the Encounter's subject as a logical reference by
NHS number, or the Patient it refers to (in the notification, or read from the same server), which must
carry exactly one NHS number. Nothing is fetched from anywhere but the configured source's base URL.

==================================  ======================================================
Encounter.status                    event
==================================  ======================================================
arrived, triaged, in-progress,      admitted (at period.start); after a discharge, the
onleave                             discharge taken back
finished                            discharged (at period.end)
cancelled, entered-in-error         admission cancelled
planned, unknown                    nothing
==================================  ======================================================
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson

from adapter.errors import InputError
from adapter.pathway import EventKind, Incoming, PathwayEvent
from adapter.pathway.codes import (
    ADMIT_SOURCE_SYSTEM,
    ADMIT_SOURCES,
    DISCHARGE_DESTINATION_SYSTEM,
    DISCHARGE_DESTINATIONS,
)
from adapter.redbag import vocab
from adapter.redbag.identifiers import nhs_number_is_valid, ods_code_is_valid

Json = dict[str, Any]
#: Reads a resource by absolute URL from the source server (raises on failure).
Fetch = Callable[[str], Json]
_KINDS = {
    "arrived": EventKind.ADMITTED,
    "triaged": EventKind.ADMITTED,
    "in-progress": EventKind.ADMITTED,
    "onleave": EventKind.ADMITTED,
    "finished": EventKind.DISCHARGED,
    "cancelled": EventKind.ADMISSION_CANCELLED,
    "entered-in-error": EventKind.ADMISSION_CANCELLED,
}


class NotificationError(InputError):
    """A notification that cannot be used (answered 422, naming what is missing)."""

    code = "fhir-notification"


def _code(concept: Any, system: str, codes: dict[str, str]) -> str | None:
    for coding in (concept or {}).get("coding") or []:
        if coding.get("system") == system and coding.get("code") in codes:
            return str(coding["code"])
    return None


def _nhs_numbers(patient: Json) -> set[str]:
    return {
        str(i.get("value", "")).replace(" ", "")
        for i in patient.get("identifier") or []
        if i.get("system") == vocab.NHS_NUMBER
    }


def _absolute(reference: str, base: str) -> str:
    return reference if reference.startswith(("http://", "https://")) else f"{base}/{reference}"


class EncounterReader:
    """Turns a source's Encounters into events, fetching what the notification leaves out."""

    def __init__(self, source: str, base: str, fetch: Fetch, now: Callable[[], float]) -> None:
        self.source = source
        self.base = base
        self._fetch = fetch
        self._now = now

    def fetch(self, url: str, included: dict[str, Json]) -> Json:
        """A resource: from the notification when it is there, else read from the source's own server."""
        absolute = _absolute(url, self.base)
        if absolute in included:
            return included[absolute]
        if not absolute.startswith(self.base + "/"):
            raise NotificationError(f"{url} is not on the source's server {self.base}: not read")
        return self._fetch(absolute)

    def nhs_number(self, encounter: Json, included: dict[str, Json]) -> str:
        """The NHS number of the Encounter's subject; NotificationError unless there is exactly one."""
        subject = encounter.get("subject") or {}
        identifier = subject.get("identifier") or {}
        if identifier.get("system") == vocab.NHS_NUMBER:
            numbers = {str(identifier.get("value", "")).replace(" ", "")}
        elif subject.get("reference"):
            numbers = _nhs_numbers(self.fetch(subject["reference"], included))
        else:
            raise NotificationError("Encounter.subject: no Patient to identify the resident by")
        if len(numbers) != 1:
            raise NotificationError(
                f"Encounter.subject: the Patient carries {len(numbers)} NHS numbers (exactly one is needed)"
            )
        number = numbers.pop()
        if not nhs_number_is_valid(number):
            raise NotificationError("Encounter.subject: the Patient's NHS number fails the modulus 11 check")
        return number

    def event(self, encounter: Json, included: dict[str, Json]) -> Incoming | None:
        """The event an Encounter's state announces (None for a planned or unknown stay)."""
        kind = _KINDS.get(str(encounter.get("status")))
        if kind is None:
            return None
        period = encounter.get("period") or {}
        updated = (encounter.get("meta") or {}).get("lastUpdated")
        now = datetime.fromtimestamp(self._now(), UTC).isoformat(timespec="seconds")
        if kind is EventKind.ADMITTED:
            at = period.get("start") or updated or now
        elif kind is EventKind.DISCHARGED:
            at = period.get("end") or updated or now
        else:
            at = updated or now
        provider = ((encounter.get("serviceProvider") or {}).get("identifier")) or {}
        ods = provider.get("value") if provider.get("system") == vocab.ODS_ORGANIZATION else None
        stay = encounter.get("hospitalization") or {}
        event = PathwayEvent(
            kind=kind,
            nhs_number=self.nhs_number(encounter, included),
            occurred_at=at if "T" in at else f"{at}T00:00:00+00:00",
            source="fhir",
            hospital=ods if ods and ods_code_is_valid(ods) else self.source,
            encounter=str(encounter.get("id") or ""),
            admit_source=_code(stay.get("admitSource"), ADMIT_SOURCE_SYSTEM, ADMIT_SOURCES),
            discharge_destination=_code(
                stay.get("dischargeDisposition"), DISCHARGE_DESTINATION_SYSTEM, DISCHARGE_DESTINATIONS
            )
            if kind is EventKind.DISCHARGED
            else None,
        )
        state = orjson.dumps(
            {"status": encounter.get("status"), "period": period, "hospitalization": stay},
            option=orjson.OPT_SORT_KEYS,
        )
        version = (encounter.get("meta") or {}).get("versionId") or hashlib.sha256(state).hexdigest()[:16]
        key = f"fhir|{self.source}|Encounter/{event.encounter}|{version}"
        return Incoming(key, hashlib.sha256(state).hexdigest(), event)

    def events(self, body: Any) -> list[Incoming]:
        """The events in what a source sent: an Encounter, or a Backport notification Bundle."""
        if not isinstance(body, dict):
            raise NotificationError("a FHIR resource (Encounter, or a notification Bundle) is expected")
        if body.get("resourceType") == "Encounter":
            found = self.event(body, {})
            return [found] if found else []
        if body.get("resourceType") == "Bundle" and body.get("type") == "history":
            return self._notification(body)
        raise NotificationError(
            f"{body.get('resourceType')!r} is neither an Encounter nor a notification Bundle"
        )

    def _notification(self, bundle: Json) -> list[Incoming]:
        entries = bundle.get("entry") or []
        status = (entries[0].get("resource") if entries else None) or {}
        if status.get("resourceType") != "Parameters":
            raise NotificationError("Bundle.entry[0]: the SubscriptionStatus Parameters are missing")
        parameters = status.get("parameter") or []
        kind = next((p.get("valueCode") for p in parameters if p.get("name") == "type"), None)
        if kind != "event-notification":
            return []  # handshake, heartbeat, query-status: nothing happened
        included: dict[str, Json] = {}
        for entry in entries[1:]:
            resource = entry.get("resource")
            if isinstance(resource, dict) and resource.get("id"):
                url = f"{self.base}/{resource['resourceType']}/{resource['id']}"
                included[url] = resource
                if entry.get("fullUrl"):
                    included[entry["fullUrl"]] = resource
        found = []
        for parameter in parameters:
            if parameter.get("name") not in ("notification-event", "notificationEvent"):
                continue
            for part in parameter.get("part") or []:
                reference = (part.get("valueReference") or {}).get("reference", "")
                if part.get("name") == "focus" and "Encounter/" in reference:
                    event = self.event(self.fetch(reference, included), included)
                    if event is not None:
                        found.append(event)
        return found
