"""The red bag as an International Patient Summary (HL7 IPS 2.0.0, npm package ``hl7.fhir.uv.ips``).

The same resources as the red-bag document, gathered the IPS way: a Composition of type LOINC 60591-5 whose
sections IPS defines take what they can (alerts: the resuscitation decision; allergies and intolerances;
medication summary with the last doses; problem list; vital signs and observations; the patient story:
"about me"; narrative only: the resuscitation decision as an advance directive and the baseline as
functional status, because IPS takes other resource types there). What IPS has no section for travels in
the red bag's own sections after them: the transfer, the baseline notes, contacts, consent to share,
belongings and what the care home can manage. The red bag's Lists (medications, allergies, problems) are
left out: IPS sections list the items themselves.

Gaps, the IPS way (IPS 2.0 "Empty Sections and Missing Data"): a required section with nothing to list
carries ``emptyReason``, ``notasked`` when the summary does not record it and ``nilknown`` when it records
none; "no known allergies" is an AllergyIntolerance coded SNOMED CT 716186003, the concept IPS's allergy
value set has for it; inside resources, data-absent-reason as in the red bag. Resources IPS profiles claim
their IPS profile beside their red-bag and UK Core ones; a MedicationStatement, whose effective[x] IPS
requires, gets one that says it is unknown.

Every IPS document is read back before it is returned (hazard H30): it must give the summary it was made
from, or CompletenessError is raised.
"""

from __future__ import annotations

from collections.abc import Sequence

from adapter.errors import CompletenessError, InputError, Violation
from adapter.redbag import vocab
from adapter.redbag.build_people import full_name
from adapter.redbag.bundles import collect, composition, document_bundle, document_identifier
from adapter.redbag.context import Entry, Json, TransferContext
from adapter.redbag.contract import summary_warnings
from adapter.redbag.elements import absent, concept
from adapter.redbag.reading import document_to_summary, normalise_summary

#: Red-bag sections IPS has no section for, in the order they follow the IPS ones.
OWN_SECTIONS = ("transfer", "baseline", "contacts", "consent", "belongings", "capabilities")
#: Red-bag sections headed by a List whose items an IPS section lists directly.
LISTED = ("allergies", "medications", "problems")


def _ips(profile: str) -> str:
    return f"{vocab.IPS_PROFILE}/{profile}"


def ips_section(code: tuple[str, str, str], red: Json, entries: Sequence[Json], empty: Json | None) -> Json:
    """An IPS section (LOINC code, display, title) with the red-bag section's narrative."""
    loinc, display, title = code
    out: Json = {"title": title, "code": concept((vocab.LOINC, loinc, display)), "text": red["text"]}
    if entries:
        out["entry"] = list(entries)
    elif empty:
        out["emptyReason"] = empty
    return out


def ips_sections(ctx: TransferContext, red_sections: list[Json]) -> list[Json]:
    """The IPS sections, then the red bag's own, from the sections of the red-bag document."""
    red = {s["code"]["coding"][0]["code"]: s for s in red_sections}

    def section(key: str) -> Json:
        return red[vocab.SECTIONS[key][1]]

    out = []
    for key in ("resuscitation", *LISTED):
        rb = section(key)
        entries, empty = rb.get("entry", []), rb.get("emptyReason")
        if key in LISTED:  # the List's items (and the last doses beside the medicines)
            head = ctx.by_reference[entries[0]["reference"]].resource
            items = [{"reference": e["item"]["reference"]} for e in head.get("entry", [])]
            entries, empty = items + entries[1:], head.get("emptyReason")
        out.append(ips_section(vocab.IPS_SECTIONS[key], rb, entries, empty))
    out.append(ips_section(vocab.IPS_ADVANCE_DIRECTIVES, section("resuscitation"), [], None))
    for key in ("observations", "about-me"):
        rb = section(key)
        out.append(ips_section(vocab.IPS_SECTIONS[key], rb, rb.get("entry", []), rb.get("emptyReason")))
    baseline = section("baseline")
    not_recorded = None if baseline.get("entry") else baseline.get("emptyReason")
    out.insert(-1, ips_section(vocab.IPS_FUNCTIONAL_STATUS, baseline, [], not_recorded))
    return out + [section(key) for key in OWN_SECTIONS]


def ips_resource(resource: Json) -> Json:
    """A resource as the IPS document holds it: claiming its IPS profile too, where IPS has one."""
    profile = vocab.IPS_PROFILES.get(resource["resourceType"])
    if profile is None:
        return resource
    out: Json = {}
    for key, value in resource.items():
        if key == "dateAsserted":  # MedicationStatement: IPS requires effective[x]; when is not recorded
            out["effectivePeriod"] = absent()
        out[key] = value if key != "meta" else {"profile": [*value["profile"], _ips(profile)]}
    return out


def build_ips(summary: Json, *, gaps: Sequence[Violation] | None = None) -> Json:
    """A checked resident summary -> its International Patient Summary document Bundle (deterministic).

    Raises CompletenessError when the document does not read back to the same summary (hazard H30)."""
    ctx, red_sections = collect(summary)
    lists = {
        ctx.by_reference[s["entry"][0]["reference"]].resource["id"]
        for s in red_sections
        if s["code"]["coding"][0]["code"] in {vocab.SECTIONS[k][1] for k in LISTED}
    }
    name = full_name(summary["resident"]["name"])
    comp = composition(
        ctx,
        ips_sections(ctx, red_sections),
        key="ips",
        doc_type=vocab.PATIENT_SUMMARY,
        title=f"International Patient Summary: Red Bag transfer summary for {name}",
        date=summary["createdAt"],
        gaps=summary_warnings(summary) if gaps is None else gaps,
    )
    resource: Json = {}
    for key, value in comp.resource.items():
        if key == "section":  # this document transforms the red-bag document (the same content)
            red_bag = document_identifier(ctx, "transfer")
            resource["relatesTo"] = [{"code": "transforms", "targetIdentifier": red_bag}]
        resource[key] = value
    resource["meta"] = {"profile": [_ips("Composition-uv-ips"), f"{vocab.UKCORE_PROFILE}/UKCore-Composition"]}
    document = document_bundle(
        ctx,
        Entry(resource, comp.method, comp.match),
        key="ips",
        timestamp=summary["createdAt"],
        resources=[ips_resource(e.resource) for e in ctx.entries if e.resource["id"] not in lists],
        meta={"profile": [_ips("Bundle-uv-ips"), f"{vocab.UKCORE_PROFILE}/UKCore-Bundle"]},
    )
    require_ips_complete(summary, document)
    return document


def require_ips_complete(summary: Json, document: Json) -> None:
    """Raise CompletenessError naming each part of the summary the IPS document does not give back."""
    expected = normalise_summary(summary)
    try:
        found = document_to_summary(document)
    except (InputError, KeyError, IndexError, TypeError, StopIteration) as exc:  # a part it cannot find
        raise CompletenessError(
            [f"the IPS document cannot be read back ({type(exc).__name__}: {exc})"]
        ) from exc
    if found != expected:
        lost = [key for key in {**expected, **found} if expected.get(key) != found.get(key)]
        raise CompletenessError([f"the IPS document does not give back the summary's {k!r}" for k in lost])
