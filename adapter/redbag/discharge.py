"""The return journey: a discharge, read against the summary that went out, -> FHIR R4.

The transfer Encounter is finished with its discharge disposition, medicines are updated (stopped,
started, dose changed), new diagnoses recorded, and the belongings reconciled item by item: an item that
went out and has no return status is flagged missing, never assumed returned (hazard H7).
"""

from __future__ import annotations

from adapter.redbag import vocab
from adapter.redbag.build_clinical import add_list, dosage, medication_line, occurrence_keys
from adapter.redbag.build_people import add_care_home, add_organization, add_patient, full_name, profile
from adapter.redbag.build_transfer import add_belongings, add_provenance, add_task, admission_source
from adapter.redbag.bundles import composition, document_bundle, section, transaction_bundle
from adapter.redbag.completeness import require_return_complete
from adapter.redbag.context import Json, TransferContext
from adapter.redbag.contract import discharge_warnings
from adapter.redbag.discharge_delay import delay_words, discharge_delay, readiness_extension
from adapter.redbag.elements import compact, concept, ext, ident, input_code
from adapter.redbag.narrative import bullets, div, para, table, text

UNREPORTED = "No return status was given for this item: treated as missing until found."


def reconcile_belongings(summary: Json, discharge: Json) -> tuple[dict[str, str], dict[str, str]]:
    """Item -> status (returned / missing / retained) and item -> note, for every item that went out."""
    reported = {b["item"].casefold(): b for b in discharge.get("belongingsReturned") or []}
    statuses, notes = {}, {}
    for item in summary.get("belongings") or []:
        back = reported.get(item["item"].casefold())
        statuses[item["item"]] = back["status"] if back else "missing"
        note = back.get("note") if back else UNREPORTED
        if note:
            notes[item["item"]] = note
    return statuses, notes


def _medications_after(
    ctx: TransferContext, discharge: Json, org_ref: Json
) -> tuple[list[Json], list[list[str]]]:
    """MedicationStatements after discharge: the outbound ones with changes applied, plus those started."""
    changes: dict[str, Json] = {}
    for change in discharge["medicationChanges"]:
        changes.setdefault(change["code"]["code"], change)
    refs, rows = [], []
    meds = ctx.summary.get("medications") or []
    started = [c for c in discharge["medicationChanges"] if c["change"] == "started"]
    plan = [(m, k, changes.get(m["code"]["code"])) for m, k in zip(meds, occurrence_keys(meds), strict=True)]
    plan += [
        (
            {
                "code": c["code"],
                "dose": c.get("dose"),  # none given: marked not recorded, never made up
                "status": "active",
                "timeCritical": False,
                "sentInBag": False,
            },
            f"started:{k}",
            c,
        )
        for c, k in zip(started, occurrence_keys(started), strict=True)
    ]
    for med, key, change in plan:
        if change and change["change"] == "started" and not key.startswith("started:"):
            change = None  # the same medicine restarted is a new statement; the old one stays as it was
        kind = change["change"] if change else "unchanged"
        status = "stopped" if kind == "stopped" else med["status"]
        after = {**med, "dose": change["dose"]} if change and change.get("dose") else med
        dose_shown = after.get("dose") or "not recorded"
        sid = ctx.scoped_id("MedicationStatement", key)
        extensions = [
            ext(vocab.EXT_TIME_CRITICAL, valueBoolean=med["timeCritical"]),
            ext(vocab.EXT_SENT_IN_BAG, valueBoolean=med["sentInBag"]),
            ext(vocab.EXT_MEDICATION_CHANGE, valueCode=kind),
        ]
        reason = change["reason"] if change else None
        refs.append(
            ctx.add_scoped(
                compact(
                    {
                        "resourceType": "MedicationStatement",
                        "id": sid,
                        "meta": profile("RedBagMedicationStatement"),
                        "text": text(
                            div(
                                para(medication_line(after)),
                                para(vocab.MEDICATION_CHANGES[kind], "On discharge"),
                                para(reason, "Reason") if reason else "",
                            )
                        ),
                        "extension": extensions,
                        "identifier": [ctx.resource_identifier(sid)],
                        "status": status,
                        "statusReason": [concept(text=reason)] if reason else None,
                        "medicationCodeableConcept": concept(input_code(med["code"])),
                        "subject": ctx.patient_ref(),
                        "dateAsserted": discharge["dischargedAt"],
                        "informationSource": org_ref,
                        "dosage": [dosage(after)],
                    }
                )
            )
        )
        rows.append([med["code"]["display"], vocab.MEDICATION_CHANGES[kind], dose_shown, reason or ""])
    return refs, rows


