"""What is wrong and what is given: Conditions, medicines and last doses, allergies, observations, notes,
and the Lists that gather them."""

from __future__ import annotations

from collections.abc import Sequence

from adapter.redbag import vocab
from adapter.redbag.build_people import gap_text, profile
from adapter.redbag.context import Json, TransferContext
from adapter.redbag.elements import absent, compact, concept, ext, input_code
from adapter.redbag.narrative import div, para, quantity, table, text


def occurrence_keys(items: Sequence[Json], key_of: str = "code") -> list[str]:
    """Stable per-item keys: the item's code plus its rank among items with the same code.

    Keys do not shift when unrelated items are added or removed, so ids stay stable across re-sends.
    """
    seen: dict[str, int] = {}
    out = []
    for item in items:
        value = item[key_of]
        base = value["code"] if isinstance(value, dict) else str(value)
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.append(f"{base}#{n}")
    return out


def add_conditions(ctx: TransferContext) -> list[Json]:
    """Conditions on the problem list (SNOMED CT)."""
    refs = []
    items = ctx.summary.get("conditions") or []
    for item, key in zip(items, occurrence_keys(items), strict=True):
        rid = ctx.scoped_id("Condition", key)
        status = item["status"]
        story = [para(f"{item['code']['display']} ({status})")]
        if item.get("onset"):
            story.append(para(item["onset"], "Since"))
        if item.get("note"):
            story.append(para(item["note"], "Note"))
        refs.append(
            ctx.add_scoped(
                compact(
                    {
                        "resourceType": "Condition",
                        "id": rid,
                        "meta": profile("RedBagCondition"),
                        "text": text(div(*story)),
                        "identifier": [ctx.resource_identifier(rid)],
                        "clinicalStatus": concept((vocab.CONDITION_CLINICAL, status, status.capitalize())),
                        "verificationStatus": concept(
                            (vocab.CONDITION_VERIFICATION, "confirmed", "Confirmed")
                        ),
                        "category": [
                            concept((vocab.CONDITION_CATEGORY, "problem-list-item", "Problem List Item"))
                        ],
                        "code": concept(input_code(item["code"])),
                        "subject": ctx.patient_ref(),
                        "onsetDateTime": item.get("onset"),
                        "recordedDate": ctx.summary["createdAt"],
                        "note": [{"text": item["note"]}] if item.get("note") else None,
                    }
                )
            )
        )
    return refs


def dosage(med: Json) -> Json:
    """Dose, route and frequency, each in its own element so none is lost (a dose not recorded is marked)."""
    return compact(
        {
            "text": med.get("dose"),
            "_text": None if med.get("dose") else absent(),
            "timing": {"code": {"text": med["frequency"]}} if med.get("frequency") else None,
            "route": {"text": med["route"]} if med.get("route") else None,
        }
    )


def medication_line(med: Json) -> str:
    """One medicine as people write it: name, dose, route, frequency."""
    parts = [
        med["code"]["display"],
        med.get("dose") or "dose not recorded",
        med.get("route"),
        med.get("frequency"),
    ]
    return ", ".join(p for p in parts if p)


