"""FHIR -> resident summary: read a red-bag document Bundle back into the contract.

summary -> FHIR -> summary gives the summary back (with contract defaults applied, see
:func:`normalise_summary`): every contract field travels in a structured element, never only in narrative.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from functools import cached_property
from typing import Any

from adapter.errors import InputError
from adapter.redbag import dates, vocab
from adapter.redbag.build_capabilities import capabilities_from_service

Json = dict[str, Any]

_DECISIONS = {code[1]: key for key, code in vocab.RESUSCITATION.items()}
_OPERATORS = {code: key for key, (code, _) in vocab.CARE_HOME_OPERATOR.items()}
_HOME_TYPES = {code[1]: key for key, code in vocab.LOCATION_TYPE.items()}


def normalise_summary(summary: Json) -> Json:
    """The summary in canonical form: contract defaults explicit, empty optional parts dropped.

    ``conditions`` defaults to an empty list; contacts' ``nextOfKin`` and ``lastingPowerOfAttorney`` to
    false; a missing ``resuscitation`` to ``{"decision": "not-recorded"}``; empty ``observations``,
    ``aboutMe``, ``contacts``, ``baseline`` and ``allergies`` carry nothing and are dropped; a gender or an
    allergy's criticality not recorded is the code for that (``unknown``, ``unable-to-assess``); times get
    their seconds (``08:10+01:00`` -> ``08:10:00+01:00``), as the contract hands them to the builders.
    """
    out = copy.deepcopy(summary)
    out.setdefault("conditions", [])
    out.setdefault("resuscitation", {})
    out["resuscitation"].setdefault("decision", "not-recorded")
    out["resident"].setdefault("gender", "unknown")
    for allergy in out.get("allergies") or []:
        allergy.setdefault("criticality", "unable-to-assess")
    for key in ("observations", "aboutMe", "contacts", "baseline", "allergies"):
        if key in out and not out[key]:
            del out[key]
    for c in out.get("contacts", []):
        c.setdefault("nextOfKin", False)
        c.setdefault("lastingPowerOfAttorney", False)
    for key in ("createdAt",):
        out[key] = dates.canonical(out[key])
    out["transfer"]["departedAt"] = dates.canonical(out["transfer"]["departedAt"])
    for key, field in (
        ("observations", "takenAt"),
        ("conditions", "onset"),
        ("medications", "lastDoseGiven"),
    ):
        for item in out.get(key) or []:
            if isinstance(item.get(field), str):
                item[field] = dates.canonical(item[field])
    if isinstance(out["resuscitation"].get("recordedAt"), str):
        out["resuscitation"]["recordedAt"] = dates.canonical(out["resuscitation"]["recordedAt"])
    return out


class DocumentReader:
    """Resolves references inside one document Bundle and reads the red bag out of it."""

    def __init__(self, bundle: Json) -> None:
        if bundle.get("resourceType") != "Bundle" or bundle.get("type") != "document":
            raise InputError("not a FHIR document Bundle (resourceType Bundle, type document)")
        entries = bundle.get("entry") or []
        self.by_url: dict[str, Json] = {}
        for e in entries:
            r = e.get("resource") or {}
            if e.get("fullUrl"):
                self.by_url[e["fullUrl"]] = r
            if r.get("id"):
                self.by_url.setdefault(f"{r['resourceType']}/{r['id']}", r)
        self.resources = [e.get("resource") or {} for e in entries]
        if not self.resources or self.resources[0].get("resourceType") != "Composition":
            raise InputError("the document's first entry must be its Composition")
        self.composition = self.resources[0]

    def resolve(self, reference: Json | None) -> Json:
        """The resource a Reference points to inside this document (relative or urn:uuid)."""
        target = (reference or {}).get("reference", "")
        if target in self.by_url:
            return self.by_url[target]
        tail = "/".join(target.split("/")[-2:])
        if tail in self.by_url:
            return self.by_url[tail]
        raise InputError(f"reference {target!r} does not resolve inside the document")

    @cached_property
    def _sections(self) -> dict[str, Json]:
        """The Composition's sections by their codes (the first section with a code wins)."""
        found: dict[str, Json] = {}
        for s in self.composition.get("section") or []:
            for c in (s.get("code") or {}).get("coding", []):
                found.setdefault(c.get("code"), s)
        return found

    def not_recorded(self, key: str) -> bool:
        """True when section ``key``, or the List heading it, is empty because nothing was recorded."""
        _, code, _, _ = vocab.SECTIONS[key]
        s = self._sections.get(code)
        if s is None:
            return False
        heads = (
            [s] if not s.get("entry") else [r for r in self.section(key) if r.get("resourceType") == "List"]
        )
        return any(not h.get("entry") and "notasked" in _codes(h.get("emptyReason")) for h in heads)

    def section(self, key: str) -> list[Json]:
        """The resources listed in the section named ``key`` in vocab.SECTIONS (empty when absent)."""
        _, code, _, _ = vocab.SECTIONS[key]
        s = self._sections.get(code)
        return [self.resolve(e) for e in s.get("entry") or []] if s is not None else []

    def list_items(self, key: str) -> list[Json]:
        """The resources in the List that heads section ``key``."""
        out = []
        for r in self.section(key):
            if r.get("resourceType") == "List":
                out += [
                    self.resolve(e["item"]) for e in r.get("entry") or [] if "reference" in e.get("item", {})
                ]
        return out

    def of_type(self, resource_type: str) -> Iterator[Json]:
        return (r for r in self.resources if r.get("resourceType") == resource_type)


