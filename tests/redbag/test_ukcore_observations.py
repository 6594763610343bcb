"""Observations as UK Core's observation profiles want them, contacts coded as UK Core's
PersonRelationshipType has them, and both read back to the summary that made them."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
import pytest

from adapter.redbag import build_bundles, check_summary, document_to_summary, normalise_summary, vocab
from adapter.redbag.contract import read_json_file
from adapter.redbag.ukcore_observations import ACVPU_VALUES

ROOT = Path(__file__).parents[2]
Json = dict[str, Any]
SNOMED, LOINC, UCUM = vocab.SNOMED, vocab.LOINC, vocab.UCUM
UK = vocab.UKCORE_PROFILE


def base() -> Json:
    return read_json_file(ROOT / "tests" / "data" / "summary.json")


def code(system: str, value: str, display: str) -> Json:
    return {"system": system, "code": value, "display": display}


def document_of(summary: Json) -> Json:
    return build_bundles(check_summary(summary))[0]


def observations(summary: Json) -> list[Json]:
    return [
        e["resource"]
        for e in document_of(summary)["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and e["resource"]["meta"]["profile"][0].endswith("/RedBagObservation")
    ]


def written(*items: Json) -> tuple[list[Json], Json]:
    """The Observations ``items`` become, and the summary they were made from."""
    summary = base()
    summary["observations"] = list(items)
    return observations(summary), summary


def obs(c: Json, value: Any, unit: str | None = None, when: str = "2025-10-26T01:20:00+00:00") -> Json:
    out: Json = {"code": c, "value": value, "takenAt": when}
    if unit is not None:
        out["unit"] = unit
    return out


def reads_back(summary: Json) -> None:
    assert document_to_summary(document_of(summary)) == normalise_summary(summary)


def systems(resource: Json) -> list[tuple[str, str]]:
    return [(c["system"], c["code"]) for c in resource["code"]["coding"]]


PULSE = code(SNOMED, "78564009", "Pulse rate")
HEART_RATE_LOINC = code(LOINC, "8867-4", "Heart rate")
TEMPERATURE = code(LOINC, "8310-5", "Body temperature")
SPO2 = code(SNOMED, "431314004", "Peripheral oxygen saturation")
RESPIRATION = code(SNOMED, "86290005", "Respiratory rate")
NEWS2 = code(SNOMED, "1104051000000101", "NEWS2 total score")
ACVPU = code(SNOMED, "1104441000000107", "ACVPU scale score")
GLUCOSE = code(LOINC, "15074-8", "Glucose [Moles/volume] in Blood")
SYSTOLIC = code(SNOMED, "72313002", "Systolic arterial pressure")
DIASTOLIC = code(SNOMED, "1091811000000102", "Diastolic arterial pressure")
SYSTOLIC_LOINC = code(LOINC, "8480-6", "Systolic blood pressure")
DIASTOLIC_LOINC = code(LOINC, "8462-4", "Diastolic blood pressure")


@pytest.mark.parametrize(
    ("item", "profile", "category", "codes", "unit", "ucum"),
    [
        (
            obs(PULSE, 98, "/min"),
            "UKCore-Observation-VitalSigns-HeartRate",
            "vital-signs",
            [(SNOMED, "78564009"), (LOINC, "8867-4")],
            "per minute",
            "/min",
        ),
        (
            obs(HEART_RATE_LOINC, 104, "bpm"),
            "UKCore-Observation-VitalSigns-HeartRate",
            "vital-signs",
            [(LOINC, "8867-4"), (SNOMED, "364075005")],
            "per minute",
            "/min",
        ),
        (
            obs(RESPIRATION, 22, "/min"),
            "UKCore-Observation-VitalSigns-RespirationRate",
            "vital-signs",
            [(SNOMED, "86290005"), (LOINC, "9279-1")],
            "per minute",
            "/min",
        ),
        (
            obs(TEMPERATURE, 38.2, "°C"),
            "UKCore-Observation-VitalSigns-BodyTemperature",
            "vital-signs",
            [(LOINC, "8310-5"), (SNOMED, "386725007")],
            "degree Celsius",
            "Cel",
        ),
        (
            obs(SPO2, 93, "%"),
            "UKCore-Observation-VitalSigns-OxygenSaturation",
            "vital-signs",
            [(SNOMED, "431314004"), (LOINC, "2708-6")],
            "percent",
            "%",
        ),
        (
            obs(NEWS2, 6, "{score}"),
            "UKCore-Observation-EarlyWarningTotalScore",
            "survey",
            [(SNOMED, "1104051000000101")],
            "{score}",
            "{ScoreOf}",
        ),
        (
            obs(NEWS2, 5),
            "UKCore-Observation-EarlyWarningTotalScore",
            "survey",
            [(SNOMED, "1104051000000101")],
            None,
            "{ScoreOf}",
        ),
        (
            obs(GLUCOSE, 8.4, "mmol/L"),
            "UKCore-Observation-BloodGlucose",
            "exam",
            [(LOINC, "15074-8")],
            "millimoles per litre",
            "mmol/L",
        ),
    ],
    ids=[
        "pulse",
        "heart-rate-loinc",
        "respiration",
        "temperature",
        "spo2",
        "news2",
        "news2-no-unit",
        "glucose",
    ],
)
def test_each_kind_is_written_as_its_uk_core_profile_wants(
    item: Json, profile: str, category: str, codes: list[tuple[str, str]], unit: str | None, ucum: str
) -> None:
    (resource,), summary = written(item)
    assert resource["meta"]["profile"] == [f"{vocab.PROFILE}/RedBagObservation", f"{UK}/{profile}"]
    assert [c["code"] for c in resource["category"][0]["coding"]] == [category]
    assert systems(resource) == codes, "the input coding first, then what UK Core requires"
    quantity = resource["valueQuantity"]
    assert (quantity.get("unit"), quantity["system"], quantity["code"]) == (unit, UCUM, ucum)
    as_written = [e["valueString"] for e in quantity.get("extension", []) if e["url"] == vocab.EXT_VALUE_UNIT]
    assert as_written == ([item["unit"]] if item.get("unit") not in (None, unit) else [])
    reads_back(summary)


@pytest.mark.parametrize(
    ("word", "expected"),
    [("Alert", "248234008"), ("V", "300202002"), ("new confusion", "130987000"), ("drowsy", None)],
)
def test_acvpu_is_a_codeable_concept_keeping_the_word(word: str, expected: str | None) -> None:
    (resource,), summary = written(obs(ACVPU, word))
    assert resource["meta"]["profile"][1] == f"{UK}/UKCore-Observation-ACVPU"
    assert resource["category"][0]["coding"][0]["code"] == "survey"
    value = resource["valueCodeableConcept"]
    assert value["text"] == word
    assert [c["code"] for c in value.get("coding", [])] == ([expected] if expected else [])
    assert "valueString" not in resource
    reads_back(summary)


def test_every_acvpu_word_names_a_code_of_the_uk_core_value_set() -> None:
    assert {c[1] for c in ACVPU_VALUES.values()} == {
        "248234008",
        "130987000",
        "300202002",
        "450847001",
        "422768004",
    }


@pytest.mark.parametrize(
    ("first", "second"),
    [(SYSTOLIC, DIASTOLIC), (DIASTOLIC, SYSTOLIC), (SYSTOLIC_LOINC, DIASTOLIC_LOINC)],
    ids=["systolic-first", "diastolic-first", "loinc"],
)
def test_a_systolic_and_diastolic_pressure_taken_together_are_one_panel(first: Json, second: Json) -> None:
    resources, summary = written(obs(NEWS2, 3), obs(first, 158, "mm[Hg]"), obs(second, 84, "mmHg"))
    assert len(resources) == 2
    panel = resources[1]
    assert panel["meta"]["profile"][1] == f"{UK}/UKCore-Observation-VitalSigns"
    assert systems(panel) == [(SNOMED, "75367002"), (LOINC, "85354-9")]
    assert not any(k.startswith("value") for k in panel)
    components = panel["component"]
    assert [c["code"]["coding"][0]["code"] for c in components] == [first["code"], second["code"]]
    for c in components:
        codes = {x["system"] for x in c["code"]["coding"]}
        assert codes == {SNOMED, LOINC}, "UK Core wants both codings on each component"
        assert c["code"]["text"] in ("Systolic blood pressure", "Diastolic blood pressure")
        assert c["valueQuantity"]["unit"] == "millimeter of mercury"
        assert c["valueQuantity"]["code"] == "mm[Hg]"
    reads_back(summary)


def test_pressures_not_taken_together_stay_apart() -> None:
    later = "2025-10-26T02:20:00+00:00"
    resources, summary = written(obs(SYSTOLIC, 158, "mm[Hg]"), obs(DIASTOLIC, 84, "mm[Hg]", later))
    assert [r["meta"]["profile"][1] for r in resources] == [f"{UK}/UKCore-Observation"] * 2
    assert all("component" not in r for r in resources)
    reads_back(summary)
    resources, summary = written(obs(SYSTOLIC, 158, "mm[Hg]"), obs(NEWS2, 3), obs(DIASTOLIC, 84, "mm[Hg]"))
    assert len(resources) == 3 and all("component" not in r for r in resources)
    reads_back(summary)


@pytest.mark.parametrize(
    "item",
    [obs(PULSE, "fast"), obs(PULSE, 98), obs(TEMPERATURE, 98.6, "[degF]"), obs(ACVPU, "Alert", "score")],
    ids=["text-pulse", "pulse-without-unit", "fahrenheit", "acvpu-with-unit"],
)
def test_what_does_not_fit_a_uk_core_profile_stays_a_plain_observation(item: Json) -> None:
    (resource,), summary = written(item)
    assert resource["meta"]["profile"][1] == f"{UK}/UKCore-Observation"
    if isinstance(item["value"], str):
        assert resource["valueString"] == item["value"]
    else:
        assert resource["valueQuantity"].get("unit") == item.get("unit")
    reads_back(summary)


def test_every_example_reads_back_and_claims_a_uk_core_child_profile_for_its_vital_signs() -> None:
    claimed = set()
    for path in sorted((ROOT / "examples").glob("*.summary.json")):
        summary = read_json_file(path)
        for r in observations(summary):
            claimed.add(r["meta"]["profile"][1].rsplit("/", 1)[1])
        reads_back(summary)
    assert claimed >= {
        "UKCore-Observation-VitalSigns-HeartRate",
        "UKCore-Observation-VitalSigns-RespirationRate",
        "UKCore-Observation-VitalSigns-BodyTemperature",
        "UKCore-Observation-VitalSigns-OxygenSaturation",
        "UKCore-Observation-VitalSigns",
        "UKCore-Observation-EarlyWarningTotalScore",
        "UKCore-Observation-ACVPU",
        "UKCore-Observation-BloodGlucose",
    }


# --- contacts -----------------------------------------------------------------------------------------


def contacts_of(summary: Json) -> list[Json]:
    return [
        e["resource"]
        for e in document_of(summary)["entry"]
        if e["resource"]["resourceType"] == "RelatedPerson"
    ]


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("Daughter", "DAUC"),
        ("son", "SONC"),
        ("Wife", "WIFE"),
        ("Niece", "NIECE"),
        ("Daughter-in-law", "DAUINLAW"),
        ("Sister (speaks Urdu and Punjabi only)", "SIS"),
        ("Grand  son", None),
        ("GRANDSON", "GRNDSON"),
        ("Neighbour", "NBOR"),
        ("Neighbour and friend", None),
        ("Key worker", None),
    ],
)
def test_relationships_are_coded_from_uk_core_person_relationship_type(
    words: str, expected: str | None
) -> None:
    summary = base()
    summary["contacts"] = [{"name": "A Person", "relationship": words, "nextOfKin": True}]
    (person,) = contacts_of(summary)
    first = person["relationship"][0]
    assert first["text"] == words
    assert [c["code"] for c in first.get("coding", [])] == ([expected] if expected else [])
    assert all(c["system"] == vocab.V3_ROLE_CODE for c in first.get("coding", []))
    reads_back(summary)


@pytest.mark.parametrize(("kin", "lpa"), [(True, True), (True, False), (False, True), (False, False)])
def test_next_of_kin_and_lasting_power_of_attorney_are_concepts_of_their_own(kin: bool, lpa: bool) -> None:
    summary = base()
    summary["contacts"] = [
        {"name": "A Person", "relationship": "Daughter", "nextOfKin": kin, "lastingPowerOfAttorney": lpa}
    ]
    (person,) = contacts_of(summary)
    rest = [(c["coding"][0]["system"], c["coding"][0]["code"], c["text"]) for c in person["relationship"][1:]]
    expected = []
    if kin:
        expected.append((vocab.V2_RELATIONSHIP, "N", "Next of kin"))
    if lpa:
        expected.append((vocab.V3_ROLE_CODE, "HPOWATT", "Lasting power of attorney"))
    assert rest == expected
    reads_back(summary)


def test_documents_written_with_v3_nok_still_read_as_next_of_kin() -> None:
    summary = base()
    document = document_of(summary)
    old = copy.deepcopy(document)
    for e in old["entry"]:
        r = e["resource"]
        if r["resourceType"] == "RelatedPerson":
            flags = r["relationship"][1:]
            r["relationship"] = [
                {
                    "coding": [
                        {"system": vocab.V3_ROLE_CODE, "code": "NOK", "display": "next of kin"}
                        for c in flags
                        if c["coding"][0]["code"] == "N"
                    ]
                    + [c["coding"][0] for c in flags if c["coding"][0]["code"] == "HPOWATT"],
                    "text": r["relationship"][0]["text"],
                }
            ]
    assert document_to_summary(old) == document_to_summary(document) == normalise_summary(summary)


def test_relationship_codes_are_personal_relationships_with_their_hl7_displays() -> None:
    """Every code the adapter writes for a relationship is in UK Core PersonRelationshipType (v3 RoleCode
    under _PersonalRelationshipRoleType, or HL7 v2 table 0131), with the display HL7 terminology gives."""
    from adapter.validation import packages

    folder = packages.package_dir(packages.TERMINOLOGY)
    if not packages.is_installed(packages.TERMINOLOGY):
        pytest.skip(
            f"{packages.TERMINOLOGY.folder} is not in the package cache: run `redbag packages install`"
        )
    role_codes = orjson.loads((folder / "CodeSystem-v3-RoleCode.json").read_bytes())["concept"]
    displays = {c["code"]: c.get("display") for c in role_codes}
    parents = {
        c["code"]: [p["valueCode"] for p in c.get("property", []) if p["code"] == "subsumedBy"]
        for c in role_codes
    }

    def ancestors(code: str) -> set[str]:
        return {a for p in parents.get(code, []) for a in {p, *ancestors(p)}}

    for role, display in vocab.RELATIONSHIPS.values():
        assert displays[role] == display
        assert "_PersonalRelationshipRoleType" in ancestors(role), role
    assert displays[vocab.ROLE_LPA[1]] == vocab.ROLE_LPA[2]
    v2 = orjson.loads((folder / "CodeSystem-v2-0131.json").read_bytes())["concept"]
    assert {c["code"]: c["display"] for c in v2}[vocab.ROLE_NEXT_OF_KIN[1]] == vocab.ROLE_NEXT_OF_KIN[2]
