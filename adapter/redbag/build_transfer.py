"""The journey itself: transfer Encounter, resuscitation decision, consent, belongings, Task, Provenance."""

from __future__ import annotations

from adapter.redbag import vocab
from adapter.redbag.build_people import gap_text, profile
from adapter.redbag.context import Json, TransferContext
from adapter.redbag.elements import absent, coding, compact, concept, ext, ident, input_code
from adapter.redbag.narrative import div, para, table, text


def admission_source(summary: Json) -> tuple[str, str, str]:
    """UK Core source of admission (England) for the care home's operator (independent by default)."""
    code, display = vocab.CARE_HOME_OPERATOR[summary["careHome"].get("operator", "independent")]
    return (vocab.UKCORE_ADMIT_SOURCE, code, display)


def add_encounter(ctx: TransferContext, loc_ref: Json, hospital_ref: Json) -> Json:
    """The emergency transfer Encounter: from the care home (origin) to the hospital (service provider)."""
    s, t = ctx.summary, ctx.summary["transfer"]
    rid = ctx.encounter_id
    reason = concept(input_code(t["reasonCode"]) if t.get("reasonCode") else None, t["reason"])
    story = [
        para(t["reason"], "Reason for transfer"),
        para(t["departedAt"], "Left the care home"),
        para(f"{t['destination']['name']} ({t['destination']['odsCode']})", "Going to"),
    ]
    return ctx.add_scoped(
        {
            "resourceType": "Encounter",
            "id": rid,
            "meta": profile("RedBagTransferEncounter"),
            "text": text(div(*story)),
            "identifier": [ctx.resource_identifier(rid), ident(vocab.ID_BAG_NUMBER, s["bagNumber"])],
            "status": "in-progress",
            "class": coding(vocab.ENCOUNTER_EMERGENCY),
            "subject": ctx.patient_ref(),
            "period": {"start": t["departedAt"]},
            "reasonCode": [reason],
            "hospitalization": {"origin": loc_ref, "admitSource": concept(admission_source(s))},
            "serviceProvider": hospital_ref,
        }
    )


def add_resuscitation(ctx: TransferContext) -> Json:
    """The resuscitation decision as a Flag (SNOMED CT 450476008 DNACPR / 450475007 for CPR)."""
    r = ctx.summary.get("resuscitation") or {}
    decision = r.get("decision") or "not-recorded"
    code = vocab.RESUSCITATION[decision]
    rid = ctx.scoped_id("Flag", "resuscitation")
    decided = decision in ("dnacpr", "for-cpr")
    shown = code[2].upper() if decision == "dnacpr" else code[2]
    story = [para(shown if decided else gap_text(ctx.summary, "Resuscitation decision"), "Decision")]
    if decided or r.get("recordedAt"):
        story.append(para(r.get("recordedAt") or gap_text(ctx.summary, "Date"), "Recorded"))
    if r.get("documentLocation"):
        story.append(para(r["documentLocation"], "Signed form kept"))
    return ctx.add_scoped(
        compact(
            {
                "resourceType": "Flag",
                "id": rid,
                "meta": profile("RedBagResuscitationDecision"),
                "text": text(div(*story)),
                "extension": [ext(vocab.EXT_RESUS_DOCUMENT, valueString=r["documentLocation"])]
                if r.get("documentLocation")
                else None,
                "identifier": [ctx.resource_identifier(rid)],
                "status": "active",
                "code": concept(code),
                "subject": ctx.patient_ref(),
                # A decision without its date travels with the gap marked (hazard H4).
                "period": {"start": r["recordedAt"]}
                if r.get("recordedAt")
                else ({"_start": absent()} if decided else None),
            }
        )
    )


#: Who consented, when it was a lasting power of attorney holder not recorded among the contacts.
LPA_NOT_RECORDED = "Lasting power of attorney holder (NOT RECORDED among the contacts)"