def _code(concept: Json | None) -> Json | None:
    for c in (concept or {}).get("coding") or []:
        return {"system": c["system"], "code": c["code"], "display": c["display"]}
    return None


def _codes(concept: Json | None) -> set[str]:
    return {c.get("code", "") for c in (concept or {}).get("coding") or []}


def _ext(resource: Json, url: str) -> Json | None:
    return next((e for e in resource.get("extension") or [] if e.get("url") == url), None)


def _address(addresses: list[Json] | Json | None) -> Json | None:
    a = addresses[0] if isinstance(addresses, list) and addresses else addresses
    if not a:
        return None
    assert isinstance(a, dict)
    return {k: a[k] for k in ("line", "city", "district", "postalCode") if k in a}


def _phone(resource: Json) -> str | None:
    return next((t["value"] for t in resource.get("telecom") or [] if t.get("system") == "phone"), None)


def _ods(org: Json) -> str:
    code: str = next(
        i["value"] for i in org.get("identifier") or [] if i.get("system") == vocab.ODS_ORGANIZATION
    )
    return code


def _organisation(org: Json) -> Json:
    return {"odsCode": _ods(org), "name": org["name"]}


def _put(out: Json, key: str, value: Any) -> None:
    if value is not None:
        out[key] = value


def _notes(observations: list[Json], codes: dict[str, tuple[str, str]]) -> Json:
    by_code = {c: field for field, (c, _) in codes.items()}
    out = {}
    for o in observations:
        for code in _codes(o.get("code")):
            if code in by_code:
                out[by_code[code]] = o["valueString"]
    return {field: out[field] for field in codes if field in out}


def resident_from_patient(patient: Json, reader: DocumentReader) -> Json:
    """The contract's ``resident`` object read from a Patient (resolving the GP inside the document)."""
    r: Json = {}
    for i in patient.get("identifier") or []:
        if i.get("system") == vocab.NHS_NUMBER:
            r["nhsNumber"] = i["value"]
            verified = _ext(i, vocab.EXT_NHS_VERIFICATION)
            if verified:
                r["nhsNumberVerified"] = "01" in _codes(verified["valueCodeableConcept"])
        elif i.get("system", "").startswith(vocab.LOCAL_RESIDENT_ID_PREFIX):
            r["localId"] = i["value"]
    unavailable = _ext(patient, vocab.EXT_NHS_UNAVAILABLE)
    if unavailable:
        r["nhsNumberUnavailableReason"] = next(iter(_codes(unavailable["valueCodeableConcept"])))
    official = next(n for n in patient["name"] if n.get("use") == "official")
    name: Json = {"given": official["given"], "family": official["family"]}
    usual = next((n for n in patient["name"] if n.get("use") == "usual"), None)
    if usual:
        name["preferred"] = usual["given"][0]
    r["name"] = name
    _put(r, "birthDate", patient.get("birthDate"))
    _put(r, "gender", patient.get("gender"))
    _put(r, "address", _address(patient.get("address")))
    for comm in patient.get("communication") or []:
        r["language"] = comm["language"]["coding"][0]["code"]
    interpreter = _ext(patient, vocab.EXT_INTERPRETER)
    if interpreter:
        r["interpreterRequired"] = interpreter["valueBoolean"]
    for gp in patient.get("generalPractitioner") or []:
        r["gp"] = _organisation(reader.resolve(gp))
    return r


