"""Observations the way UK Core's observation profiles want them, and back to the summary.

The summary records an observation as ``{code, value, unit, takenAt}``. UK Core's child profiles (STU2,
``UKCore-Observation-*``) fix more: the unit's display ("per minute", not "/min"), a SNOMED CT and a LOINC
coding together on vital signs, category ``survey`` and unit ``{ScoreOf}`` on the NEWS2 total, ACVPU as a
CodeableConcept, blood pressure as one panel with systolic and diastolic components. The adapter adds what
UK Core needs and keeps what the summary said: the input coding stays first, and a unit written otherwise
than UK Core fixes travels in the value-unit extension, so the document reads back to the same summary.
Codes are those of UK Core's own examples and value sets (``../shared/corpora/uk-core-r4``, see
examples/CODES.md).

An observation that does not fit its profile (a heart rate as text or without a unit, a temperature in mmHg,
a LOINC code other than the one the profile fixes) stays a plain red-bag observation.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from adapter.redbag import vocab
from adapter.redbag.elements import Code, coding, ext

Json = dict[str, Any]

SNOMED, LOINC, UCUM = vocab.SNOMED, vocab.LOINC, vocab.UCUM
SURVEY: Code = (vocab.OBSERVATION_CATEGORY, "survey", "Survey")
EXAM: Code = (vocab.OBSERVATION_CATEGORY, "exam", "Exam")
PER_MINUTE = frozenset({"/min", "per minute", "bpm", "{beats}/min", "beats/min", "{breaths}/min"})
MM_HG = frozenset({"mm[Hg]", "mmHg", "millimeter of mercury"})


@dataclass(frozen=True, slots=True)
class Kind:
    """What one UK Core observation profile asks of an observation of its kind."""

    profile: str  # the UK Core profile's id
    category: Code
    loinc: Code | None  # the LOINC coding the profile requires, added when the input is not coded so
    snomed: Code | None  # the SNOMED CT coding the profile requires, added when the input has none
    ucum: str | None  # UCUM code of the value; None: the value is a CodeableConcept
    unit: str | None  # the unit string the profile fixes; None: the input's unit is written as it is
    units: frozenset[str | None]  # input units that mean ``ucum`` (None: no unit written)


HEART_RATE = Kind(
    "UKCore-Observation-VitalSigns-HeartRate",
    vocab.VITAL_SIGNS_CATEGORY,
    (LOINC, "8867-4", "Heart rate"),
    (SNOMED, "364075005", "Heart rate"),
    "/min",
    "per minute",
    PER_MINUTE,
)
RESPIRATION_RATE = Kind(
    "UKCore-Observation-VitalSigns-RespirationRate",
    vocab.VITAL_SIGNS_CATEGORY,
    (LOINC, "9279-1", "Respiratory rate"),
    (SNOMED, "86290005", "Respiratory rate"),
    "/min",
    "per minute",
    PER_MINUTE,
)
BODY_TEMPERATURE = Kind(
    "UKCore-Observation-VitalSigns-BodyTemperature",
    vocab.VITAL_SIGNS_CATEGORY,
    (LOINC, "8310-5", "Body temperature"),
    (SNOMED, "386725007", "Body temperature"),
    "Cel",
    "degree Celsius",
    frozenset({"Cel", "°C", "degree Celsius", "degrees Celsius"}),
)
OXYGEN_SATURATION = Kind(
    "UKCore-Observation-VitalSigns-OxygenSaturation",
    vocab.VITAL_SIGNS_CATEGORY,
    (LOINC, "2708-6", "Oxygen saturation in Arterial blood"),
    (SNOMED, "431314004", "Peripheral oxygen saturation"),
    "%",
    "percent",
    frozenset({"%", "percent"}),
)
NEWS2_TOTAL = Kind(
    "UKCore-Observation-EarlyWarningTotalScore",
    SURVEY,
    None,  # no LOINC code for the NEWS2 total could be verified offline: none is added
    None,
    "{ScoreOf}",
    None,
    frozenset({None, "{score}", "{ScoreOf}", "score", "points"}),
)
ACVPU = Kind("UKCore-Observation-ACVPU", SURVEY, None, None, None, None, frozenset({None}))
BLOOD_GLUCOSE = Kind(
    "UKCore-Observation-BloodGlucose",
    EXAM,
    None,
    None,
    "mmol/L",
    "millimoles per litre",
    frozenset({"mmol/L", "mmol/l", "millimoles per litre"}),
)
#: The profile a blood pressure panel claims. It is written in the shape of UKCore-Observation-VitalSigns-
#: BloodPressure (and R4's bp profile, which the HL7 validator applies by its LOINC code) but claims only the
#: vital-signs profile above it: the HL7 validator (6.10.4) cannot evaluate UK Core STU2's slicing of the
#: components' codings ("the discriminator [system] does not have fixed value"), on UK Core's own blood
#: pressure example too (profiles/README.md).
BLOOD_PRESSURE_PROFILE = "UKCore-Observation-VitalSigns"
SYSTOLIC = Kind(
    BLOOD_PRESSURE_PROFILE,
    vocab.VITAL_SIGNS_CATEGORY,
    (LOINC, "8480-6", "Systolic blood pressure"),
    (SNOMED, "72313002", "Systolic arterial pressure"),
    "mm[Hg]",
    "millimeter of mercury",
    MM_HG,
)
DIASTOLIC = Kind(
    SYSTOLIC.profile,
    vocab.VITAL_SIGNS_CATEGORY,
    (LOINC, "8462-4", "Diastolic blood pressure"),
    (SNOMED, "1091811000000102", "Diastolic arterial pressure"),
    "mm[Hg]",
    "millimeter of mercury",
    MM_HG,
)
#: The panel's own code (UK Core's blood pressure example): SNOMED CT and the LOINC code R4 fixes.
BLOOD_PRESSURE_CODES: tuple[Code, Code] = (
    (SNOMED, "75367002", "Blood pressure"),
    (LOINC, "85354-9", "Blood pressure panel with all children optional"),
)
#: A component's ``code.text``, which UK Core fixes (its components are sliced on it).
COMPONENT_TEXT = {id(SYSTOLIC): "Systolic blood pressure", id(DIASTOLIC): "Diastolic blood pressure"}

#: The input codes of each kind: the LOINC code the profile fixes, and SNOMED CT concepts of its UK Core
#: value set that its examples use (a LOINC code other than the fixed one would make two LOINC codings).
KINDS: dict[tuple[str, str], Kind] = {
    **dict.fromkeys([(SNOMED, "364075005"), (SNOMED, "78564009"), (SNOMED, "444981005")], HEART_RATE),
    (LOINC, "8867-4"): HEART_RATE,
    **dict.fromkeys([(SNOMED, "86290005"), (SNOMED, "271625008")], RESPIRATION_RATE),
    (LOINC, "9279-1"): RESPIRATION_RATE,
    **dict.fromkeys([(SNOMED, "386725007"), (SNOMED, "276885007")], BODY_TEMPERATURE),
    (LOINC, "8310-5"): BODY_TEMPERATURE,
    **dict.fromkeys([(SNOMED, "431314004"), (SNOMED, "442476006"), (SNOMED, "103228002")], OXYGEN_SATURATION),
    (LOINC, "2708-6"): OXYGEN_SATURATION,
    (SNOMED, "1104051000000101"): NEWS2_TOTAL,
    (SNOMED, "1104441000000107"): ACVPU,
    (LOINC, "15074-8"): BLOOD_GLUCOSE,
    (SNOMED, "997671000000106"): BLOOD_GLUCOSE,
    **dict.fromkeys([(SNOMED, "72313002"), (SNOMED, "271649006"), (LOINC, "8480-6")], SYSTOLIC),
    **dict.fromkeys([(SNOMED, "1091811000000102"), (SNOMED, "271650006"), (LOINC, "8462-4")], DIASTOLIC),
}
#: ACVPU as written (case ignored) -> its SNOMED CT concept in UK Core's ACVPU value set.
ACVPU_VALUES: dict[str, Code] = {
    **dict.fromkeys(["a", "alert"], (SNOMED, "248234008", "Mentally alert")),
    **dict.fromkeys(
        ["c", "confusion", "new confusion", "confused"], (SNOMED, "130987000", "Acute confusion")
    ),
    **dict.fromkeys(["v", "voice", "responds to voice"], (SNOMED, "300202002", "Responds to voice")),
    **dict.fromkeys(["p", "pain", "responds to pain"], (SNOMED, "450847001", "Responds to pain")),
    **dict.fromkeys(["u", "unresponsive"], (SNOMED, "422768004", "Unresponsive")),
}


def kind_of(obs: Json) -> Kind | None:
    """The UK Core observation profile ``obs`` fits, or None (a plain red-bag observation)."""
    code = obs["code"]
    kind = KINDS.get((code["system"], code["code"]))
    if kind is None:
        return None
    value, unit = obs["value"], obs.get("unit")
    if kind.ucum is None:  # ACVPU: a word, no unit
        return kind if isinstance(value, str) and unit is None else None
    if isinstance(value, bool) or not isinstance(value, int | float) or unit not in kind.units:
        return None
    return kind


def codings(obs: Json, kind: Kind) -> list[Json]:
    """The input coding first, then the LOINC and SNOMED CT codings the profile requires."""
    system = obs["code"]["system"]
    out = [coding((system, obs["code"]["code"], obs["code"]["display"]))]
    for required in (kind.snomed, kind.loinc):
        if required is not None and required[0] != system:
            out.append(coding(required))
    return out


def quantity(value: Any, unit: str | None, kind: Kind) -> Json:
    """A UCUM Quantity with the unit string UK Core fixes; the unit as written, when different, beside it."""
    shown = kind.unit or unit
    out: Json = {}
    if unit is not None and unit != shown:
        out["extension"] = [ext(vocab.EXT_VALUE_UNIT, valueString=unit)]
    out["value"] = value
    if shown:
        out["unit"] = shown
    out["system"] = UCUM
    out["code"] = kind.ucum
    return out


def value(obs: Json, kind: Kind) -> Json:
    """``valueQuantity``, or for ACVPU ``valueCodeableConcept`` (the word as written kept as its text)."""
    if kind.ucum is None:
        word: str = obs["value"]
        code = ACVPU_VALUES.get(word.strip().casefold())
        return {"valueCodeableConcept": {**({"coding": [coding(code)]} if code else {}), "text": word}}
    return {"valueQuantity": quantity(obs["value"], obs.get("unit"), kind)}


def component(obs: Json) -> Json:
    """One side of a blood pressure panel (``obs``: a systolic or diastolic pressure, see :func:`groups`)."""
    kind = SYSTOLIC if kind_of(obs) is SYSTOLIC else DIASTOLIC
    return {
        "code": {"coding": codings(obs, kind), "text": COMPONENT_TEXT[id(kind)]},
        "valueQuantity": quantity(obs["value"], obs.get("unit"), kind),
    }


def groups(items: Sequence[Json]) -> Iterator[tuple[int, ...]]:
    """Positions of the observations, one resource each: a systolic and a diastolic pressure taken at the
    same time and listed one after the other make one blood pressure panel, ``(i, i + 1)``."""
    i = 0
    while i < len(items):
        if i + 1 < len(items) and _pair(items[i], items[i + 1]):
            yield (i, i + 1)
            i += 2
        else:
            yield (i,)
            i += 1


def _pair(first: Json, second: Json) -> bool:
    kinds = {id(kind_of(first)), id(kind_of(second))}
    return kinds == {id(SYSTOLIC), id(DIASTOLIC)} and first["takenAt"] == second["takenAt"]


# --- back to the summary --------------------------------------------------------------------------


def _input_code(concept: Json) -> Json:
    c = concept["coding"][0]
    return {"system": c["system"], "code": c["code"], "display": c["display"]}


def _quantity(out: Json, q: Json) -> None:
    out["value"] = q["value"]
    written = next((e for e in q.get("extension") or [] if e.get("url") == vocab.EXT_VALUE_UNIT), None)
    unit = written["valueString"] if written else q.get("unit")
    if unit is not None:
        out["unit"] = unit


def summary_observations(o: Json) -> list[Json]:
    """The summary's observations an Observation carries: one, or two for a blood pressure panel."""
    taken = o["effectiveDateTime"]
    if "component" in o and not any(k.startswith("value") for k in o):
        out = []
        for c in o["component"]:
            item: Json = {"code": _input_code(c["code"])}
            _quantity(item, c["valueQuantity"])
            item["takenAt"] = taken
            out.append(item)
        return out
    item = {"code": _input_code(o["code"])}
    if "valueQuantity" in o:
        _quantity(item, o["valueQuantity"])
    elif "valueCodeableConcept" in o:
        item["value"] = o["valueCodeableConcept"]["text"]
    else:
        item["value"] = o["valueString"]
        marks = (o.get("_valueString") or {}).get("extension") or []
        unit = next((e for e in marks if e["url"] == vocab.EXT_VALUE_UNIT), None)
        if unit:
            item["unit"] = unit["valueString"]
    item["takenAt"] = taken
    return [item]
