"""A checked resident summary (and optionally its checked discharge) -> the transfer form.

The summary is read in its canonical form (:func:`adapter.redbag.normalise_summary`), the form a
document reads back as, so a summary and its document give the same page, gaps included: a field that
travels absent is ``None`` on the form, and so is a code that only says "not known" (gender ``unknown``,
criticality ``unable-to-assess``, decision ``not-recorded``).
"""

from __future__ import annotations

from typing import Any

from adapter.redbag import capabilities, normalise_summary, reconcile_belongings, vocab
from adapter.redbag.build_people import ask_home, full_name, gap_text
from adapter.redbag.dates import precision
from adapter.redbag.discharge_delay import delay_words, discharge_delay
from adapter.redbag.narrative import nhs_number, quantity, when
from adapter.render.form import (
    Allergy,
    Belonging,
    CanManage,
    CareHome,
    Condition,
    Contact,
    Labelled,
    MedicationChange,
    Medicine,
    Observation,
    Outbound,
    Resident,
    Resuscitation,
    ReturnJourney,
    TransferForm,
)

Json = dict[str, Any]

#: Languages most often met in English care homes; anything else shows its BCP 47 tag.
LANGUAGES = {
    "en": "English", "cy": "Welsh", "pl": "Polish", "ur": "Urdu", "pa": "Punjabi", "bn": "Bengali",
    "gu": "Gujarati", "hi": "Hindi", "ar": "Arabic", "ro": "Romanian", "pt": "Portuguese", "es": "Spanish",
    "it": "Italian", "fr": "French", "de": "German", "so": "Somali", "ta": "Tamil", "zh": "Chinese",
    "yue": "Cantonese", "tr": "Turkish", "lt": "Lithuanian", "fa": "Persian", "ku": "Kurdish", "ga": "Irish",
}  # fmt: skip
RESUSCITATION_HEADLINES = {
    "dnacpr": "DNACPR: do not attempt cardiopulmonary resuscitation",
    "for-cpr": "For attempted CPR",
}
#: A birth date known only in part: what of it is not recorded.
BORN_PARTLY = {"year": "Day and month", "month": "Day"}
CONSENT_BY = {
    "resident": "the resident",
    "lpa": "lasting power of attorney",
    "best-interest": "best interest",
}


def age_on(born: str, on: str) -> int | None:
    """Whole years from ``born`` (YYYY-MM-DD) to the date part of ``on``; None when either is partial."""
    if len(born) < 10 or len(on) < 10:
        return None
    years = int(on[:4]) - int(born[:4])
    return years - 1 if on[5:10] < born[5:10] else years


def language(tag: str | None) -> str | None:
    if not tag:
        return None
    return LANGUAGES.get(tag.split("-")[0].lower(), tag)


def resident(r: Json, on: str) -> Resident:
    """The resident header (identity, birth date with age on ``on``, language, GP)."""
    address = r.get("address") or {}
    parts = [*address.get("line", []), address.get("city"), address.get("postalCode")]
    born, gender = r.get("birthDate"), r.get("gender")
    return Resident(
        name=full_name(r["name"]),
        preferred=r["name"].get("preferred"),
        nhs_number=nhs_number(r["nhsNumber"]) if r.get("nhsNumber") else None,
        local_id=r.get("localId"),
        no_nhs_number_reason=vocab.NHS_UNAVAILABLE.get(r.get("nhsNumberUnavailableReason") or ""),
        born=when(born) if born else None,
        born_partly=BORN_PARTLY.get(precision(born)) if born else None,
        age=age_on(born, on) if born else None,
        gender=gender.capitalize() if gender and gender != "unknown" else None,
        language=language(r.get("language")),
        interpreter=bool(r.get("interpreterRequired")),
        gp=f"{r['gp']['name']} ({r['gp']['odsCode']})" if r.get("gp") else None,
        address=", ".join(p for p in parts if p) or None,
    )


def care_home(home: Json) -> CareHome:
    kind = "Nursing home" if home["type"] == "nursing" else "Residential home"
    return CareHome(home["name"], home["odsCode"], kind, home.get("phone"))


def _medicine(m: Json) -> Medicine:
    return Medicine(
        name=m["code"]["display"],
        dose=m.get("dose"),
        route=m.get("route"),
        frequency=m.get("frequency"),
        status=m["status"],
        time_critical=m["timeCritical"],
        last_dose=when(m["lastDoseGiven"]) if m.get("lastDoseGiven") else None,
        in_bag=m["sentInBag"],
    )


def _notes(source: Json | None, codes: dict[str, tuple[str, str]]) -> list[Labelled]:
    return [Labelled(label, (source or {}).get(f) or None) for f, (_, label) in codes.items()]


def _contact(c: Json) -> Contact:
    roles = [
        label
        for key, label in (("nextOfKin", "Next of kin"), ("lastingPowerOfAttorney", "LPA"))
        if c.get(key)
    ]
    return Contact(c["name"], c["relationship"], c.get("phone"), ", ".join(roles) or None)


def _allergy(a: Json) -> Allergy:
    criticality = a.get("criticality")
    return Allergy(
        a["code"]["display"],
        a.get("category"),
        criticality if criticality != "unable-to-assess" else None,
        a.get("reaction"),
        a.get("severity"),
    )


def _resuscitation(s: Json) -> Resuscitation:
    resus = s.get("resuscitation") or {"decision": "not-recorded"}
    decision = resus["decision"]
    return Resuscitation(
        decision=decision,
        headline=RESUSCITATION_HEADLINES.get(decision) or gap_text(s, "Resuscitation decision"),
        recorded=when(resus["recordedAt"]) if resus.get("recordedAt") else None,
        form_kept=resus.get("documentLocation"),
    )


