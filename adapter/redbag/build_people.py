"""Who and where: Patient, the organisations (care home, GP, hospital), the care home Location, contacts."""

from __future__ import annotations

from functools import cache

from adapter.redbag import vocab
from adapter.redbag.context import Json, TransferContext
from adapter.redbag.elements import absent, address, coding, compact, concept, ext, ident, phone
from adapter.redbag.narrative import div, nhs_number, para, table, text


def profile(name: str, ukcore: str | None = None) -> Json:
    """``meta`` claiming one of the project's red-bag profiles and the UK Core profile it stands on
    (``ukcore``: another UK Core profile id than vocab.UKCORE_PROFILES gives, such as a child profile)."""
    return {"profile": list(_profile_urls(name, ukcore))}


@cache
def _profile_urls(name: str, ukcore: str | None) -> tuple[str, ...]:
    base = ukcore or vocab.UKCORE_PROFILES.get(name)
    return (f"{vocab.PROFILE}/{name}", *([f"{vocab.UKCORE_PROFILE}/{base}"] if base else []))


def full_name(name: Json) -> str:
    """The resident's name for people to read: given names then family name."""
    return " ".join([*name["given"], name["family"]])


#: How a gap reads wherever people see it (narrative, printed form, web view).
NOT_RECORDED = "NOT RECORDED"


def ask_home(summary: Json) -> str:
    """Who to ask about a gap: the care home, by name and phone when it gave one."""
    home = summary["careHome"]
    phone_number = home.get("phone")
    return f"ask {home['name']}" + (f" on {phone_number}" if phone_number else "")


def gap_text(summary: Json, what: str | None = None) -> str:
    """``NOT RECORDED, ask Oakwood Lodge on 020 7946 0331`` (with what is missing, when given)."""
    return f"{what + ' ' if what else ''}{NOT_RECORDED}, {ask_home(summary)}"


def add_patient(ctx: TransferContext) -> Json:
    """The resident; matched on NHS number, or the care home's own id when it is unknown."""
    r = ctx.summary["resident"]
    identifier = dict(ctx.patient_identifier)
    if r.get("nhsNumber") and "nhsNumberVerified" in r:
        identifier = {
            "extension": [
                ext(
                    vocab.EXT_NHS_VERIFICATION,
                    valueCodeableConcept=concept(vocab.NHS_VERIFIED[r["nhsNumberVerified"]]),
                )
            ],
            **identifier,
        }
    extensions = []
    if r.get("nhsNumberUnavailableReason"):
        code = r["nhsNumberUnavailableReason"]
        extensions.append(
            ext(
                vocab.EXT_NHS_UNAVAILABLE,
                valueCodeableConcept=concept(
                    (vocab.UKCORE_NHS_UNAVAILABLE, code, vocab.NHS_UNAVAILABLE[code])
                ),
            )
        )
    if "interpreterRequired" in r:
        extensions.append(ext(vocab.EXT_INTERPRETER, valueBoolean=r["interpreterRequired"]))
    names: list[Json] = [{"use": "official", "family": r["name"]["family"], "given": r["name"]["given"]}]
    if r["name"].get("preferred"):
        names.append({"use": "usual", "given": [r["name"]["preferred"]]})
    id_text = (
        f"NHS number {nhs_number(r['nhsNumber'])}"
        + (f"; care home resident id {r['localId']}" if r.get("localId") else "")
        if r.get("nhsNumber")
        else f"Care home resident id {r['localId']} (no NHS number)"
    )
    identifiers = [identifier]
    if r.get("nhsNumber") and r.get("localId"):
        # The care home's own id travels too (it is never used to match the resident: hazard H3).
        identifiers.append(ident(vocab.local_resident_id_system(ctx.ods), r["localId"]))
    story = div(
        para(
            full_name(r["name"])
            + (f" (known as {r['name']['preferred']})" if r["name"].get("preferred") else "")
        ),
        para(id_text),
        para(r.get("birthDate") or gap_text(ctx.summary), "Born"),
        para(r.get("gender") or gap_text(ctx.summary), "Gender"),
        para(r["language"] + (", interpreter needed" if r.get("interpreterRequired") else ""), "Language")
        if r.get("language")
        else "",
    )
    patient = compact(
        {
            "resourceType": "Patient",
            "id": ctx.patient_id,
            "meta": profile("RedBagPatient"),
            "text": text(story),
            "extension": extensions or None,
            "identifier": identifiers,
            "name": names,
            # Not recorded: AdministrativeGender's own "unknown" (a required binding allows no bare
            # data-absent-reason on a code).
            "gender": r.get("gender") or "unknown",
            "birthDate": r.get("birthDate"),
            "_birthDate": None if r.get("birthDate") else absent(),
            "address": address(r.get("address")),
            "communication": [
                {"language": {"coding": [{"system": vocab.BCP47, "code": r["language"]}]}, "preferred": True}
            ]
            if r.get("language")
            else None,
            # The GP practice travels with the resident, so the reference resolves inside every document.
            "generalPractitioner": [add_organization(ctx, r["gp"]["odsCode"], r["gp"]["name"])]
            if r.get("gp")
            else None,
        }
    )
    i = ctx.patient_identifier
    return ctx.add(patient, "create", f"identifier={i['system']}|{i['value']}")


