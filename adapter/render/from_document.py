"""Red-bag FHIR documents -> the transfer form.

The outbound document is read back into a resident summary (:func:`adapter.redbag.document_to_summary`,
lossless), so both inputs share one form builder. The return document (a discharge summary) is read
here: discharge Encounter, medication changes, new diagnoses, follow-up Tasks and the belongings
reconciled item by item.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from typing import Any

from adapter.errors import InputError
from adapter.fhir.narrative_rules import div_problems
from adapter.redbag import document_to_summary, vocab
from adapter.redbag.build_people import ask_home, gap_text
from adapter.redbag.narrative import XHTML_NS, when
from adapter.redbag.reading import DocumentReader
from adapter.redbag.reading import resident_from_patient as resident_json
from adapter.render.form import Belonging, Condition, MedicationChange, ReturnJourney, TransferForm
from adapter.render.from_summary import care_home, ready_words, resident, summary_form

Json = dict[str, Any]
_P, _B = f"{{{XHTML_NS}}}p", f"{{{XHTML_NS}}}b"


def is_return_document(document: Json) -> bool:
    """True for the return journey's document (its Composition is a discharge summary)."""
    entries = document.get("entry") or [{}]
    composition = entries[0].get("resource") or {}
    codes = {c.get("code") for c in (composition.get("type") or {}).get("coding") or []}
    return vocab.DISCHARGE_SUMMARY[1] in codes


def _coded(concept: Json | None) -> str | None:
    return next((c.get("code") for c in (concept or {}).get("coding") or []), None)


def _display(concept: Json | None) -> str:
    coding = (concept or {}).get("coding") or [{}]
    return str((concept or {}).get("text") or coding[0].get("display") or coding[0].get("code") or "")


def _ext(element: Json, url: str) -> Json:
    return next((e for e in element.get("extension") or [] if e.get("url") == url), {})


def _section(reader: DocumentReader, key: str) -> Json:
    code = vocab.SECTIONS[key][1]
    for s in reader.composition.get("section") or []:
        if _coded(s.get("code")) == code:
            return dict(s)
    raise InputError(f"the return document has no '{vocab.SECTIONS[key][3]}' section (code {code})")


def labelled_paragraph(div: str, label: str) -> str | None:
    """The text of the narrative paragraph that starts with ``<b>label:</b>`` (None when absent).

    The discharge summary is free text that the return document carries in its section narrative,
    the attested content of a FHIR document section.
    """
    if div_problems(div):  # only narrative valid under FHIR's rules is read (well-formed, no DTD)
        return None
    root = ET.fromstring(div)
    for p in root.iter(_P):
        head = p.find(_B)
        if head is not None and (head.text or "").rstrip(": ") == label:
            return (head.tail or "").strip() + "".join(
                ET.tostring(c, "unicode", method="text") for c in p[1:]
            )
    return None


def _returned_belongings(reader: DocumentReader) -> list[Belonging]:
    listed = reader.section("belongings-returned")
    out = []
    for entry in (listed[0].get("entry") or []) if listed else []:
        parts = {e["url"]: e for e in _ext(entry, vocab.EXT_BELONGING).get("extension") or []}
        kind = parts.get("kind", {}).get("valueCoding", {}).get("code", "other")
        flag = entry.get("flag") or {}
        out.append(
            Belonging(
                item=entry["item"]["display"],
                kind=vocab.BELONGING_KINDS.get(kind, kind),
                quantity=parts.get("quantity", {}).get("valueInteger", 1),
                note=parts.get("note", {}).get("valueString"),
                status=_coded(flag) or "missing",
                return_note=flag.get("text"),
            )
        )
    return out


def _return_journey(reader: DocumentReader) -> ReturnJourney:
    encounter = reader.resolve(reader.composition["encounter"])
    discharge = _section(reader, "discharge")
    changes, unreported = [], []
    for statement in reader.list_items("medication-changes"):
        change = _ext(statement, vocab.EXT_MEDICATION_CHANGE).get("valueCode", "unchanged")
        reason = _display((statement.get("statusReason") or [None])[0]) or None
        name = _display(statement["medicationCodeableConcept"])
        changes.append(
            MedicationChange(name, change, (statement.get("dosage") or [{}])[0].get("text"), reason)
        )
        if change == "unchanged" and not reason:  # every change the hospital reports carries its reason
            unreported.append(name)
    return ReturnJourney(
        discharged=when(encounter["period"]["end"]),
        destination=_display((encounter.get("hospitalization") or {}).get("dischargeDisposition")),
        summary=labelled_paragraph(discharge["text"]["div"], "Discharge summary"),
        changes=changes,
        diagnoses=[
            Condition(_display(c["code"]), _coded(c.get("clinicalStatus")) or "", None, None)
            for c in reader.section("diagnoses")
        ],
        follow_up=[t.get("description", "") for t in reader.section("follow-up")],
        unreported_medicines=unreported,
        ready=ready_words(_ready_date(encounter), encounter["period"]["end"]),
    )