def add_medications(ctx: TransferContext, org_ref: Json) -> tuple[list[Json], list[Json]]:
    """A MedicationStatement per medicine and a MedicationAdministration for each last dose given."""
    statements, doses = [], []
    items = ctx.summary.get("medications") or []
    for med, key in zip(items, occurrence_keys(items), strict=True):
        sid = ctx.scoped_id("MedicationStatement", key)
        flags = []
        if med["timeCritical"]:
            flags.append("TIME-CRITICAL")
        if med["sentInBag"]:
            flags.append("sent in bag")
        story = [para(medication_line(med)), para(med["status"], "Status")]
        if flags:
            story.append(para(", ".join(flags)))
        last_dose = med.get("lastDoseGiven")
        dose_gap = med["timeCritical"] and not last_dose  # a gap marked in the FHIR, never a silent loss (H2)
        if last_dose or dose_gap:
            story.append(para(last_dose or gap_text(ctx.summary), "Last dose given"))
        statement_ref = ctx.add_scoped(
            {
                "resourceType": "MedicationStatement",
                "id": sid,
                "meta": profile("RedBagMedicationStatement"),
                "text": text(div(*story)),
                "extension": [
                    ext(vocab.EXT_TIME_CRITICAL, valueBoolean=med["timeCritical"]),
                    ext(vocab.EXT_SENT_IN_BAG, valueBoolean=med["sentInBag"]),
                ],
                "identifier": [ctx.resource_identifier(sid)],
                "status": med["status"],
                "medicationCodeableConcept": concept(input_code(med["code"])),
                "subject": ctx.patient_ref(),
                "dateAsserted": ctx.summary["createdAt"],
                "informationSource": org_ref,
                "dosage": [dosage(med)],
            }
        )
        statements.append(statement_ref)
        if last_dose or dose_gap:
            aid = ctx.scoped_id("MedicationAdministration", key)
            given = f"given at {last_dose}" if last_dose else f"given: time {gap_text(ctx.summary).lower()}"
            doses.append(
                ctx.add_scoped(
                    compact(
                        {
                            "resourceType": "MedicationAdministration",
                            "id": aid,
                            "meta": profile("RedBagLastDose"),
                            "text": text(div(para(f"Last dose of {medication_line(med)} {given}"))),
                            "identifier": [ctx.resource_identifier(aid)],
                            # Time not recorded: whether and when a dose was given is unknown.
                            "status": "completed" if last_dose else "unknown",
                            "medicationCodeableConcept": concept(input_code(med["code"])),
                            "subject": ctx.patient_ref(),
                            "supportingInformation": [statement_ref],
                            "effectiveDateTime": last_dose,
                            # effective[x] is 1..1: a time not recorded is a Period that only says so
                            # (parses in every library, unlike a value-less _effectiveDateTime).
                            "effectivePeriod": None if last_dose else absent(),
                            # No performer: R4 allows no Organization there; the care home is the
                            # statement's informationSource. The dose is free text, so dosage.dose
                            # says "as text" (mad-1 needs dose or rate).
                            "dosage": compact(
                                {
                                    "text": med.get("dose"),
                                    "_text": None if med.get("dose") else absent(),
                                    "route": {"text": med["route"]} if med.get("route") else None,
                                    "dose": {"extension": [ext(vocab.EXT_DATA_ABSENT, valueCode="as-text")]},
                                }
                            ),
                        }
                    )
                )
            )
    return statements, doses


def add_allergies(ctx: TransferContext) -> list[Json]:
    """AllergyIntolerances; "no known allergies" is one entry coded SNOMED CT 716186003."""
    s = ctx.summary
    refs = []
    if s.get("noKnownAllergies"):
        rid = ctx.scoped_id("AllergyIntolerance", "no-known-allergy")
        refs.append(
            ctx.add_scoped(
                {
                    "resourceType": "AllergyIntolerance",
                    "id": rid,
                    "meta": profile("RedBagAllergyIntolerance"),
                    "text": text(div(para("No known allergies"))),
                    "identifier": [ctx.resource_identifier(rid)],
                    "clinicalStatus": concept((vocab.ALLERGY_CLINICAL, "active", "Active")),
                    "verificationStatus": concept((vocab.ALLERGY_VERIFICATION, "confirmed", "Confirmed")),
                    "code": concept(vocab.NO_KNOWN_ALLERGY),
                    "patient": ctx.patient_ref(),
                    "recordedDate": s["createdAt"],
                }
            )
        )
        return refs
    items = s.get("allergies") or []
    for item, key in zip(items, occurrence_keys(items), strict=True):
        rid = ctx.scoped_id("AllergyIntolerance", key)
        reaction = None
        if item.get("reaction") or item.get("severity"):
            manifestation = (
                concept(text=item["reaction"])
                if item.get("reaction")
                else {"extension": [ext(vocab.EXT_DATA_ABSENT, valueCode="unknown")]}
            )
            reaction = [compact({"manifestation": [manifestation], "severity": item.get("severity")})]
        category = item.get("category") or "category not recorded"
        criticality = item.get("criticality") or gap_text(s)
        story = [para(f"{item['code']['display']} ({category}, criticality {criticality})")]
        if item.get("reaction"):
            story.append(para(item["reaction"], "Reaction"))
        if item.get("severity"):
            story.append(para(item["severity"], "Severity"))
        refs.append(
            ctx.add_scoped(
                compact(
                    {
                        "resourceType": "AllergyIntolerance",
                        "id": rid,
                        "meta": profile("RedBagAllergyIntolerance"),
                        "text": text(div(*story)),
                        "identifier": [ctx.resource_identifier(rid)],
                        "clinicalStatus": concept((vocab.ALLERGY_CLINICAL, "active", "Active")),
                        "verificationStatus": concept((vocab.ALLERGY_VERIFICATION, "confirmed", "Confirmed")),
                        "category": [item["category"]] if item.get("category") else None,
                        # Not recorded: the binding is required, so the code's own "unable to assess"
                        # (a bare data-absent-reason is refused on a required code).
                        "criticality": item.get("criticality") or "unable-to-assess",
                        "code": concept(input_code(item["code"])),
                        "patient": ctx.patient_ref(),
                        "recordedDate": s["createdAt"],
                        "reaction": reaction,
                    }
                )
            )
        )
    return refs