def add_organization(
    ctx: TransferContext,
    ods_code: str,
    name: str,
    *,
    phone_number: str | None = None,
    addr: Json | None = None,
) -> Json:
    """An organisation known by its ODS code (conditional create: the server may know it already)."""
    if ctx.reference("Organization", ctx.organization_id(ods_code)) in ctx.by_reference:
        return ctx.organization_ref(ods_code, name)
    org = compact(
        {
            "resourceType": "Organization",
            "id": ctx.organization_id(ods_code),
            "meta": profile("RedBagOrganization"),
            "text": text(div(para(f"{name} (ODS {ods_code})"))),
            "identifier": [ident(vocab.ODS_ORGANIZATION, ods_code)],
            "active": True,
            "name": name,
            "telecom": phone(phone_number),
            "address": address(addr),
        }
    )
    ctx.add(org, "create", f"identifier={vocab.ODS_ORGANIZATION}|{ods_code}")
    return ctx.organization_ref(ods_code, name)


def add_care_home(ctx: TransferContext) -> tuple[Json, Json]:
    """The care home as an Organization and its Location (type G01 residential / G02 nursing)."""
    home = ctx.summary["careHome"]
    org_ref = add_organization(
        ctx, home["odsCode"], home["name"], phone_number=home.get("phone"), addr=home.get("address")
    )
    loc_type = vocab.LOCATION_TYPE[home["type"]]
    operator = home.get("operator")
    location = compact(
        {
            "resourceType": "Location",
            "id": ctx.location_id,
            "meta": profile("RedBagCareHomeLocation"),
            "text": text(div(para(f"{home['name']}: {loc_type[2]}"))),
            "extension": [ext(vocab.EXT_CARE_HOME_OPERATOR, valueCode=operator)] if operator else None,
            "identifier": [ident(vocab.ID_CARE_HOME_LOCATION, home["odsCode"])],
            "status": "active",
            "name": home["name"],
            "type": [concept(loc_type)],
            "telecom": phone(home.get("phone")),
            "address": address(home.get("address"))[0] if home.get("address") else None,  # type: ignore[index]
            "managingOrganization": org_ref,
        }
    )
    loc_ref = ctx.add(location, "create", f"identifier={vocab.ID_CARE_HOME_LOCATION}|{home['odsCode']}")
    return org_ref, loc_ref


def add_contacts(ctx: TransferContext) -> list[Json]:
    """Each contact as a RelatedPerson: the relationship, next of kin (v2 N) and lasting power of attorney
    (v3 HPOWATT) coded."""
    refs = []
    for i, c in enumerate(ctx.summary.get("contacts") or []):
        rid = ctx.scoped_id("RelatedPerson", str(i), c["name"])
        flags = [
            label
            for key, label in (("nextOfKin", "next of kin"), ("lastingPowerOfAttorney", "LPA"))
            if c.get(key)
        ]
        person = compact(
            {
                "resourceType": "RelatedPerson",
                "id": rid,
                "meta": profile("RedBagContact"),
                "text": text(
                    div(
                        para(
                            f"{c['name']}, {c['relationship']}" + (f" ({', '.join(flags)})" if flags else "")
                        ),
                        para(c["phone"], "Phone") if c.get("phone") else "",
                    )
                ),
                "identifier": [ctx.resource_identifier(rid)],
                "patient": ctx.patient_ref(),
                "relationship": relationships(c),
                "name": [{"text": c["name"]}],
                "telecom": phone(c.get("phone")),
            }
        )
        refs.append(ctx.add_scoped(person))
    return refs


def relationship_code(words: str) -> tuple[str, str, str] | None:
    """The v3 RoleCode of a relationship as care homes write it ("Daughter", "sister (lives abroad)")."""
    found = vocab.RELATIONSHIPS.get(" ".join(words.split("(", 1)[0].casefold().split()))
    return (vocab.V3_ROLE_CODE, *found) if found else None


def relationships(contact: Json) -> list[Json]:
    """The contact's relationship in words (coded when it is one UK Core's PersonRelationshipType has), then
    next of kin and lasting power of attorney, each a concept of its own."""
    kin = relationship_code(contact["relationship"])
    out = [{**({"coding": [coding(kin)]} if kin else {}), "text": contact["relationship"]}]
    if contact.get("nextOfKin"):
        out.append({"coding": [coding(vocab.ROLE_NEXT_OF_KIN)], "text": "Next of kin"})
    if contact.get("lastingPowerOfAttorney"):
        out.append({"coding": [coding(vocab.ROLE_LPA)], "text": "Lasting power of attorney"})
    return out


def contacts_narrative(contacts: list[Json]) -> str:
    """A table of contacts for the Composition section."""
    rows = [
        (
            c["name"],
            c["relationship"],
            c.get("phone"),
            "yes" if c.get("nextOfKin") else "no",
            "yes" if c.get("lastingPowerOfAttorney") else "no",
        )
        for c in contacts
    ]
    return table(("Name", "Relationship", "Phone", "Next of kin", "Lasting power of attorney"), rows)