def _ready_date(encounter: Json) -> str | None:
    """The Discharge Ready Date the finished Encounter carries (discharge-readiness extension)."""
    parts = _ext(encounter, vocab.EXT_DISCHARGE_READINESS).get("extension") or []
    return next((p.get("valueDate") for p in parts if p.get("url") == "readyDate"), None)


def _care_home(reader: DocumentReader, encounter: Json) -> Json:
    """The care home as the summary has it (``careHome``), from the transfer Encounter's origin."""
    location = reader.resolve(encounter["hospitalization"]["origin"])
    org = reader.resolve(location["managingOrganization"])
    ods = next(i["value"] for i in org.get("identifier") or [] if i.get("system") == vocab.ODS_ORGANIZATION)
    home_type = (
        "nursing" if _coded(location["type"][0]) == vocab.LOCATION_TYPE["nursing"][1] else "residential"
    )
    phone = next((t["value"] for t in org.get("telecom") or [] if t.get("system") == "phone"), None)
    return {"name": org["name"], "odsCode": ods, "type": home_type, "phone": phone}


def _bag_number(encounter: Json) -> str:
    return str(next(i["value"] for i in encounter["identifier"] if i.get("system") == vocab.ID_BAG_NUMBER))


def _resolvable_gp(reader: DocumentReader, patient: Json) -> Json:
    """``patient`` without GP references that the document does not hold (the return document omits
    the GP practice), so the header shows "GP: not recorded" rather than failing."""
    gps = []
    for gp in patient.get("generalPractitioner") or []:
        try:
            reader.resolve(gp)
        except InputError:
            continue
        gps.append(gp)
    return {**patient, "generalPractitioner": gps}


def return_only_form(document: Json) -> TransferForm:
    """The form from a return document alone: who, what changed, what is missing (no outbound part)."""
    reader = DocumentReader(document)
    encounter = reader.resolve(reader.composition["encounter"])
    patient = _resolvable_gp(reader, reader.resolve(reader.composition["subject"]))
    home = {"careHome": _care_home(reader, encounter)}
    return TransferForm(
        bag_number=_bag_number(encounter),
        completed=None,
        care_home=care_home(home["careHome"]),
        resident=resident(resident_json(patient, reader), encounter["period"]["end"]),
        belongings=_returned_belongings(reader),
        not_recorded=gap_text(home),
        ask=ask_home(home),
        returned=_return_journey(reader),
    )


def _merge(outbound: list[Belonging], returned: list[Belonging]) -> list[Belonging]:
    """Outbound items with their return status; an item the return does not mention is missing."""
    back = {b.item.casefold(): b for b in returned}
    merged = []
    for b in outbound:
        r = back.get(b.item.casefold())
        note = r.return_note if r else "Not on the hospital's return list: treated as missing until found."
        merged.append(Belonging(b.item, b.kind, b.quantity, b.note, r.status if r else "missing", note))
    return merged


def with_return(form: TransferForm, return_document: Json) -> TransferForm:
    """``form`` (the outbound red bag) completed with what its return document says."""
    if not is_return_document(return_document):
        raise InputError(
            "not a return document (its Composition is not a discharge summary, SNOMED CT 373942005)"
        )
    try:
        back = return_only_form(return_document)
    except (KeyError, IndexError, TypeError, StopIteration, ET.ParseError) as exc:
        raise InputError(f"not a red-bag return document ({type(exc).__name__}: {exc})") from exc
    if back.bag_number != form.bag_number:
        raise InputError(f"the return document is for bag {back.bag_number}, not {form.bag_number}")
    return replace(
        form,
        # Outbound belongings not recorded: what the hospital lists is shown as it is, never dropped.
        belongings=_merge(form.belongings, back.belongings or [])
        if form.belongings is not None
        else back.belongings or None,
        returned=back.returned,
    )


def outbound_summary(document: Json) -> Json:
    """The resident summary an outbound red-bag document carries; InputError for anything else."""
    if is_return_document(document):
        raise InputError("this is a return document: give the outbound document (or the summary) first")
    try:
        return document_to_summary(document)
    except (KeyError, IndexError, TypeError, StopIteration) as exc:
        raise InputError(f"not a red-bag document this form can read ({type(exc).__name__}: {exc})") from exc


def document_form(document: Json, return_document: Json | None = None) -> TransferForm:
    """The form from an outbound document (plus its return document), or from a return document alone."""
    if is_return_document(document) and return_document is None:
        try:
            return return_only_form(document)
        except (KeyError, IndexError, TypeError, StopIteration, ET.ParseError) as exc:
            raise InputError(f"not a red-bag return document ({type(exc).__name__}: {exc})") from exc
    form = summary_form(outbound_summary(document))
    return with_return(form, return_document) if return_document is not None else form