def add_notes(
    ctx: TransferContext, source: Json | None, codes: dict[str, tuple[str, str]], category: str
) -> list[Json]:
    """Free-text notes (baseline, about me, symptoms, actions taken) as Observations with local codes."""
    if not source:
        return []
    refs = []
    category_code = (vocab.OBSERVATION_CATEGORY, category, category.replace("-", " ").title())
    for field, (code, display) in codes.items():
        value = source.get(field)
        if not value:
            continue
        rid = ctx.scoped_id("Observation", code)
        refs.append(
            ctx.add_scoped(
                {
                    "resourceType": "Observation",
                    "id": rid,
                    "meta": profile("RedBagNote"),
                    "text": text(div(para(value, display))),
                    "identifier": [ctx.resource_identifier(rid)],
                    "status": "final",
                    "category": [concept(category_code)],
                    "code": concept((vocab.RB_NOTE, code, display)),
                    "subject": ctx.patient_ref(),
                    "effectiveDateTime": ctx.summary["createdAt"],
                    "valueString": value,
                }
            )
        )
    return refs


def add_list(
    ctx: TransferContext,
    key: str,
    code: tuple[str, str, str],
    title: str,
    items: list[Json],
    narrative: str,
    *,
    profile_name: str,
    empty_reason: tuple[str, str, str] | None = None,
) -> Json:
    """A snapshot List of ``items`` (an empty list carries ``emptyReason``)."""
    rid = ctx.scoped_id("List", key)
    return ctx.add_scoped(
        compact(
            {
                "resourceType": "List",
                "id": rid,
                "meta": profile(profile_name),
                "text": text(narrative),
                "identifier": [ctx.resource_identifier(rid)],
                "status": "current",
                "mode": "snapshot",
                "title": title,
                "code": concept(code),
                "subject": ctx.patient_ref(),
                "date": ctx.summary["createdAt"],
                "entry": [{"item": ref} for ref in items] or None,
                "emptyReason": concept(empty_reason) if not items and empty_reason else None,
            }
        )
    )


NIL_KNOWN = (vocab.LIST_EMPTY_REASON, "nilknown", "Nil Known")
#: The emptyReason of a list the input did not record at all (a gap, never "none").
NOT_ASKED = (vocab.LIST_EMPTY_REASON, "notasked", "Not Asked")


def conditions_narrative(items: list[Json]) -> str:
    """Conditions table for the problems section."""
    if not items:
        return div(para("No conditions recorded."))
    return div(
        table(
            ("Condition", "Status", "Since", "Note"),
            [(c["code"]["display"], c["status"], c.get("onset"), c.get("note")) for c in items],
        )
    )


def medications_narrative(summary: Json) -> str:
    """Medicines table, time-critical medicines first so nobody misses them; gaps said beside each item."""
    items = summary.get("medications")
    if items is None:
        return div(para(gap_text(summary, "Medicines:")))
    if not items:
        return div(para("No current medicines."))
    ordered = sorted(items, key=lambda m: not m["timeCritical"])
    return div(
        table(
            (
                "Medicine",
                "Dose",
                "Route",
                "Frequency",
                "Status",
                "Time-critical",
                "Last dose given",
                "In bag",
            ),
            [
                (
                    m["code"]["display"],
                    m.get("dose") or gap_text(summary),
                    m.get("route"),
                    m.get("frequency"),
                    m["status"],
                    "YES" if m["timeCritical"] else "no",
                    m.get("lastDoseGiven") or (gap_text(summary) if m["timeCritical"] else None),
                    "yes" if m["sentInBag"] else "no",
                )
                for m in ordered
            ],
        )
    )


def allergies_narrative(summary: Json) -> str:
    """Allergies table, or the plain statement that there are none known."""
    if summary.get("noKnownAllergies"):
        return div(para("No known allergies."))
    if not summary.get("allergies"):
        return div(para(gap_text(summary, "Allergies:")))
    return div(
        table(
            ("Allergy", "Category", "Criticality", "Reaction", "Severity"),
            [
                (
                    a["code"]["display"],
                    a.get("category") or "not recorded",
                    a.get("criticality") or gap_text(summary),
                    a.get("reaction"),
                    a.get("severity"),
                )
                for a in summary["allergies"]
            ],
        )
    )


def notes_narrative(source: Json | None, codes: dict[str, tuple[str, str]], empty: str) -> str:
    """Labelled paragraphs of free-text notes."""
    blocks = [para(source[f], label) for f, (_, label) in codes.items() if source and source.get(f)]
    return div(*blocks) if blocks else div(para(empty))


def observations_narrative(items: list[Json]) -> str:
    """Observations table."""
    if not items:
        return div(para("No observations recorded."))
    return div(
        table(
            ("Observation", "Value", "Taken at"),
            [(o["code"]["display"], quantity(o["value"], o.get("unit")), o["takenAt"]) for o in items],
        )
    )
