"""Observations taken before transfer (NEWS2 and its parts, glucose, ...): as UK Core's observation
profiles want them where they fit (adapter/redbag/ukcore_observations.py), plain red-bag ones otherwise."""

from __future__ import annotations

from adapter.redbag import ukcore_observations as uk
from adapter.redbag import vocab
from adapter.redbag.build_clinical import occurrence_keys
from adapter.redbag.build_people import profile
from adapter.redbag.context import Json, TransferContext
from adapter.redbag.elements import coding, concept, ext, input_code
from adapter.redbag.narrative import div, para, quantity, text

#: Units written as UCUM codes when the input uses them, on observations no UK Core profile fits (anything
#: else stays as a plain unit string).
_UCUM_UNITS = {
    "Cel": "Cel",
    "°C": "Cel",
    "/min": "/min",
    "%": "%",
    "mm[Hg]": "mm[Hg]",
    "mmHg": "mm[Hg]",
    "kg": "kg",
    "mmol/L": "mmol/L",
    "{score}": "{score}",
}


def plain_value(obs: Json) -> Json:
    """``valueQuantity`` for numbers (UCUM-coded when the unit is known), ``valueString`` otherwise.

    A text value keeps its unit in a primitive extension (``_valueString``), so nothing is lost.
    """
    value, unit = obs["value"], obs.get("unit")
    if isinstance(value, str):
        out: Json = {"valueString": value}
        if unit:
            out["_valueString"] = {"extension": [ext(vocab.EXT_VALUE_UNIT, valueString=unit)]}
        return out
    q: Json = {"value": value}
    if unit:
        q["unit"] = unit
        if unit in _UCUM_UNITS:
            q["system"] = vocab.UCUM
            q["code"] = _UCUM_UNITS[unit]
    return {"valueQuantity": q}


def _plain(obs: Json) -> tuple[Json, Json, Json, Json]:
    """meta, category, code and value of an observation no UK Core profile fits: a vital sign still gets
    category vital-signs and the LOINC code R4's vital signs profiles require."""
    code = input_code(obs["code"])
    vital = vocab.VITAL_SIGNS.get(code[:2])
    codings = [coding(code)] + ([coding(vital)] if vital and vital[:2] != code[:2] else [])
    category = vocab.VITAL_SIGNS_CATEGORY if vital else uk.EXAM
    return profile("RedBagObservation"), concept(category), {"coding": codings}, plain_value(obs)


def add_observations(ctx: TransferContext) -> list[Json]:
    """One Observation per observation of the summary; a systolic and a diastolic pressure taken together
    become one blood pressure panel."""
    refs = []
    items = ctx.summary.get("observations") or []
    keys = occurrence_keys(items)
    for group in uk.groups(items):
        obs = items[group[0]]
        rid = ctx.scoped_id("Observation", keys[group[0]], obs["takenAt"])
        members = [items[i] for i in group]
        shown = "; ".join(f"{o['code']['display']}: {quantity(o['value'], o.get('unit'))}" for o in members)
        head: Json = {
            "resourceType": "Observation",
            "id": rid,
            "meta": None,
            "text": text(div(para(f"{shown} at {obs['takenAt']}"))),
            "identifier": [ctx.resource_identifier(rid)],
            "status": "final",
        }
        kind = uk.kind_of(obs)
        if len(group) == 2:
            head["meta"] = profile("RedBagObservation", uk.BLOOD_PRESSURE_PROFILE)
            head["category"] = [concept(uk.SYSTOLIC.category)]
            head["code"] = {"coding": [coding(c) for c in uk.BLOOD_PRESSURE_CODES], "text": "Blood pressure"}
            body: Json = {"component": [uk.component(o) for o in members]}
        elif kind is not None and kind not in (uk.SYSTOLIC, uk.DIASTOLIC):
            head["meta"] = profile("RedBagObservation", kind.profile)
            head["category"] = [concept(kind.category)]
            head["code"] = {"coding": uk.codings(obs, kind)}
            body = uk.value(obs, kind)
        else:
            meta, category, code, body = _plain(obs)
            head.update(meta=meta, category=[category], code=code)
        head["subject"] = ctx.patient_ref()
        head["effectiveDateTime"] = obs["takenAt"]
        refs.append(ctx.add_scoped({**head, **body}))
    return refs
