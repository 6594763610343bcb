"""A journey as FHIR R4 resources: the stay's Encounter and the 48-hour visit Task (plain dicts).

The Encounter is the red bag's transfer Encounter (same id) when a red bag went with the resident, so a
receiver can match it with what the FHIR server holds; otherwise it gets the journey's id. Neither names
the resident: the subject is a logical reference by NHS number.
"""

from __future__ import annotations

from typing import Any

from adapter.fhir.ids import stable_id
from adapter.pathway.codes import (
    ADMIT_SOURCE_SYSTEM,
    ADMIT_SOURCES,
    DISCHARGE_DESTINATION_SYSTEM,
    DISCHARGE_DESTINATIONS,
    VISIT_STATUS_SYSTEM,
)
from adapter.pathway.journey import Journey, Stage
from adapter.pathway.visit import VisitStatus
from adapter.redbag import vocab

Json = dict[str, Any]
TASK_CODE = "http://hl7.org/fhir/CodeSystem/task-code"
HOSPITAL_STAY = f"{vocab.BASE}/Id/hospital-stay"
_ENCOUNTER_STATUS = {
    Stage.ADMITTED: "in-progress",
    Stage.DISCHARGED: "finished",
    Stage.CANCELLED: "cancelled",
}
_TASK_STATUS = {
    VisitStatus.DUE: "requested",
    VisitStatus.OVERDUE: "requested",
    VisitStatus.VISITED: "completed",
    VisitStatus.CANCELLED: "cancelled",
}
_VISIT_DISPLAY = {
    VisitStatus.DUE: "Visit due",
    VisitStatus.OVERDUE: "Visit overdue",
    VisitStatus.VISITED: "Visited",
    VisitStatus.CANCELLED: "Visit no longer needed",
}
_CLASS = {"I": ("IMP", "inpatient encounter")}


def organisation(ods_code: str) -> Json:
    """A logical reference to an organisation by its ODS code."""
    return {"identifier": {"system": vocab.ODS_ORGANIZATION, "value": ods_code}}


def resident(nhs_number: str) -> Json:
    """A logical reference to the resident by NHS number (no name travels)."""
    return {"identifier": {"system": vocab.NHS_NUMBER, "value": nhs_number}}


def encounter_id(journey: Journey) -> str:
    """The stay's Encounter id: the red bag's transfer Encounter, or one derived from the journey."""
    return journey.red_bag.encounter_id if journey.red_bag else journey.id


def task_id(journey: Journey) -> str:
    """The 48-hour visit Task's id."""
    return stable_id("Task", journey.id, "48-hour-visit")


def _code(system: str, codes: dict[str, str], code: str | None) -> Json | None:
    if code is None or code not in codes:
        return None
    return {"coding": [{"system": system, "code": code, "display": codes[code]}]}


def encounter(journey: Journey) -> Json:
    """The hospital stay as an Encounter (status, period, admission source, discharge destination)."""
    act_code, act_display = _CLASS.get(journey.patient_class or "", ("EMER", "emergency"))
    identifiers = []
    if journey.hospital and journey.encounter:
        identifiers.append({"system": f"{HOSPITAL_STAY}/{journey.hospital}", "value": journey.encounter})
    if journey.red_bag:
        identifiers.append({"system": vocab.ID_BAG_NUMBER, "value": journey.red_bag.bag_number})
    period = {"start": journey.admitted_at}
    if journey.discharged_at:
        period["end"] = journey.discharged_at
    hospitalization: Json = {}
    if journey.care_home:
        hospitalization["origin"] = organisation(journey.care_home)
    admit = _code(ADMIT_SOURCE_SYSTEM, ADMIT_SOURCES, journey.admit_source)
    if admit:
        hospitalization["admitSource"] = admit
    destination = _code(DISCHARGE_DESTINATION_SYSTEM, DISCHARGE_DESTINATIONS, journey.discharge_destination)
    if destination:
        hospitalization["dischargeDisposition"] = destination
    found: Json = {
        "resourceType": "Encounter",
        "id": encounter_id(journey),
        "identifier": identifiers or None,
        "status": _ENCOUNTER_STATUS[journey.stage],
        "class": {"system": vocab.V3_ACT_CODE, "code": act_code, "display": act_display},
        "subject": resident(journey.nhs_number),
        "period": period,
        "hospitalization": hospitalization or None,
        "location": [{"location": {"display": journey.location}}] if journey.location else None,
        "serviceProvider": organisation(journey.hospital) if journey.hospital else None,
    }
    return {k: v for k, v in found.items() if v is not None}


def visit_task(journey: Journey) -> Json | None:
    """The 48-hour visit as a Task for the care home (None when no care home is known)."""
    visit = journey.visit
    if visit is None or journey.care_home is None:
        return None
    task: Json = {
        "resourceType": "Task",
        "id": task_id(journey),
        "status": _TASK_STATUS[visit.status],
        "businessStatus": {
            "coding": [
                {
                    "system": VISIT_STATUS_SYSTEM,
                    "code": visit.status.value,
                    "display": _VISIT_DISPLAY[visit.status],
                }
            ]
        },
        "intent": "order",
        "code": {
            "coding": [{"system": TASK_CODE, "code": "fulfill", "display": "Fulfill the focal request"}]
        },
        "description": "Visit the resident in hospital within 48 hours of admission (Red Bag pathway)",
        "focus": {"reference": f"Encounter/{encounter_id(journey)}"},
        "for": resident(journey.nhs_number),
        "authoredOn": journey.admitted_at,
        "owner": organisation(journey.care_home),
        "restriction": {"period": {"end": visit.due_at}},
    }
    if visit.visited_at:
        task["executionPeriod"] = {"start": visit.visited_at, "end": visit.visited_at}
    if visit.visitor:
        who = visit.visitor.name + (f" ({visit.visitor.role})" if visit.visitor.role else "")
        note = {"authorString": who, "time": visit.visited_at, "text": visit.visitor.notes or "Visited"}
        task["note"] = [{k: v for k, v in note.items() if v}]
    if visit.cancelled_because:
        task["statusReason"] = {"text": visit.cancelled_because}
    return task