def _diagnoses(ctx: TransferContext, discharge: Json) -> list[Json]:
    refs = []
    items = discharge.get("diagnoses") or []
    for item, key in zip(items, occurrence_keys(items), strict=True):
        rid = ctx.scoped_id("Condition", f"diagnosis:{key}")
        refs.append(
            ctx.add_scoped(
                {
                    "resourceType": "Condition",
                    "id": rid,
                    "meta": profile("RedBagCondition"),
                    "text": text(
                        div(para(f"{item['code']['display']} ({item['status']})", "Diagnosed in hospital"))
                    ),
                    "identifier": [ctx.resource_identifier(rid)],
                    "clinicalStatus": concept(
                        (vocab.CONDITION_CLINICAL, item["status"], item["status"].capitalize())
                    ),
                    "verificationStatus": concept((vocab.CONDITION_VERIFICATION, "confirmed", "Confirmed")),
                    "category": [
                        concept((vocab.CONDITION_CATEGORY, "encounter-diagnosis", "Encounter Diagnosis"))
                    ],
                    "code": concept(input_code(item["code"])),
                    "subject": ctx.patient_ref(),
                    "encounter": ctx.encounter_ref(),
                    "recordedDate": discharge["dischargedAt"],
                }
            )
        )
    return refs


def _follow_up(ctx: TransferContext, discharge: Json, hospital_ref: Json, org_ref: Json) -> list[Json]:
    refs = []
    for i, action in enumerate(discharge.get("followUp") or []):
        rid = ctx.scoped_id("Task", f"follow-up:{i}")
        refs.append(
            ctx.add_scoped(
                {
                    "resourceType": "Task",
                    "id": rid,
                    "meta": profile("RedBagFollowUpTask"),
                    "text": text(div(para(action, "Follow-up"))),
                    "identifier": [ctx.resource_identifier(rid)],
                    "status": "requested",
                    "intent": "plan",
                    "description": action,
                    "for": ctx.patient_ref(),
                    "encounter": ctx.encounter_ref(),
                    "authoredOn": discharge["dischargedAt"],
                    "requester": hospital_ref,
                    "owner": org_ref,
                }
            )
        )
    return refs


def _finished_encounter(ctx: TransferContext, discharge: Json, loc_ref: Json, hospital_ref: Json) -> Json:
    s, t = ctx.summary, ctx.summary["transfer"]
    dest = discharge["dischargeDestination"]
    home = dest["odsCode"] == s["careHome"]["odsCode"]
    _, code, display = admission_source(s)
    disposition = concept(
        (vocab.UKCORE_DISCHARGE_DEST, code, display) if home else None, f"{dest['name']} ({dest['odsCode']})"
    )
    rid = ctx.encounter_id
    reason = concept(input_code(t["reasonCode"]) if t.get("reasonCode") else None, t["reason"])
    ready = discharge.get("dischargeReadyDate")
    delay = discharge_delay(ready, discharge["dischargedAt"]) if ready else None
    return ctx.add_scoped(
        compact(
            {
                "resourceType": "Encounter",
                "id": rid,
                "meta": profile("RedBagTransferEncounter"),
                "text": text(
                    div(
                        para(t["reason"], "Reason for transfer"),
                        para(t["departedAt"], "Left the care home"),
                        para(discharge["dischargedAt"], "Discharged"),
                        para(f"{dest['name']} ({dest['odsCode']})", "Discharged to"),
                        para(f"{ready}, {delay_words(delay)}", "Discharge ready date") if delay else "",
                    )
                ),
                "extension": [readiness_extension(delay.ready_date, delay.days)]
                if delay and delay.ready_date
                else None,
                "identifier": [ctx.resource_identifier(rid), ident(vocab.ID_BAG_NUMBER, s["bagNumber"])],
                "status": "finished",
                "class": {
                    "system": vocab.ENCOUNTER_EMERGENCY[0],
                    "code": vocab.ENCOUNTER_EMERGENCY[1],
                    "display": vocab.ENCOUNTER_EMERGENCY[2],
                },
                "subject": ctx.patient_ref(),
                "period": {"start": t["departedAt"], "end": discharge["dischargedAt"]},
                "reasonCode": [reason],
                "hospitalization": compact(
                    {
                        "origin": loc_ref,
                        "admitSource": concept(admission_source(s)),
                        "destination": loc_ref if home else None,
                        "dischargeDisposition": disposition,
                    }
                ),
                "serviceProvider": hospital_ref,
            }
        )
    )