def add_consent(ctx: TransferContext, org_ref: Json, contact_refs: list[Json]) -> Json | None:
    """Consent to share the red bag: who agreed (resident, LPA holder, or best-interest decision).

    None when the summary does not record it (its section then says so)."""
    c = ctx.summary.get("consentToShare")
    if c is None:
        return None
    if c["by"] == "resident":
        performer = ctx.patient_ref()
    elif c["by"] == "lpa":
        contacts = ctx.summary.get("contacts") or []
        lpa = next((i for i, p in enumerate(contacts) if p.get("lastingPowerOfAttorney")), None)
        # The holder not recorded among the contacts: named by role only, the gap said (issue 13).
        performer = contact_refs[lpa] if lpa is not None else {"display": LPA_NOT_RECORDED}
    else:
        performer = org_ref
    rid = ctx.scoped_id("Consent", "share")
    agreed = "given" if c["given"] else "refused"
    by = {
        "resident": "the resident",
        "lpa": "lasting power of attorney",
        "best-interest": "best-interest decision",
    }[c["by"]]
    return ctx.add_scoped(
        {
            "resourceType": "Consent",
            "id": rid,
            "meta": profile("RedBagConsent"),
            "text": text(div(para(f"Consent to share {agreed}, by {by}"))),
            "identifier": [ctx.resource_identifier(rid)],
            "status": "active",
            "scope": concept((vocab.CONSENT_SCOPE, "patient-privacy", "Privacy Consent")),
            "category": [concept((vocab.CONSENT_CATEGORY_LOINC, "59284-0", "Patient Consent"))],
            "patient": ctx.patient_ref(),
            "dateTime": ctx.summary["createdAt"],
            "performer": [performer],
            "policyRule": concept(
                (
                    vocab.V3_ACT_CODE,
                    "OPTIN" if c["given"] else "OPTOUT",
                    "opt-in" if c["given"] else "opt-out",
                )
            ),
            "provision": {"type": "permit" if c["given"] else "deny"},
        }
    )


def belonging_extension(item: Json) -> Json:
    """The kind, quantity and note of one belonging (a complex extension on the List entry)."""
    parts = [
        ext(
            "kind",
            valueCoding=coding((vocab.RB_BELONGING_KIND, item["kind"], vocab.BELONGING_KINDS[item["kind"]])),
        ),
        ext("quantity", valueInteger=item["quantity"]),
    ]
    if item.get("note"):
        parts.append(ext("note", valueString=item["note"]))
    return ext(vocab.EXT_BELONGING, extension=parts)


def add_device(ctx: TransferContext, item: Json) -> Json:
    """An aid the resident needs (hearing aid, glasses, dentures, walking aid) as a Device."""
    rid = ctx.scoped_id("Device", item["item"].casefold())
    code = vocab.DEVICE_KINDS[item["kind"]]
    return ctx.add_scoped(
        compact(
            {
                "resourceType": "Device",
                "id": rid,
                "meta": profile("RedBagDevice"),
                "text": text(div(para(item["item"]), para(item["note"], "Note") if item.get("note") else "")),
                "identifier": [ctx.resource_identifier(rid)],
                "status": "active",
                "deviceName": [{"name": item["item"], "type": "user-friendly-name"}],
                "type": concept(code, vocab.BELONGING_KINDS[item["kind"]]),
                "patient": ctx.patient_ref(),
                "note": [{"text": item["note"]}] if item.get("note") else None,
            }
        )
    )


def belongings_narrative(
    items: list[Json], statuses: dict[str, str] | None = None, notes: dict[str, str] | None = None
) -> str:
    """The property checklist; with ``statuses`` (item -> returned/missing/retained) the return check,
    each status followed by its note (``notes``: item -> what the hospital said)."""
    if not items:
        return div(para("No belongings went with the resident."))
    headers = ["Item", "Kind", "Quantity", "Note"]
    if statuses is not None:
        headers.append("On return")
    rows = []
    for b in items:
        row = [b["item"], vocab.BELONGING_KINDS[b["kind"]], str(b["quantity"]), b.get("note")]
        if statuses is not None:
            status = vocab.BELONGING_STATUS[statuses[b["item"]]]
            status = status.upper() if statuses[b["item"]] == "missing" else status
            note = (notes or {}).get(b["item"])
            row.append(f"{status}: {note}" if note else status)
        rows.append(row)
    return div(table(headers, rows))


