"""Completeness control (hazard H1, with H2, H4 and H7): every item of the input is in the output.

This check does not trust the builders: it reads the finished document Bundle the way a receiving system
would (Composition -> section -> List -> entry -> resource) and looks for each input item by its content.
A missing or altered medicine, last dose time, allergy, condition, belonging, contact or resuscitation
decision is an error, never a warning. Messages name items by code, belonging description, date-time or
position, never by a person's name, NHS number or birth date (hazard H9).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from adapter.errors import CompletenessError, InputError
from adapter.redbag import vocab
from adapter.redbag.elements import absent_reason
from adapter.redbag.reading import DocumentReader

Json = dict[str, Any]


def _codes(concept: Json | None) -> tuple[str, ...]:
    return tuple([f"{c.get('system')}|{c.get('code')}" for c in (concept or {}).get("coding") or []])


def _key(code: Json) -> tuple[str, ...]:
    return (f"{code['system']}|{code['code']}",)


def _ext_value(resource: Json, url: str) -> Any:
    for e in resource.get("extension") or []:
        if e.get("url") == url:
            for k, v in e.items():
                if k.startswith("value"):
                    return v
            return None
    return None


def _listed(reader: DocumentReader, key: str) -> list[Json]:
    try:
        return reader.list_items(key)
    except InputError:  # an entry that does not resolve: the item it named is missing
        return []


def _tally(items: Iterable[Any]) -> dict[Any, int]:
    """How many times each item occurs (a Counter's answer without its Python-level constructor)."""
    out: dict[Any, int] = {}
    for item in items:
        out[item] = out.get(item, 0) + 1
    return out


def _missing(expected: Mapping[Any, int], found: Mapping[Any, int]) -> list[Any]:
    if expected == found:  # the usual answer, decided without building the difference
        return []
    return sorted((Counter(expected) - Counter(found)).elements(), key=str)


def _list_marked(reader: DocumentReader, key: str, reason: str) -> bool:
    """True when the List heading section ``key`` is empty with ``reason`` (a gap marked, not a loss)."""
    return any(
        r.get("resourceType") == "List"
        and not r.get("entry")
        and reason in {c.get("code") for c in (r.get("emptyReason") or {}).get("coding") or []}
        for r in _section(reader, key)
    )


def _section_marked(reader: DocumentReader, key: str, reason: str) -> bool:
    """True when section ``key`` has no entries and says why with ``reason``."""
    _, code, _, _ = vocab.SECTIONS[key]
    for s in reader.composition.get("section") or []:
        if code in {c.get("code") for c in (s.get("code") or {}).get("coding") or []}:
            return not s.get("entry") and reason in {
                c.get("code") for c in (s.get("emptyReason") or {}).get("coding") or []
            }
    return False


def marked_gaps(summary: Json, reader: DocumentReader) -> list[str]:
    """Gaps of the input (fields that travel absent) that the document does not mark as such.

    A gap is accounted for only where a receiver will see it: a list or section empty with ``notasked``,
    a data-absent-reason on the element (hazards H2 and H4), never by silence.
    """
    out: list[str] = []
    for key, present, what in (
        ("medications", "medications" in summary, "medicines"),
        ("allergies", bool(summary.get("allergies")) or bool(summary.get("noKnownAllergies")), "allergies"),
        ("belongings", "belongings" in summary, "belongings"),
    ):
        if not present and not _list_marked(reader, key, "notasked"):
            out.append(f"{what} are not recorded, but the document does not mark the gap")
    for key, present, what in (
        ("contacts", bool(summary.get("contacts")), "contacts"),
        ("consent", "consentToShare" in summary, "consent to share"),
        ("baseline", bool(summary.get("baseline")), "the baseline (when well)"),
    ):
        if not present and not _section_marked(reader, key, "notasked"):
            out.append(f"{what}: not recorded, but the document does not mark the gap")
    return out


def document_gaps(summary: Json, document: Json) -> list[str]:
    """Every input item that cannot be found, intact, in ``document`` (empty when complete), and every
    gap of the input that the document does not mark."""
    reader = DocumentReader(document)
    gaps: list[str] = marked_gaps(summary, reader)
    medicines = summary.get("medications") or []

    statements = _listed(reader, "medications")
    found_meds = _tally(
        (
            _codes(s.get("medicationCodeableConcept")),
            ((s.get("dosage") or [{}])[0]).get("text"),
            _ext_value(s, vocab.EXT_TIME_CRITICAL),
        )
        for s in statements
    )
    expected_meds = _tally((_key(m["code"]), m.get("dose"), m["timeCritical"]) for m in medicines)
    gaps += [
        f"medicine {m[0][0]} ({m[1]}) is missing from the medications list"
        for m in _missing(expected_meds, found_meds)
    ]

    # Last doses are read where a receiver looks for them: in the medicines section, pointing at a listed
    # MedicationStatement.
    listed = {id(s) for s in statements}
    given: list[Any] = []
    for admin in _section(reader, "medications"):
        if admin.get("resourceType") != "MedicationAdministration":
            continue
        supported = [
            reader.by_url.get(ref.get("reference", "")) for ref in admin.get("supportingInformation") or []
        ]
        if any(s is not None and id(s) in listed for s in supported):
            when = (
                admin.get("effectiveDateTime")
                or f"not recorded ({absent_reason(admin.get('effectivePeriod'))})"
            )
            given.append((_codes(admin.get("medicationCodeableConcept")), when))
    doses = _tally(given)
    # A time-critical medicine without its last dose time travels with the gap marked (H2): an
    # administration whose time carries a data-absent-reason, in the medicines section.
    expected_doses = _tally(
        (_key(m["code"]), m.get("lastDoseGiven") or "not recorded (unknown)")
        for m in medicines
        if m.get("lastDoseGiven") or m["timeCritical"]
    )
    gaps += [
        f"last dose of {d[0][0]} at {d[1]} is missing or its time differs"
        if not d[1].startswith("not recorded")
        else f"last dose of time-critical {d[0][0]} is not recorded, but the document does not mark the gap"
        for d in _missing(expected_doses, doses)
    ]

    allergies = _listed(reader, "allergies")
    if summary.get("noKnownAllergies"):
        if not any(
            _codes(a.get("code")) == (f"{vocab.SNOMED}|{vocab.NO_KNOWN_ALLERGY[1]}",) for a in allergies
        ):
            gaps.append("the 'no known allergies' statement is missing")
    else:
        expected_allergies = _tally(
            (_key(a["code"]), a.get("criticality") or "unable-to-assess")
            for a in summary.get("allergies") or []
        )
        found_allergies = _tally((_codes(a.get("code")), a.get("criticality")) for a in allergies)
        gaps += [
            f"allergy {a[0][0]} is missing from the allergies list"
            for a in _missing(expected_allergies, found_allergies)
        ]

    expected_conditions = _tally((_key(c["code"]), c["status"]) for c in summary.get("conditions") or [])
    found_conditions = _tally(
        (_codes(c.get("code")), (c.get("clinicalStatus") or {}).get("coding", [{}])[0].get("code"))
        for c in _listed(reader, "problems")
    )
    gaps += [
        f"condition {c[0][0]} ({c[1]}) is missing from the problem list"
        for c in _missing(expected_conditions, found_conditions)
    ]

    packed: list[Any] = []
    for lst in reader.section("belongings"):
        for entry in lst.get("entry") or []:
            item = entry.get("item") or {}
            if "reference" in item and item["reference"] not in reader.by_url:
                continue
            packed.append(item.get("display"))
    belongings = _tally(packed)
    expected_belongings = _tally(b["item"] for b in summary.get("belongings") or [])
    gaps += [
        f"belonging {b!r} is missing from the belongings list"
        for b in _missing(expected_belongings, belongings)
    ]

    # Contacts are found by name but reported by position and relationship: a name is personal data, and
    # these messages reach stderr, errors.csv and the service's answers (hazard H9).
    contacts = _tally(p.get("name", [{}])[0].get("text") for p in _section(reader, "contacts"))
    for n, contact in enumerate(summary.get("contacts") or []):
        if contacts.get(contact["name"], 0) > 0:
            contacts[contact["name"]] -= 1
        else:
            gaps.append(
                f"contact {n + 1} of {len(summary['contacts'])} ($.contacts[{n}], relationship "
                f"{contact['relationship']!r}) is missing"
            )

    resus = summary.get("resuscitation") or {}
    decision = resus.get("decision") or "not-recorded"
    code = vocab.RESUSCITATION[decision]
    recorded = resus.get("recordedAt")
    undated = decision != "not-recorded" and not recorded  # must carry a data-absent-reason (H4)
    flags = [
        f
        for f in _section(reader, "resuscitation")
        if f"{code[0]}|{code[1]}" in _codes(f.get("code"))
        and (f.get("period") or {}).get("start") == recorded
        and (not undated or absent_reason((f.get("period") or {}).get("_start")) is not None)
    ]
    if not flags:
        gaps.append(
            f"resuscitation decision {decision!r} recorded {recorded or 'on a date not recorded'} is "
            "missing or altered" + (", or its missing date is not marked" if undated else "")
        )
    return gaps


def _section(reader: DocumentReader, key: str) -> list[Json]:
    try:
        return reader.section(key)
    except InputError:  # an entry that does not resolve counts as missing
        return []


def transaction_gaps(document: Json, transaction: Json) -> list[str]:
    """Resources of the document that the transaction would not send."""
    sent = Counter(e.get("fullUrl") for e in transaction.get("entry") or [])
    return [
        f"{e['resource']['resourceType']} {e['fullUrl']} is in the document but not in the transaction"
        for e in document.get("entry") or []
        if not sent[e.get("fullUrl")]
    ]


def require_complete(
    summary: Json, document: Json, transaction: Json | None = None, *, source: str | None = None
) -> None:
    """Raise CompletenessError when any input item is missing from the output bundles."""
    gaps = document_gaps(summary, document)
    if transaction is not None:
        gaps += transaction_gaps(document, transaction)
    if gaps:
        raise CompletenessError(gaps, source)


def return_gaps(summary: Json, discharge: Json, document: Json, statuses: dict[str, str]) -> list[str]:
    """What the return-journey document lost: belongings and their statuses, medicines, diagnoses."""
    reader = DocumentReader(document)
    gaps: list[str] = []
    flagged: dict[str, str | None] = {}
    for lst in _section(reader, "belongings-returned"):
        for entry in lst.get("entry") or []:
            flag = ((entry.get("flag") or {}).get("coding") or [{}])[0].get("code")
            flagged[(entry.get("item") or {}).get("display", "")] = flag
    for item in summary.get("belongings") or []:
        if flagged.get(item["item"]) != statuses[item["item"]]:
            gaps.append(f"belonging {item['item']!r} is not flagged {statuses[item['item']]!r} on return")
    listed = Counter(
        _codes(s.get("medicationCodeableConcept")) for s in _listed(reader, "medication-changes")
    )
    expected = Counter(_key(m["code"]) for m in summary.get("medications") or [])
    expected.update(_key(c["code"]) for c in discharge["medicationChanges"] if c["change"] == "started")
    gaps += [
        f"medicine {m[0]} is missing from the discharge medication list" for m in _missing(expected, listed)
    ]
    diagnosed = Counter(_codes(c.get("code")) for c in _section(reader, "diagnoses"))
    gaps += [
        f"diagnosis {d[0]} is missing"
        for d in _missing(Counter(_key(d["code"]) for d in discharge.get("diagnoses") or []), diagnosed)
    ]
    return gaps


def require_return_complete(
    summary: Json, discharge: Json, document: Json, transaction: Json, statuses: dict[str, str]
) -> None:
    """Raise CompletenessError when the return-journey bundles lost a belonging, medicine or diagnosis."""
    gaps = return_gaps(summary, discharge, document, statuses) + transaction_gaps(document, transaction)
    if gaps:
        raise CompletenessError(gaps)