def _contact(person: Json) -> Json:
    relationship = (person.get("relationship") or [{}])[0]
    roles = _codes(relationship)
    c: Json = {"name": person["name"][0]["text"], "relationship": relationship["text"]}
    _put(c, "phone", _phone(person))
    c["nextOfKin"] = vocab.ROLE_NEXT_OF_KIN[1] in roles
    c["lastingPowerOfAttorney"] = vocab.ROLE_LPA[1] in roles
    return c


def _observation(o: Json) -> Json:
    out: Json = {"code": _code(o["code"])}
    if "valueQuantity" in o:
        out["value"] = o["valueQuantity"]["value"]
        _put(out, "unit", o["valueQuantity"].get("unit"))
    else:
        out["value"] = o["valueString"]
        unit = _ext(o.get("_valueString") or {}, vocab.EXT_VALUE_UNIT)
        if unit:
            out["unit"] = unit["valueString"]
    out["takenAt"] = o["effectiveDateTime"]
    return out


def _condition(c: Json) -> Json:
    out: Json = {"code": _code(c["code"])}
    _put(out, "onset", c.get("onsetDateTime"))
    out["status"] = next(iter(_codes(c["clinicalStatus"])))
    if c.get("note"):
        out["note"] = c["note"][0]["text"]
    return out


def _medication(statement: Json, last_doses: dict[str, str], url_of: dict[int, str]) -> Json:
    dosage = statement["dosage"][0]
    out: Json = {"code": _code(statement["medicationCodeableConcept"])}
    _put(out, "dose", dosage.get("text"))
    _put(out, "route", (dosage.get("route") or {}).get("text"))
    _put(out, "frequency", ((dosage.get("timing") or {}).get("code") or {}).get("text"))
    out["status"] = statement["status"]
    out["timeCritical"] = (_ext(statement, vocab.EXT_TIME_CRITICAL) or {}).get("valueBoolean", False)
    _put(out, "lastDoseGiven", last_doses.get(url_of[id(statement)]))
    out["sentInBag"] = (_ext(statement, vocab.EXT_SENT_IN_BAG) or {}).get("valueBoolean", False)
    return out


def _allergy(a: Json) -> Json:
    out: Json = {"code": _code(a["code"])}
    _put(out, "category", (a.get("category") or [None])[0])
    _put(out, "criticality", a.get("criticality"))
    for reaction in a.get("reaction") or []:
        _put(out, "reaction", reaction["manifestation"][0].get("text"))
        _put(out, "severity", reaction.get("severity"))
    return out


def _belonging(entry: Json) -> Json:
    detail = _ext(entry, vocab.EXT_BELONGING) or {}
    parts = {e["url"]: e for e in detail.get("extension") or []}
    out: Json = {
        "item": entry["item"]["display"],
        "kind": parts["kind"]["valueCoding"]["code"],
        "quantity": parts["quantity"]["valueInteger"],
    }
    if "note" in parts:
        out["note"] = parts["note"]["valueString"]
    return out


