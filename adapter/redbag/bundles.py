"""Resident summary -> FHIR R4 document Bundle and idempotent transaction Bundle.

The document is what travels and is read (Composition first, one section per part of the red bag); the
transaction is the same resources for pushing to a FHIR server, where every entry is conditional or keyed
on a deterministic id, so sending the same red bag twice creates nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence

from adapter.errors import Violation
from adapter.fhir.ids import stable_id
from adapter.redbag import vocab
from adapter.redbag.build_capabilities import add_capabilities, capabilities_narrative
from adapter.redbag.build_clinical import (
    NIL_KNOWN,
    NOT_ASKED,
    add_allergies,
    add_conditions,
    add_list,
    add_medications,
    add_notes,
    add_observations,
    allergies_narrative,
    conditions_narrative,
    medications_narrative,
    notes_narrative,
    observations_narrative,
)
from adapter.redbag.build_people import (
    NOT_RECORDED,
    add_care_home,
    add_contacts,
    add_organization,
    add_patient,
    ask_home,
    contacts_narrative,
    full_name,
    gap_text,
    profile,
)
from adapter.redbag.build_transfer import (
    add_belongings,
    add_consent,
    add_encounter,
    add_provenance,
    add_resuscitation,
    add_task,
)
from adapter.redbag.completeness import require_complete
from adapter.redbag.context import Entry, Json, TransferContext
from adapter.redbag.contract import summary_warnings
from adapter.redbag.elements import concept, ident
from adapter.redbag.narrative import bullets, div, para, text


def section(
    key: str, narrative: str, entries: Sequence[Json], *, empty_reason: tuple[str, str, str] | None = None
) -> Json:
    """A Composition section: coded title, narrative, entries (or why there are none)."""
    system, code, display, title = vocab.SECTIONS[key]
    out: Json = {"title": title, "code": concept((system, code, display)), "text": text(narrative)}
    if entries:
        out["entry"] = list(entries)
    elif empty_reason:
        out["emptyReason"] = concept(empty_reason)
    return out


def collect(summary: Json, *, relative: bool = False) -> tuple[TransferContext, list[Json]]:
    """Build every resource of the outbound red bag; return them with the Composition's sections.

    ``relative``: references as ``Type/id`` instead of ``urn:uuid`` (see :class:`TransferContext`).
    """
    ctx = TransferContext(summary, relative)
    s = summary
    org_ref, loc_ref = add_care_home(ctx)
    capabilities_ref = add_capabilities(ctx, org_ref, loc_ref)
    dest = s["transfer"]["destination"]
    hospital_ref = add_organization(ctx, dest["odsCode"], dest["name"])
    patient_ref = add_patient(ctx)  # adds the GP practice it refers to
    contact_refs = add_contacts(ctx)
    encounter_ref = add_encounter(ctx, loc_ref, hospital_ref)
    transfer_notes = add_notes(ctx, s["transfer"], vocab.TRANSFER_NOTES, "exam")
    resus_ref = add_resuscitation(ctx)
    allergy_refs = add_allergies(ctx)
    allergy_list = add_list(
        ctx,
        "allergies",
        vocab.LIST_ALLERGIES,
        "Allergies and adverse reactions",
        allergy_refs,
        allergies_narrative(s),
        profile_name="RedBagAllergyList",
        empty_reason=NOT_ASKED,  # neither allergies nor "no known allergies": not recorded
    )
    statements, doses = add_medications(ctx, org_ref)
    medication_list = add_list(
        ctx,
        "medications",
        vocab.LIST_MEDICATIONS,
        "Active medications",
        statements,
        medications_narrative(s),
        profile_name="RedBagMedicationList",
        empty_reason=NIL_KNOWN if "medications" in s else NOT_ASKED,
    )
    condition_refs = add_conditions(ctx)
    problem_list = add_list(
        ctx,
        "problems",
        vocab.LIST_PROBLEMS,
        "Problems",
        condition_refs,
        conditions_narrative(s.get("conditions") or []),
        profile_name="RedBagProblemList",
        empty_reason=NIL_KNOWN,
    )
    observation_refs = add_observations(ctx)
    baseline_refs = add_notes(ctx, s.get("baseline"), vocab.BASELINE_NOTES, "social-history")
    about_refs = add_notes(ctx, s.get("aboutMe"), vocab.ABOUT_ME_NOTES, "social-history")
    consent_ref = add_consent(ctx, org_ref, contact_refs)
    belongings_ref = add_belongings(ctx)
    task_ref = add_task(ctx, encounter_ref, org_ref, hospital_ref)
    add_provenance(ctx, [encounter_ref, patient_ref], org_ref)

    t = s["transfer"]
    transfer_story = [
        para(t["reason"], "Reason"),
        para(t["departedAt"], "Left the care home"),
        para(f"{t['destination']['name']} ({t['destination']['odsCode']})", "Going to"),
    ]
    transfer_story += [para(t[f], label) for f, (_, label) in vocab.TRANSFER_NOTES.items() if t.get(f)]
    sections = [
        # The Task is listed too: every resource of a document is reachable from its Composition (R4 3.3.1).
        section("transfer", div(*transfer_story), [encounter_ref, *transfer_notes, task_ref]),
        section("resuscitation", ctx.narrative_of(resus_ref), [resus_ref]),
        section("allergies", ctx.narrative_of(allergy_list), [allergy_list]),
        section("medications", ctx.narrative_of(medication_list), [medication_list, *doses]),
        section("problems", ctx.narrative_of(problem_list), [problem_list]),
        section(
            "observations",
            observations_narrative(s.get("observations") or []),
            observation_refs,
            empty_reason=NIL_KNOWN,
        ),
        section(
            "baseline",
            notes_narrative(s.get("baseline"), vocab.BASELINE_NOTES, gap_text(s, "When well:")),
            baseline_refs,
            empty_reason=NOT_ASKED,
        ),
        section(
            "about-me",
            notes_narrative(s.get("aboutMe"), vocab.ABOUT_ME_NOTES, "Nothing recorded."),
            about_refs,
            empty_reason=NIL_KNOWN,
        ),
        section(
            "contacts",
            div(contacts_narrative(s["contacts"]))
            if s.get("contacts")
            else div(para(gap_text(s, "Contacts:"))),
            contact_refs,
            empty_reason=NOT_ASKED,
        ),
        section(
            "consent",
            ctx.narrative_of(consent_ref) if consent_ref else div(para(gap_text(s, "Consent to share:"))),
            [consent_ref] if consent_ref else [],
            empty_reason=NOT_ASKED,
        ),
        section("belongings", ctx.narrative_of(belongings_ref), [belongings_ref]),
        section(
            "capabilities",
            capabilities_narrative(s["careHome"]),
            [capabilities_ref] if capabilities_ref else [],
            empty_reason=NOT_ASKED,
        ),
    ]
    return ctx, sections


def composition(
    ctx: TransferContext,
    sections: list[Json],
    *,
    key: str,
    doc_type: tuple[str, str, str],
    title: str,
    date: str,
    author: Json | None = None,
    profile_name: str = "RedBagComposition",
    gaps: Sequence[Violation] = (),
) -> Entry:
    """The Composition heading the document; author and custodian are the care home unless given.

    ``profile_name``: RedBagComposition (transfer summary) or RedBagDischargeComposition (return journey).
    ``gaps``: what the input did not record, listed at the head of the document for every reader.
    """
    s = ctx.summary
    rid = ctx.scoped_id("Composition", key)
    org_ref = author or ctx.organization_ref(ctx.ods, s["careHome"]["name"])
    name = full_name(s["resident"]["name"])
    resident_line = f"{name}, born {s['resident'].get('birthDate') or 'on a date not recorded'}"
    heading = [
        para(title),
        para(resident_line),
        para(date, "Completed"),
        para(f"{s['careHome']['name']}, bag {s['bagNumber']}"),
    ]
    if gaps:
        heading.append(
            para(f"{len(gaps)} item(s) not recorded in this red bag ({ask_home(s)})", NOT_RECORDED)
        )
        heading.append(bullets(g.message for g in gaps))
    comp = {
        "resourceType": "Composition",
        "id": rid,
        "meta": profile(profile_name),
        "text": text(div(*heading)),
        "identifier": ident(vocab.ID_RESOURCE, rid),
        "status": "final",
        "type": concept(doc_type),
        "subject": {"reference": ctx.patient_reference, "display": name},
        "encounter": ctx.encounter_ref(),
        "date": date,
        "author": [org_ref],
        "title": title,
        "custodian": org_ref,
        "section": sections,
    }
    return Entry(comp, "update", f"identifier={vocab.ID_RESOURCE}|{rid}")


def document_bundle(ctx: TransferContext, comp: Entry, *, key: str, timestamp: str) -> Json:
    """A FHIR document: Composition first, then every resource it gathers, all by ``urn:uuid`` fullUrl."""
    entries = [{"fullUrl": comp.full_url, "resource": comp.resource}]
    entries += [{"fullUrl": e.full_url, "resource": e.resource} for e in ctx.entries]
    return {
        "resourceType": "Bundle",
        "id": stable_id("Bundle", *ctx.transfer_key, key),
        "meta": profile("RedBagDocument"),
        "identifier": ident(vocab.ID_DOCUMENT, stable_id("Bundle", *ctx.transfer_key, key, "identifier")),
        "type": "document",
        "timestamp": timestamp,
        "entry": entries,
    }


def transaction_request(entry: Entry) -> Json:
    """The Bundle.entry.request that makes ``entry`` idempotent on a FHIR server."""
    rtype = entry.resource["resourceType"]
    if entry.method == "create":
        return {"method": "POST", "url": rtype, "ifNoneExist": entry.match}
    if entry.method == "update":
        return {"method": "PUT", "url": f"{rtype}?{entry.match}"}
    return {"method": "PUT", "url": f"{rtype}/{entry.resource['id']}"}


def transaction_bundle(ctx: TransferContext, comp: Entry, *, key: str) -> Json:
    """The same resources as a transaction: conditional create / conditional update / PUT by id."""
    entries = []
    for e in [*ctx.entries, comp]:
        resource = e.resource
        if e.method != "put":
            # The server assigns or resolves the id of a conditional entry; an id in the body could clash.
            resource = resource.copy()  # a shallow copy in C, then one deletion: keeps the key order
            del resource["id"]
        entries.append({"fullUrl": e.full_url, "resource": resource, "request": transaction_request(e)})
    return {
        "resourceType": "Bundle",
        "id": stable_id("Bundle", *ctx.transfer_key, key, "transaction"),
        "type": "transaction",
        "entry": entries,
    }


def _transfer(
    summary: Json, *, relative: bool = False, gaps: Sequence[Violation] | None = None
) -> tuple[TransferContext, Entry]:
    """Every resource of the outbound red bag, and the Composition that gathers them."""
    ctx, sections = collect(summary, relative=relative)
    name = full_name(summary["resident"]["name"])
    comp = composition(
        ctx,
        sections,
        key="transfer",
        doc_type=vocab.TRANSFER_SUMMARY,
        title=f"Red Bag transfer summary for {name}",
        date=summary["createdAt"],
        gaps=summary_warnings(summary) if gaps is None else gaps,
    )
    return ctx, comp


def build_bundles(summary: Json, *, gaps: Sequence[Violation] | None = None) -> tuple[Json, Json]:
    """A checked resident summary -> (document Bundle, transaction Bundle), deterministic to the byte.

    ``gaps``: the summary's warnings when the caller has them already (``assess_summary(s).warnings``);
    worked out again otherwise.
    """
    ctx, comp = _transfer(summary, gaps=gaps)
    document = document_bundle(ctx, comp, key="transfer", timestamp=summary["createdAt"])
    transaction = transaction_bundle(ctx, comp, key="transfer")
    require_complete(summary, document, transaction)
    return document, transaction


def build_document(summary: Json, *, relative: bool = False, gaps: Sequence[Violation] | None = None) -> Json:
    """The document Bundle alone, as :func:`build_bundles` makes it (for outputs that send no transaction).

    ``relative``: every reference is ``Type/id`` rather than ``urn:uuid``, for outputs that write each
    resource on its own (NDJSON). Such a Bundle is only a carrier: its fullUrls stay ``urn:uuid``, which
    FHIR would not resolve those references against. It is checked complete like any other.
    """
    ctx, comp = _transfer(summary, relative=relative, gaps=gaps)
    document = document_bundle(ctx, comp, key="transfer", timestamp=summary["createdAt"])
    require_complete(summary, document)
    return document