def build_return_bundles(summary: Json, discharge: Json) -> tuple[Json, Json]:
    """A checked summary and its checked discharge -> (document Bundle, transaction Bundle)."""
    ctx = TransferContext(summary)
    org_ref, loc_ref = add_care_home(ctx)
    hospital = summary["transfer"]["destination"]
    hospital_ref = add_organization(ctx, hospital["odsCode"], hospital["name"])
    dest = discharge["dischargeDestination"]
    if dest["odsCode"] != summary["careHome"]["odsCode"]:
        add_organization(ctx, dest["odsCode"], dest["name"])
    patient_ref = add_patient(ctx)
    encounter_ref = _finished_encounter(ctx, discharge, loc_ref, hospital_ref)
    med_refs, med_rows = _medications_after(ctx, discharge, hospital_ref)
    med_table = div(table(("Medicine", "Change", "Dose", "Reason"), med_rows))
    med_list = add_list(
        ctx,
        "medications",
        vocab.LIST_MEDICATIONS,
        "Medications on discharge",
        med_refs,
        med_table,
        profile_name="RedBagMedicationList",
        empty_reason=(vocab.LIST_EMPTY_REASON, "nilknown", "Nil Known"),
    )
    diagnosis_refs = _diagnoses(ctx, discharge)
    follow_refs = _follow_up(ctx, discharge, hospital_ref, org_ref)
    statuses, notes = reconcile_belongings(summary, discharge)
    belongings_ref = add_belongings(ctx, key="belongings-returned", statuses=statuses, notes=notes)
    task_ref = add_task(
        ctx,
        encounter_ref,
        org_ref,
        hospital_ref,
        status="completed",
        business_status="returned",
        when=discharge["dischargedAt"],
    )
    add_provenance(
        ctx,
        [encounter_ref, patient_ref],
        hospital_ref,
        key="returned",
        who=hospital_ref,
        recorded=discharge["dischargedAt"],
        activity="discharged",
    )

    missing = [item for item, status in statuses.items() if status == "missing"]
    discharge_story = [
        para(discharge["dischargeSummary"], "Discharge summary"),
        para(discharge["dischargedAt"], "Discharged"),
        para(f"{dest['name']} ({dest['odsCode']})", "Discharged to"),
    ]
    if missing:
        discharge_story.append(para(", ".join(missing), "MISSING BELONGINGS"))
    diagnoses = discharge.get("diagnoses") or []
    nil = (vocab.LIST_EMPTY_REASON, "nilknown", "Nil Known")
    belongings_div = ctx.narrative_of(belongings_ref)
    sections = [
        section("discharge", div(*discharge_story), [encounter_ref, task_ref]),
        section("medication-changes", med_table, [med_list]),
        section(
            "diagnoses",
            div(table(("Diagnosis", "Status"), [(d["code"]["display"], d["status"]) for d in diagnoses]))
            if diagnoses
            else div(para("No new diagnoses.")),
            diagnosis_refs,
            empty_reason=nil,
        ),
        section(
            "follow-up",
            div(bullets(discharge["followUp"]))
            if discharge.get("followUp")
            else div(para("No follow-up actions.")),
            follow_refs,
            empty_reason=nil,
        ),
        section("belongings-returned", belongings_div, [belongings_ref]),
    ]
    name = full_name(summary["resident"]["name"])
    comp = composition(
        ctx,
        sections,
        key="discharge",
        doc_type=vocab.DISCHARGE_SUMMARY,
        title=f"Red Bag return: discharge summary for {name}",
        date=discharge["dischargedAt"],
        author=hospital_ref,
        profile_name="RedBagDischargeComposition",
        gaps=discharge_warnings(discharge),
    )
    document = document_bundle(ctx, comp, key="discharge", timestamp=discharge["dischargedAt"])
    transaction = transaction_bundle(ctx, comp, key="discharge")
    require_return_complete(summary, discharge, document, transaction, statuses)
    return document, transaction