def outbound(s: Json) -> Outbound:
    """The outbound part of the form from a checked summary in canonical form."""
    t = s["transfer"]
    medicines = s.get("medications")
    return Outbound(
        reason=t["reason"],
        symptoms=t.get("symptoms"),
        actions_taken=t.get("actionsTaken"),
        departed=when(t["departedAt"]),
        destination=f"{t['destination']['name']} ({t['destination']['odsCode']})",
        resuscitation=_resuscitation(s),
        no_known_allergies=bool(s.get("noKnownAllergies")),
        allergies=[_allergy(a) for a in s["allergies"]]
        if s.get("allergies")
        else ([] if s.get("noKnownAllergies") else None),
        medicines=sorted((_medicine(m) for m in medicines), key=lambda m: not m.time_critical)
        if medicines is not None
        else None,
        conditions=[
            Condition(
                c["code"]["display"], c["status"], when(c["onset"]) if c.get("onset") else None, c.get("note")
            )
            for c in s.get("conditions") or []
        ],
        observations=[
            Observation(o["code"]["display"], quantity(o["value"], o.get("unit")), when(o["takenAt"]))
            for o in s.get("observations") or []
        ],
        baseline=_notes(s["baseline"], vocab.BASELINE_NOTES) if s.get("baseline") else None,
        about_me=_notes(s.get("aboutMe"), vocab.ABOUT_ME_NOTES),
        contacts=[_contact(c) for c in s["contacts"]] if s.get("contacts") else None,
        consent=_consent(s),
        author=f"{s['author']['name']} ({s['author']['role']})" if s.get("author") else None,
        lpa_holder_missing=_lpa_holder_missing(s),
    )


def _lpa_holder_missing(s: Json) -> bool:
    return (s.get("consentToShare") or {}).get("by") == "lpa" and not any(
        c.get("lastingPowerOfAttorney") for c in s.get("contacts") or []
    )


def _consent(s: Json) -> str | None:
    consent = s.get("consentToShare")
    if consent is None:
        return None
    said = ("Given" if consent["given"] else "Refused") + f" by {CONSENT_BY[consent['by']]}"
    return f"{said} (who holds it: {gap_text(s)})" if _lpa_holder_missing(s) else said


def belongings(
    items: list[Json], statuses: dict[str, str] | None, notes: dict[str, str] | None
) -> list[Belonging]:
    """The property checklist; with ``statuses`` each item carries what happened to it on return."""
    return [
        Belonging(
            item=b["item"],
            kind=vocab.BELONGING_KINDS[b["kind"]],
            quantity=b["quantity"],
            note=b.get("note"),
            status=statuses[b["item"]] if statuses else None,
            return_note=(notes or {}).get(b["item"]),
        )
        for b in items
    ]


def can_manage(home: Json) -> CanManage | None:
    """What the care home can manage, worded for the form (None when it has not stated it)."""
    block = home.get("capabilities")
    if block is None:
        return None
    lists = [
        (title, [capabilities.display(c) for c in block[group]] if group in block else None)
        for group, title in capabilities.GROUP_TITLES.items()
    ]
    returns = block.get("returns")
    return CanManage(
        lists,
        "; ".join(capabilities.window_text(w) for w in returns) if returns else None,
        when(block["confirmedOn"]) if block.get("confirmedOn") else None,
    )


def ready_words(ready_date: str | None, discharged_at: str) -> str | None:
    """The Discharge Ready Date and the delay from it, as the form says them."""
    if ready_date is None:
        return None
    return f"{when(ready_date)}: {delay_words(discharge_delay(ready_date, discharged_at))}"


def return_journey(summary: Json, discharge: Json) -> ReturnJourney:
    """What changed in hospital, from a checked discharge of ``summary``'s red bag."""
    dest = discharge["dischargeDestination"]
    mentioned = {c["code"]["code"] for c in discharge["medicationChanges"]}
    went_out = summary.get("medications") or []
    dose_before = {m["code"]["code"]: m.get("dose") for m in went_out}
    return ReturnJourney(
        discharged=when(discharge["dischargedAt"]),
        destination=f"{dest['name']} ({dest['odsCode']})",
        summary=discharge["dischargeSummary"],
        changes=[
            MedicationChange(
                c["code"]["display"],
                c["change"],
                c.get("dose") or dose_before.get(c["code"]["code"]),
                c["reason"],
            )
            for c in discharge["medicationChanges"]
        ],
        diagnoses=[
            Condition(d["code"]["display"], d["status"], None, None) for d in discharge.get("diagnoses") or []
        ],
        follow_up=list(discharge.get("followUp") or []),
        unreported_medicines=[m["code"]["display"] for m in went_out if m["code"]["code"] not in mentioned],
        ready=ready_words(discharge.get("dischargeReadyDate"), discharge["dischargedAt"]),
    )


def summary_form(summary: Json, discharge: Json | None = None) -> TransferForm:
    """The whole form from a checked summary (and its checked discharge for a return journey)."""
    s = normalise_summary(summary)
    statuses, notes = reconcile_belongings(s, discharge) if discharge else (None, None)
    return TransferForm(
        bag_number=s["bagNumber"],
        completed=when(s["createdAt"]),
        care_home=care_home(s["careHome"]),
        resident=resident(s["resident"], s["createdAt"]),
        belongings=belongings(s["belongings"], statuses, notes) if "belongings" in s else None,
        not_recorded=gap_text(s),
        ask=ask_home(s),
        outbound=outbound(s),
        returned=return_journey(s, discharge) if discharge else None,
        can_manage=can_manage(s["careHome"]),
    )
