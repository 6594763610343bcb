"""What the care home can manage -> a FHIR HealthcareService, and back.

The HealthcareService is the care home's (``providedBy`` its Organization, ``location`` its Location):

- ``characteristic``: one CodeableConcept per capability code (care, then equipment, then discharge);
- ``availableTime``: when the home takes a resident back from hospital (days, earliest and latest arrival);
- the ``care-home-capabilities`` extension: the date the home confirmed the list, and which of the lists it
  has stated (``care``, ``equipment``, ``discharge``): in a stated list, a code that is absent is something
  the home cannot do; a list not stated says nothing, and a need is put to the home to confirm.

One record per care home (identifier ``https://redbag.dev/fhir/Id/care-home-capabilities|<ODS>``): the
transaction updates it to what the latest red bag says; each document keeps what it said on the day.
"""

from __future__ import annotations

from typing import Any

from adapter.redbag import capabilities, vocab
from adapter.redbag.build_people import ask_home, profile
from adapter.redbag.context import TransferContext, shared_record_id
from adapter.redbag.elements import compact, concept, ext, ident
from adapter.redbag.narrative import bullets, div, para, text, when

Json = dict[str, Any]
PROFILE = "RedBagCareHomeCapabilities"


def service_id(ods_code: str) -> str:
    """The care home's HealthcareService id (deterministic, shared by its red bags)."""
    return shared_record_id("HealthcareService", vocab.ID_CARE_HOME_CAPABILITIES, ods_code)


def _lines(block: Json, home: Json) -> list[str]:
    """The list as people read it, one paragraph per part (a part not stated says so)."""
    out = []
    for group, title in capabilities.GROUP_TITLES.items():
        codes = block.get(group)
        if codes is None:
            out.append(para(f"not stated, {ask_home({'careHome': home})}", title))
        elif not codes:
            out.append(para("none of the listed kinds", title))
        else:
            out.append(para(title) + bullets(capabilities.display(c) for c in codes))
    returns = block.get("returns")
    arrivals = (
        "; ".join(capabilities.window_text(w) for w in returns)
        if returns
        else f"not stated, {ask_home({'careHome': home})}"
    )
    out.append(para(arrivals, "Residents may come back (arrival)"))
    confirmed = block.get("confirmedOn")
    out.append(para(when(confirmed) if confirmed else "not dated", "Confirmed by the care home on"))
    return out


def capabilities_narrative(home: Json) -> str:
    """The section's narrative: the list, or that the care home has not stated it."""
    block = home.get("capabilities")
    if block is None:
        return div(para(f"{home['name']} has not stated what it can manage: {ask_home({'careHome': home})}."))
    return div(*_lines(block, home))


def healthcare_service(home: Json, org_ref: Json, loc_ref: Json) -> Json:
    """The care home's capabilities (``home`` is the summary's ``careHome`` with ``capabilities``)."""
    block = home["capabilities"]
    details = [ext("stated", valueCode=g) for g in capabilities.GROUPS if g in block]
    if block.get("confirmedOn"):
        details.insert(0, ext("confirmedOn", valueDate=block["confirmedOn"]))
    codes = [c for g in capabilities.GROUPS for c in block.get(g) or []]
    return compact(
        {
            "resourceType": "HealthcareService",
            "id": service_id(home["odsCode"]),
            "meta": profile(PROFILE),
            "text": text(div(para(f"{home['name']}: what we can manage"), *_lines(block, home))),
            "extension": [ext(vocab.EXT_CARE_HOME_CAPABILITIES, extension=details)] if details else None,
            "identifier": [ident(vocab.ID_CARE_HOME_CAPABILITIES, home["odsCode"])],
            "active": True,
            "providedBy": org_ref,
            "location": [loc_ref],
            "name": f"{home['name']}: what we can manage",
            "characteristic": [concept(capabilities.coding(c)) for c in codes] or None,
            "availableTime": [
                {
                    "daysOfWeek": w["days"],
                    "availableStartTime": f"{w['from']}:00",
                    "availableEndTime": f"{w['until']}:00",
                }
                for w in block.get("returns") or []
            ]
            or None,
        }
    )


def add_capabilities(ctx: TransferContext, org_ref: Json, loc_ref: Json) -> Json | None:
    """The care home's HealthcareService, when the summary says what it can manage (else None)."""
    home = ctx.summary["careHome"]
    if home.get("capabilities") is None:
        return None
    resource = healthcare_service(home, org_ref, loc_ref)
    return ctx.add(resource, "update", f"identifier={vocab.ID_CARE_HOME_CAPABILITIES}|{home['odsCode']}")


def capabilities_from_service(service: Json) -> Json:
    """The contract's ``capabilities`` block read back from a HealthcareService written above."""
    details: list[Json] = next(
        (
            e.get("extension") or []
            for e in service.get("extension") or []
            if e.get("url") == vocab.EXT_CARE_HOME_CAPABILITIES
        ),
        [],
    )
    stated = {e["valueCode"] for e in details if e.get("url") == "stated"}
    codes = [
        c["code"]
        for cc in service.get("characteristic") or []
        for c in cc.get("coding") or []
        if c.get("system") == capabilities.SYSTEM
    ]
    block: Json = {}
    confirmed = next((e["valueDate"] for e in details if e.get("url") == "confirmedOn"), None)
    if confirmed:
        block["confirmedOn"] = confirmed
    for group in capabilities.GROUPS:
        if group in stated:
            block[group] = [c for c in codes if capabilities.GROUP_OF.get(c) == group]
    windows = [
        {
            "days": list(t["daysOfWeek"]),
            "from": t["availableStartTime"][:5],
            "until": t["availableEndTime"][:5],
        }
        for t in service.get("availableTime") or []
    ]
    if windows:
        block["returns"] = windows
    return block
