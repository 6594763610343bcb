"""Notifications in the Subscriptions R5 Backport IG's R4 shape: a ``history`` Bundle whose first entry is
the SubscriptionStatus ``Parameters`` (subscription, topic, status, type ``event-notification``, events
since the subscription started, and the event with its number), then the stay's Encounter and, for the
visit's events, the visit Task; for a discharge-ready notice, the readiness checklist's Tasks (full-resource
payload).

What happened is in the notification event's ``pathway-event`` extension: its code, whether a red bag
went with the resident, on discharge and return whether the belongings have been reconciled yet and how
many are missing, the planned discharge date, the Discharge Ready Date and how many needs the care home
cannot meet.
See http://hl7.org/fhir/uv/subscriptions-backport/ (STU 1.1).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from adapter.fhir.ids import stable_id
from adapter.notify.subscription import BACKPORT, TOPIC
from adapter.pathway import Journey, Notice, NoticeKind
from adapter.pathway.codes import PATHWAY_EVENT_SYSTEM
from adapter.pathway.resources import encounter, visit_task
from adapter.redbag import vocab

Json = dict[str, Any]
PATHWAY_EVENT = f"{vocab.BASE}/StructureDefinition/pathway-event"
_VISIT_NOTICES = frozenset(
    {NoticeKind.VISIT_DUE, NoticeKind.VISITED, NoticeKind.VISIT_OVERDUE, NoticeKind.ADMITTED}
)
DISPLAYS = {
    NoticeKind.ADMITTED: "Admitted to hospital",
    NoticeKind.ADMISSION_CANCELLED: "Admission cancelled",
    NoticeKind.RED_BAG_RECEIVED: "Red bag received by the hospital",
    NoticeKind.VISIT_DUE: "48-hour visit due",
    NoticeKind.VISITED: "48-hour visit made",
    NoticeKind.VISIT_OVERDUE: "48-hour visit overdue",
    NoticeKind.DISCHARGE_PLANNED: "Discharge planned",
    NoticeKind.DISCHARGE_READY: "Ready for discharge: date and checklist",
    NoticeKind.DISCHARGED: "Discharged from hospital",
    NoticeKind.DISCHARGE_CANCELLED: "Discharge cancelled",
    NoticeKind.RED_BAG_RETURNED: "Red bag returned",
}


def _details(notice: Notice, journey: Journey) -> list[Json]:
    parts: list[Json] = [
        {
            "url": "code",
            "valueCoding": {
                "system": PATHWAY_EVENT_SYSTEM,
                "code": notice.kind.value,
                "display": DISPLAYS[notice.kind],
            },
        },
        {"url": "redBagSent", "valueBoolean": journey.red_bag is not None},
    ]
    if notice.kind in (NoticeKind.DISCHARGED, NoticeKind.RED_BAG_RETURNED):
        reconciled = journey.belongings_missing is not None  # not until the return journey is recorded
        parts.append({"url": "belongingsReconciled", "valueBoolean": reconciled})
        if reconciled:
            parts.append({"url": "belongingsMissing", "valueInteger": journey.belongings_missing})
    if journey.planned_discharge and notice.kind is NoticeKind.DISCHARGE_PLANNED:
        parts.append({"url": "plannedDischarge", "valueDateTime": journey.planned_discharge})
    return parts


def notification_bundle(
    *,
    base: str,
    subscription_id: str,
    event_number: int,
    notice: Notice,
    journey: Journey,
    timestamp: str,
    extra: Sequence[Json] = (),
    details: Sequence[Json] = (),
    encounter_extensions: Sequence[Json] = (),
) -> Json:
    """One event's notification for one subscription (deterministic ids: a re-delivery is the same bytes).

    ``extra``: more resources to carry (a checklist's Tasks); ``details``: more parts of the pathway-event
    extension; ``encounter_extensions``: extensions of the stay's Encounter (its discharge readiness).
    """
    stay = encounter(journey)
    if encounter_extensions:
        stay = {"resourceType": "Encounter", "id": stay["id"], "extension": list(encounter_extensions),
                **{k: v for k, v in stay.items() if k not in ("resourceType", "id")}}  # fmt: skip
    task = visit_task(journey) if notice.kind in _VISIT_NOTICES else None
    event_parts: list[Json] = [
        {"name": "event-number", "valueString": str(event_number)},
        {"name": "timestamp", "valueInstant": notice.at},
        {"name": "focus", "valueReference": {"reference": f"{base}/Encounter/{stay['id']}"}},
    ]
    if task is not None:
        event_parts.append(
            {"name": "additional-context", "valueReference": {"reference": f"{base}/Task/{task['id']}"}}
        )
    status_id = stable_id("Parameters", subscription_id, str(event_number))
    status = {
        "resourceType": "Parameters",
        "id": status_id,
        "meta": {"profile": [f"{BACKPORT}/backport-subscription-status-r4"]},
        "parameter": [
            {
                "name": "subscription",
                "valueReference": {"reference": f"{base}/Subscription/{subscription_id}"},
            },
            {"name": "topic", "valueCanonical": TOPIC},
            {"name": "status", "valueCode": "active"},
            {"name": "type", "valueCode": "event-notification"},
            {"name": "events-since-subscription-start", "valueString": str(event_number)},
            {
                "name": "notification-event",
                "extension": [{"url": PATHWAY_EVENT, "extension": [*_details(notice, journey), *details]}],
                "part": event_parts,
            },
        ],
    }
    entries: list[Json] = [
        {
            "fullUrl": f"urn:uuid:{status_id}",
            "resource": status,
            "request": {"method": "GET", "url": f"{base}/Subscription/{subscription_id}/$status"},
            "response": {"status": "200"},
        }
    ]
    for resource in (stay, task, *extra):
        if resource is not None:
            kind, rid = resource["resourceType"], resource["id"]
            entries.append(
                {
                    "fullUrl": f"{base}/{kind}/{rid}",
                    "resource": resource,
                    "request": {"method": "PUT", "url": f"{kind}/{rid}"},
                    "response": {"status": "200"},
                }
            )
    return {
        "resourceType": "Bundle",
        "id": stable_id("Bundle", subscription_id, str(event_number)),
        "meta": {"profile": [f"{BACKPORT}/backport-subscription-notification-r4"]},
        "type": "history",
        "timestamp": timestamp,
        "entry": entries,
    }


def event_number_of(bundle: Json) -> int | None:
    """The event number a notification carries (what a receiver de-duplicates by)."""
    status = (bundle.get("entry") or [{}])[0].get("resource") or {}
    for parameter in status.get("parameter") or []:
        if parameter.get("name") == "notification-event":
            for part in parameter.get("part") or []:
                if part.get("name") == "event-number":
                    return int(part["valueString"])
    return None