def add_belongings(
    ctx: TransferContext,
    *,
    key: str = "belongings",
    statuses: dict[str, str] | None = None,
    notes: dict[str, str] | None = None,
) -> Json:
    """The belongings List (snapshot, identified by the bag number): aids as Devices, the rest as display.

    With ``statuses`` it is the return reconciliation: every entry flagged returned / missing / retained.
    """
    s = ctx.summary
    entries = []
    packed = s.get("belongings")
    for item in packed or []:
        target = add_device(ctx, item) if item["kind"] in vocab.DEVICE_KINDS else {}
        entry: Json = {"extension": [belonging_extension(item)]}
        if statuses is not None:
            status = statuses[item["item"]]
            entry["flag"] = concept(
                (vocab.RB_BELONGING_STATUS, status, vocab.BELONGING_STATUS[status]),
                (notes or {}).get(item["item"]),
            )
        entry["item"] = {**target, "display": item["item"]}
        entries.append(entry)
    rid = ctx.scoped_id("List", key)
    returned = statuses is not None
    return ctx.add_scoped(
        compact(
            {
                "resourceType": "List",
                "id": rid,
                "meta": profile("RedBagBelongingsList"),
                "text": text(
                    belongings_narrative(packed, statuses, notes)
                    if packed is not None
                    else div(para(gap_text(s, "Belongings:")))
                ),
                "identifier": [ctx.resource_identifier(rid), ident(vocab.ID_BAG_NUMBER, s["bagNumber"])],
                "status": "current",
                "mode": "snapshot",
                "title": "Belongings returned" if returned else "Belongings",
                "code": concept((vocab.RB_SECTION, key, "Belongings returned" if returned else "Belongings")),
                "subject": ctx.patient_ref(),
                "date": s["createdAt"],
                "entry": entries or None,
                "emptyReason": (
                    concept((vocab.LIST_EMPTY_REASON, "nilknown", "Nil Known"))
                    if packed is not None
                    else concept((vocab.LIST_EMPTY_REASON, "notasked", "Not Asked"))
                )
                if not entries
                else None,
            }
        )
    )


def add_task(
    ctx: TransferContext,
    encounter_ref: Json,
    org_ref: Json,
    hospital_ref: Json,
    *,
    status: str = "requested",
    business_status: str = "packed",
    when: str | None = None,
) -> Json:
    """The transfer workflow Task: requested -> accepted -> in-progress -> completed."""
    rid = ctx.scoped_id("Task", "transfer")
    t = ctx.summary["transfer"]
    return ctx.add_scoped(
        compact(
            {
                "resourceType": "Task",
                "id": rid,
                "meta": profile("RedBagTransferTask"),
                "text": text(
                    div(
                        para(
                            f"Red bag {ctx.summary['bagNumber']}: "
                            f"{vocab.TASK_STATUS[business_status]} ({status})"
                        )
                    )
                ),
                "identifier": [
                    ctx.resource_identifier(rid),
                    ident(vocab.ID_BAG_NUMBER, ctx.summary["bagNumber"]),
                ],
                "status": status,
                "businessStatus": concept(
                    (vocab.RB_TASK_STATUS, business_status, vocab.TASK_STATUS[business_status])
                ),
                "intent": "order",
                "description": f"Hospital transfer with red bag {ctx.summary['bagNumber']}",
                "focus": encounter_ref,
                "for": ctx.patient_ref(),
                "encounter": encounter_ref,
                "executionPeriod": compact({"start": t["departedAt"], "end": when}),
                "authoredOn": ctx.summary["createdAt"],
                "lastModified": when or ctx.summary["createdAt"],
                "requester": org_ref,
                "owner": hospital_ref,
            }
        )
    )


def add_provenance(
    ctx: TransferContext,
    targets: list[Json],
    org_ref: Json,
    *,
    key: str = "packed",
    who: Json | None = None,
    recorded: str | None = None,
    activity: str = "packed",
) -> Json:
    """Who packed (or handed over, or received) the red bag, and when."""
    author = ctx.summary["author"]
    rid = ctx.scoped_id("Provenance", key)
    agent_who = who or {"display": author["name"]}
    return ctx.add(
        compact(
            {
                "resourceType": "Provenance",
                "id": rid,
                "meta": profile("RedBagProvenance"),
                "text": text(
                    div(
                        table(
                            ("Activity", "Who", "Role", "When"),
                            [
                                (
                                    activity,
                                    agent_who.get("display", ""),
                                    author["role"] if who is None else None,
                                    recorded or ctx.summary["createdAt"],
                                )
                            ],
                        )
                    )
                ),
                "target": targets,
                "recorded": recorded or ctx.summary["createdAt"],
                "activity": concept(text=activity),
                "agent": [
                    compact(
                        {
                            "type": concept((vocab.PROVENANCE_PARTICIPANT, "author", "Author")),
                            "role": [concept(text=author["role"])] if who is None else None,
                            "who": agent_who,
                            "onBehalfOf": org_ref,
                        }
                    )
                ],
            }
        ),
        "put",
    )
