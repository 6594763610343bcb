"""The discharge readiness checklist as FHIR R4 Tasks (plain dicts), one per item.

Each Task: ``code`` the need (a care home capability code for care and equipment, else the need's kind),
``businessStatus`` the outcome (met by the home / needs action by the hospital / by the home / not possible
at this home), ``owner`` the organisation that must act (by ODS code), ``restriction.period.end`` the day
it is due, ``focus`` the stay's Encounter and ``for`` the resident, both by business identifier (the red
bag's Encounter identifier, the NHS number), so they resolve wherever the red bag was delivered. Only an
item met by the home is ``completed``; every other item is ``requested``, and one not possible at this
home is ``urgent`` (hazard H23: never shown as met).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from adapter.fhir.ids import stable_id
from adapter.pathway.journey import Journey, RedBag, Stage
from adapter.pathway.readiness import NEED_KINDS, OUTCOMES, Item, ItemOutcome, Owner
from adapter.redbag import capabilities, vocab
from adapter.redbag.build_people import profile
from adapter.redbag.context import TransferContext
from adapter.redbag.narrative import div, para, text

Json = dict[str, Any]
OUTCOME_SYSTEM: Final = f"{vocab.BASE}/CodeSystem/discharge-readiness-outcome"
NEED_SYSTEM: Final = f"{vocab.BASE}/CodeSystem/discharge-need"
PROFILE: Final = "RedBagReadinessTask"


@dataclass(frozen=True, slots=True)
class Parties:
    """Who a checklist is about and between: the stay's Encounter, the resident, the home, the hospital."""

    encounter_id: str
    resident: Json  # the resident's Identifier: NHS number, or the care home's own id
    home: tuple[str, str]  # (ODS code, name)
    hospital: tuple[str, str]


def parties_of(summary: Json) -> Parties:
    """The stay's Encounter, the resident, the care home and the hospital of a red bag."""
    ctx = TransferContext(summary)
    dest = summary["transfer"]["destination"]
    home = summary["careHome"]
    return Parties(
        ctx.encounter_id,
        ctx.patient_identifier,
        (home["odsCode"], home["name"]),
        (dest["odsCode"], dest["name"]),
    )


def stay_of(transfer_id: str, summary: Json) -> Journey | None:
    """A stay as the red bag describes it, for a red bag no admission has been matched to (None without an
    NHS number: notifications name the resident by it alone)."""
    resident = summary["resident"]
    if not resident.get("nhsNumber"):
        return None
    return Journey(
        id=stable_id("Journey", "transfer", transfer_id),
        nhs_number=resident["nhsNumber"],
        stage=Stage.ADMITTED,
        admitted_at=summary["transfer"]["departedAt"],
        hospital=summary["transfer"]["destination"]["odsCode"],
        red_bag=RedBag(transfer_id, summary["bagNumber"], TransferContext(summary).encounter_id),
        care_home=summary["careHome"]["odsCode"],
        gp=(resident.get("gp") or {}).get("odsCode"),
    )


def _organisation(ods_name: tuple[str, str]) -> Json:
    return {"identifier": {"system": vocab.ODS_ORGANIZATION, "value": ods_name[0]}, "display": ods_name[1]}


def _code(item: Item) -> Json:
    need = item.need
    if need.code is not None:
        system, code, shown = capabilities.coding(need.code)
    else:
        system, code, shown = NEED_SYSTEM, need.kind, NEED_KINDS[need.kind][0]
    return {"coding": [{"system": system, "code": code, "display": shown}]}


def task_id(parties: Parties, index: int, item: Item) -> str:
    """A checklist Task's id: the stay, the item's place and its need (the same checklist, the same ids)."""
    return stable_id(
        "Task", parties.encounter_id, "readiness", str(index), item.need.kind, item.need.code or ""
    )


def readiness_task(parties: Parties, index: int, item: Item, authored: str) -> Json:
    """One checklist item as a Task."""
    rid = task_id(parties, index, item)
    owner = parties.home if item.owner is Owner.HOME else parties.hospital
    shown = OUTCOMES[item.outcome][0]
    task: Json = {
        "resourceType": "Task",
        "id": rid,
        "meta": profile(PROFILE),
        "text": text(div(para(item.says, shown), para(f"{owner[1]} ({owner[0]}), by {item.due}", "Owner"))),
        "identifier": [{"system": vocab.ID_RESOURCE, "value": rid}],
        "status": "completed" if item.outcome is ItemOutcome.MET_BY_HOME else "requested",
        "businessStatus": {
            "coding": [{"system": OUTCOME_SYSTEM, "code": item.outcome.value, "display": shown}]
        },
        "intent": "plan",
        "priority": "urgent" if item.outcome is ItemOutcome.NOT_POSSIBLE else "routine",
        "code": _code(item),
        "description": item.says,
        "focus": {
            "type": "Encounter",
            "identifier": {"system": vocab.ID_RESOURCE, "value": parties.encounter_id},
        },
        "for": {"type": "Patient", "identifier": parties.resident},
        "authoredOn": authored,
        "owner": _organisation(owner),
        "restriction": {"period": {"end": item.due}},
        "note": [{"text": item.need.detail}] if item.need.detail and item.need.kind != "return" else None,
    }
    return {k: v for k, v in task.items() if v is not None}


def readiness_tasks(parties: Parties, items: Sequence[Item], authored: str) -> list[Json]:
    """The checklist's Tasks, in its order."""
    return [readiness_task(parties, i, item, authored) for i, item in enumerate(items)]
