"""The facts the measures count, read from FHIR resources and from journeys.

One reading of the FHIR serves both sources: the service applies it to the transaction Bundles it builds
(a red bag, a return journey) as it accepts them, and the server source applies it to the same resources
found on a FHIR server. So the store and a server holding the same red bags give the same facts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from adapter.pathway import Journey, Stage, VisitStatus
from adapter.redbag import vocab
from adapter.store.stay_facts import JourneyFacts, ReturnFacts, TransferFacts

Json = dict[str, Any]
#: A Reference -> the resource it points at, when the reader has it.
Resolver = Callable[[Json | None], Json | None]

ENGLAND = ZoneInfo("Europe/London")
_EPOCH_DAY = date(1970, 1, 1)
_CHANGES = ("started", "stopped", "dose-changed")


def instant(value: str | None) -> datetime | None:
    """An ISO 8601 date-time with its offset (a date alone, or no offset: None, it cannot be placed)."""
    if not value or len(value) <= 10:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def epoch(value: str | None) -> float | None:
    """Epoch seconds of a date-time, or None."""
    moment = instant(value)
    return moment.timestamp() if moment else None


def day_number(value: str | None) -> int | None:
    """The day in England of a date-time (or the day a plain date names), as days since 1970-01-01."""
    if not value:
        return None
    moment = instant(value)
    if moment is not None:
        return (moment.astimezone(ENGLAND).date() - _EPOCH_DAY).days
    try:
        return (date.fromisoformat(value[:10]) - _EPOCH_DAY).days
    except ValueError:
        return None


def identifier(resource: Json | None, system: str) -> str | None:
    """The value of a resource's (or a logical reference's) identifier in ``system``."""
    if not resource:
        return None
    found = resource.get("identifier")
    for ident in found if isinstance(found, list) else [found] if found else []:
        if ident.get("system") == system and ident.get("value"):
            return str(ident["value"])
    return None


def _organisation(reference: Json | None, resolve: Resolver) -> tuple[str | None, str | None]:
    """ODS code and name of the organisation (or care-home Location) a reference points at."""
    if not reference:
        return None, None
    target = resolve(reference)
    code = (
        identifier(target, vocab.ODS_ORGANIZATION)
        or identifier(target, vocab.ID_CARE_HOME_LOCATION)
        or identifier(reference, vocab.ODS_ORGANIZATION)
    )
    if code is None and target and target.get("resourceType") == "Location":
        return _organisation(target.get("managingOrganization"), resolve)
    name = (target or {}).get("name") or reference.get("display")
    return code, name


def resident_of(patient: Json | None, subject: Json | None) -> str | None:
    """The resident's NHS number, from their Patient or a logical reference."""
    return identifier(patient, vocab.NHS_NUMBER) or identifier(subject, vocab.NHS_NUMBER)


def transfer_facts(encounter: Json, resolve: Resolver) -> TransferFacts:
    """A red bag's transfer Encounter (with what it refers to) as facts."""
    subject = encounter.get("subject")
    care_home, care_home_name = _organisation((encounter.get("hospitalization") or {}).get("origin"), resolve)
    hospital, hospital_name = _organisation(encounter.get("serviceProvider"), resolve)
    start = (encounter.get("period") or {}).get("start")
    return TransferFacts(
        resident=resident_of(resolve(subject), subject),
        care_home=care_home,
        care_home_name=care_home_name,
        hospital=hospital,
        hospital_name=hospital_name,
        departed_at=epoch(start),
        departed_day=day_number(start) if instant(start) else None,
    )


def _code(concept: Json | None, system: str) -> str | None:
    for coding in (concept or {}).get("coding") or []:
        if coding.get("system") == system:
            return str(coding.get("code"))
    return None


def _extension(element: Json, url: str) -> Json | None:
    return next((e for e in element.get("extension") or [] if e.get("url") == url), None)


def belongings_returned(returned_list: Json | None) -> tuple[tuple[str, str], ...]:
    """(kind, status) of every item on a belongings-returned List (an item without a status: missing)."""
    found = []
    for entry in (returned_list or {}).get("entry") or []:
        belonging = _extension(entry, vocab.EXT_BELONGING) or {}
        kind = next(
            (
                _code({"coding": [e.get("valueCoding") or {}]}, vocab.RB_BELONGING_KIND)
                for e in belonging.get("extension") or []
                if e.get("url") == "kind"
            ),
            None,
        )
        status = _code(entry.get("flag"), vocab.RB_BELONGING_STATUS) or "missing"
        found.append((kind or "other", status))
    return tuple(found)