def document_to_summary(bundle: Json) -> Json:
    """Read a red-bag document Bundle back into a resident summary (the contract's JSON)."""
    reader = DocumentReader(bundle)
    comp = reader.composition
    patient = reader.resolve(comp["subject"])
    home_org = reader.resolve(comp["custodian"])
    encounter = reader.resolve(comp["encounter"])
    location = reader.resolve(encounter["hospitalization"]["origin"])

    home: Json = {
        "odsCode": _ods(home_org),
        "name": home_org["name"],
        "type": _HOME_TYPES[next(iter(_codes(location["type"][0])))],
    }
    operator = _ext(location, vocab.EXT_CARE_HOME_OPERATOR)
    if operator:
        home["operator"] = operator["valueCode"]
    _put(home, "phone", _phone(home_org))
    _put(home, "address", _address(home_org.get("address")))
    service = next(iter(reader.section("capabilities")), None)
    if service is not None:
        home["capabilities"] = capabilities_from_service(service)

    transfer_items = reader.section("transfer")
    reason = encounter["reasonCode"][0]
    transfer: Json = {"reason": reason["text"]}
    _put(transfer, "reasonCode", _code(reason))
    transfer.update(_notes(transfer_items, vocab.TRANSFER_NOTES))
    transfer["departedAt"] = encounter["period"]["start"]
    transfer["destination"] = _organisation(reader.resolve(encounter["serviceProvider"]))

    summary: Json = {
        "bagNumber": next(i["value"] for i in encounter["identifier"] if i["system"] == vocab.ID_BAG_NUMBER),
        "createdAt": comp["date"],
        "careHome": home,
        "resident": resident_from_patient(patient, reader),
    }
    if not reader.not_recorded("contacts"):
        summary["contacts"] = [_contact(p) for p in reader.section("contacts")]
    summary["transfer"] = transfer
    if not reader.not_recorded("baseline"):
        summary["baseline"] = _notes(reader.section("baseline"), vocab.BASELINE_NOTES)
    observations = [_observation(o) for o in reader.section("observations")]
    if observations:
        summary["observations"] = observations
    summary["conditions"] = [_condition(c) for c in reader.list_items("problems")]

    url_of = {id(r): url for url, r in reader.by_url.items() if url.startswith("urn:") or "/" in url}
    last_doses = {}
    for admin in reader.of_type("MedicationAdministration"):
        for support in admin.get("supportingInformation") or []:
            statement = reader.resolve(support)
            if admin.get("effectiveDateTime"):  # a time not recorded travels as a marked gap
                last_doses[url_of[id(statement)]] = admin["effectiveDateTime"]
    if not reader.not_recorded("medications"):
        statements = reader.list_items("medications")
        summary["medications"] = [_medication(m, last_doses, url_of) for m in statements]

    allergies = reader.list_items("allergies")
    if any(vocab.NO_KNOWN_ALLERGY[1] in _codes(a.get("code")) for a in allergies):
        summary["noKnownAllergies"] = True
    elif not reader.not_recorded("allergies"):
        summary["allergies"] = [_allergy(a) for a in allergies]

    flag = next(iter(reader.section("resuscitation")))
    resus: Json = {"decision": _DECISIONS[next(iter(_codes(flag["code"])))]}
    _put(resus, "recordedAt", (flag.get("period") or {}).get("start"))
    document_location = _ext(flag, vocab.EXT_RESUS_DOCUMENT)
    if document_location:
        resus["documentLocation"] = document_location["valueString"]
    summary["resuscitation"] = resus

    about = _notes(reader.section("about-me"), vocab.ABOUT_ME_NOTES)
    if about:
        summary["aboutMe"] = about
    if not reader.not_recorded("belongings"):
        belongings_list = next(iter(reader.section("belongings")))
        summary["belongings"] = [_belonging(e) for e in belongings_list.get("entry") or []]

    if not reader.not_recorded("consent"):
        consent = next(iter(reader.section("consent")))
        who = consent["performer"][0]
        if "reference" not in who:  # a holder of lasting power of attorney not among the contacts
            by = "lpa"
        else:
            kind = reader.resolve(who)["resourceType"]
            by = {"Patient": "resident", "RelatedPerson": "lpa"}.get(kind, "best-interest")
        summary["consentToShare"] = {"given": consent["provision"]["type"] == "permit", "by": by}

    provenance = next(reader.of_type("Provenance"))
    agent = provenance["agent"][0]
    summary["author"] = {"name": agent["who"]["display"], "role": agent["role"][0]["text"]}
    return summary