def medicine_changes(statements: Iterable[Json]) -> dict[str, int]:
    """How many MedicationStatements on discharge were started, stopped or had their dose changed."""
    counts = dict.fromkeys(_CHANGES, 0)
    for statement in statements:
        change = (_extension(statement, vocab.EXT_MEDICATION_CHANGE) or {}).get("valueCode")
        if change in counts:
            counts[change] += 1
    return counts


def return_facts(
    encounter: Json | None, returned_list: Json | None, statements: Iterable[Json]
) -> ReturnFacts:
    """A return journey (the finished Encounter, the belongings-returned List, the medicines on
    discharge) as facts."""
    end = ((encounter or {}).get("period") or {}).get("end")
    changes = medicine_changes(statements)
    return ReturnFacts(
        returned_at=epoch(end),
        returned_day=day_number(end) if instant(end) else None,
        medicines_started=changes["started"],
        medicines_stopped=changes["stopped"],
        medicines_dose_changed=changes["dose-changed"],
        belongings=belongings_returned(returned_list),
        ready_day=day_number(ready_date(encounter)),
    )


def ready_date(encounter: Json | None) -> str | None:
    """The Discharge Ready Date a finished Encounter carries (its discharge-readiness extension), or None."""
    readiness = _extension(encounter or {}, vocab.EXT_DISCHARGE_READINESS) or {}
    found = next(
        (e.get("valueDate") for e in readiness.get("extension") or [] if e.get("url") == "readyDate"), None
    )
    return str(found) if found else None


def is_belongings_returned(resource: Json) -> bool:
    """True for the List of belongings as they came back."""
    return resource.get("resourceType") == "List" and _code(resource.get("code"), vocab.RB_SECTION) == (
        "belongings-returned"
    )


class BundleResources:
    """The resources of a Bundle, found by reference (``fullUrl``) and by type."""

    def __init__(self, bundle: Json) -> None:
        self.entries = [e for e in bundle.get("entry") or [] if isinstance(e.get("resource"), dict)]
        self.by_url = {e["fullUrl"]: e["resource"] for e in self.entries if e.get("fullUrl")}

    def resolve(self, reference: Json | None) -> Json | None:
        """The resource a reference points at within the Bundle."""
        target = (reference or {}).get("reference")
        return self.by_url.get(target) if target else None

    def of_type(self, resource_type: str) -> list[Json]:
        """Every resource of a type, in Bundle order."""
        return [e["resource"] for e in self.entries if e["resource"].get("resourceType") == resource_type]


def red_bag_facts(transaction: Json) -> TransferFacts:
    """The facts of a red bag, from its transaction Bundle."""
    found = BundleResources(transaction)
    encounters = found.of_type("Encounter")
    return transfer_facts(encounters[0] if encounters else {}, found.resolve)


def return_journey_facts(transaction: Json) -> ReturnFacts:
    """The facts of a return journey, from its transaction Bundle."""
    found = BundleResources(transaction)
    encounters = found.of_type("Encounter")
    returned = next((r for r in found.of_type("List") if is_belongings_returned(r)), None)
    return return_facts(encounters[0] if encounters else None, returned, found.of_type("MedicationStatement"))


def _visit(journey: Journey) -> str | None:
    """The 48-hour visit as the measures see it: due, visited, overdue, missed (the stay ended after the
    visit was due, without it) or not-needed (the stay ended before it was due)."""
    visit = journey.visit
    if visit is None:
        return None
    if visit.status is not VisitStatus.CANCELLED:
        return visit.status.value
    if visit.status_before_cancel is VisitStatus.OVERDUE:
        return "missed"
    ended = epoch(journey.discharged_at)
    return "missed" if ended is not None and ended >= visit.due_epoch else "not-needed"


def journey_facts(journey: Journey) -> JourneyFacts:
    """A journey's facts (written each time the journey is saved)."""
    visit = journey.visit
    discharged = journey.discharged_at if journey.stage is Stage.DISCHARGED else None
    return JourneyFacts(
        journey_id=journey.id,
        transfer_id=journey.red_bag.transfer_id if journey.red_bag else None,
        resident=journey.nhs_number,
        care_home=journey.care_home,
        hospital=journey.hospital,
        cancelled=journey.stage is Stage.CANCELLED,
        admitted_at=epoch(journey.admitted_at),
        admitted_day=day_number(journey.admitted_at),
        discharged_at=epoch(discharged),
        discharged_day=day_number(discharged),
        ready_day=None,
        visit=_visit(journey),
        visit_due_at=visit.due_epoch if visit else None,
        visited_at=epoch(visit.visited_at) if visit else None,
    )
