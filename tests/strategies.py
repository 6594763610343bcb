"""Hypothesis strategies that generate valid resident summaries (and their discharges)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from adapter.redbag import capabilities, vocab

Json = dict[str, Any]

# Real codes with valid check digits (SNOMED CT concept ids and dm+d VMP ids).
CONDITIONS = [
    ("26929004", "Alzheimer's disease"),
    ("49049000", "Parkinson's disease"),
    ("44054006", "Diabetes mellitus type 2"),
    ("38341003", "Hypertensive disorder"),
]
MEDICINES = [
    ("322236009", "Paracetamol 500mg tablets"),
    ("317972000", "Furosemide 40mg tablets"),
    ("323509004", "Amoxicillin 250mg capsules"),
    ("39732411000001106", "Amoxicillin 500mg capsules"),
]
ALLERGENS = [("764146007", "Penicillin"), ("91935009", "Allergy to peanut")]


def _nhs_number(nine: str) -> str | None:
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return None if check == 10 else nine + str(check)


nhs_numbers = st.text("0123456789", min_size=9, max_size=9).map(_nhs_number).filter(lambda n: n is not None)

# Text as people type it: letters from several scripts, apostrophes, combining marks, no edge spaces.
_alphabet = st.sampled_from(
    [*"abcdefghijklmnopqrstuvwxyzABCXYZ'’-éöñçŁłżąęśćńóЖжÆøß", "e\u0301", "a\u0308", "عل", "ی", "漢字", "ñ"]
)
words = (
    st.lists(_alphabet, min_size=1, max_size=8)
    .map("".join)
    .filter(lambda w: w.strip() == w and w.strip() != "")
)
texts = st.lists(words, min_size=1, max_size=4).map(" ".join)
ods = st.from_regex(r"\A[A-Z][A-Z0-9]{2,6}\Z")


@st.composite
def instants(draw: Any, start_year: int = 2020, end_year: int = 2025) -> str:
    """An ISO date-time with an offset (GMT, BST or other), seconds or not, not in the future."""
    year = draw(st.integers(start_year, end_year))
    month, day = draw(st.integers(1, 12)), draw(st.integers(1, 28))
    hour, minute, second = draw(st.integers(0, 23)), draw(st.integers(0, 59)), draw(st.integers(0, 59))
    offset = draw(st.sampled_from(["Z", "+00:00", "+01:00", "-05:00", "+05:30"]))
    seconds = f":{second:02d}" if draw(st.integers(0, 4)) else ""  # sometimes written without seconds
    return f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}{seconds}{offset}"


@st.composite
def days(draw: Any, start_year: int = 1990, end_year: int = 2025) -> str:
    """A date as precise as a real record knows it: YYYY, YYYY-MM, YYYY-MM-DD, or a date-time."""
    year = draw(st.integers(start_year, end_year))
    month, day = draw(st.integers(1, 12)), draw(st.integers(1, 28))
    choices = st.sampled_from([f"{year:04d}", f"{year:04d}-{month:02d}", f"{year:04d}-{month:02d}-{day:02d}"])
    return draw(choices | instants(max(start_year, 2020), end_year) if end_year >= 2020 else choices)


def _code(system: str, pair: tuple[str, str]) -> Json:
    return {"system": system, "code": pair[0], "display": pair[1]}


def _optional(draw: Any, target: Json, key: str, strategy: Any) -> None:
    """Each optional field present or absent on its own draw: no field's presence hides another's."""
    if draw(st.booleans()):
        target[key] = draw(strategy)


def _optional_fields(draw: Any, fields: dict[str, Any]) -> Json:
    out: Json = {}
    for key, strategy in fields.items():
        _optional(draw, out, key, strategy)
    return out


_times = st.tuples(st.integers(0, 23), st.sampled_from([0, 15, 30, 45])).map(
    lambda hm: f"{hm[0]:02d}:{hm[1]:02d}"
)
_window = st.fixed_dictionaries(
    {
        "days": st.lists(st.sampled_from(capabilities.DAYS), min_size=1, max_size=7, unique=True),
        "span": st.lists(_times, min_size=2, max_size=2, unique=True).map(sorted),
    }
).map(lambda w: {"days": w["days"], "from": w["span"][0], "until": w["span"][1]})


@st.composite
def care_home_capabilities(draw: Any) -> Json:
    """What a care home can manage: each list stated or not on its own draw (an empty list says none)."""
    block: Json = {}
    _optional(draw, block, "confirmedOn", days(2018, 2025).filter(lambda d: "T" not in d))
    for group, codes in capabilities.GROUPS.items():
        _optional(
            draw, block, group, st.lists(st.sampled_from(list(codes)), unique=True, max_size=len(codes))
        )
    _optional(draw, block, "returns", st.lists(_window, min_size=1, max_size=3))
    return block


@st.composite
def _resident(draw: Any, gp_ods: str) -> Json:
    resident: Json = {"name": {"given": draw(st.lists(words, min_size=1, max_size=3)), "family": draw(words)}}
    if draw(st.booleans()):
        resident["nhsNumber"] = draw(nhs_numbers)
        _optional(draw, resident, "nhsNumberVerified", st.booleans())
        _optional(draw, resident, "localId", st.from_regex(r"\A[A-Z0-9]{3,10}\Z"))
    else:
        resident["localId"] = draw(st.from_regex(r"\A[A-Z0-9]{3,10}\Z"))
        resident["nhsNumberUnavailableReason"] = draw(st.sampled_from(list(vocab.NHS_UNAVAILABLE)))
    _optional(draw, resident["name"], "preferred", words)
    _optional(draw, resident, "birthDate", days(1910, 1960).filter(lambda d: "T" not in d))
    _optional(draw, resident, "gender", st.sampled_from(["male", "female", "other", "unknown"]))
    _optional(
        draw,
        resident,
        "address",
        st.fixed_dictionaries(
            {"line": st.lists(texts, min_size=1, max_size=2), "postalCode": st.just("LS6 2AB")},
            optional={"city": texts, "district": texts},
        ),
    )
    _optional(draw, resident, "language", st.sampled_from(["en", "pl", "ur", "cy", "pa-IN"]))
    _optional(draw, resident, "interpreterRequired", st.booleans())
    _optional(draw, resident, "gp", st.fixed_dictionaries({"odsCode": st.just(gp_ods), "name": texts}))
    return resident


@st.composite
def _medication(draw: Any) -> Json:
    med: Json = {
        "code": _code(vocab.DMD, draw(st.sampled_from(MEDICINES))),
        "status": draw(st.sampled_from(["active", "on-hold", "stopped", "completed"])),
        "timeCritical": draw(st.booleans()),
        "sentInBag": draw(st.booleans()),
    }
    med.update(
        _optional_fields(
            draw, {"dose": texts, "route": texts, "frequency": texts, "lastDoseGiven": instants()}
        )
    )
    return med


@st.composite
def _allergy(draw: Any, pair: tuple[str, str]) -> Json:
    return {
        "code": _code(vocab.SNOMED, pair),
        **_optional_fields(
            draw,
            {
                "category": st.sampled_from(["food", "medication", "environment", "biologic"]),
                "criticality": st.sampled_from(["low", "high", "unable-to-assess"]),
                "reaction": texts,
                "severity": st.sampled_from(["mild", "moderate", "severe"]),
            },
        ),
    }


@st.composite
def summaries(draw: Any) -> Json:
    """A resident summary the contract accepts: every field that may be absent is drawn present or absent
    on its own (tests/redbag/test_roundtrip.py checks that each is generated both ways)."""
    home_ods, hospital_ods, gp_ods = draw(st.lists(ods, min_size=3, max_size=3, unique=True))
    summary: Json = {
        "bagNumber": draw(st.from_regex(r"\ARB-[A-Z0-9]{1,8}-[0-9]{1,5}\Z")),
        "createdAt": draw(instants()),
        "careHome": {
            "odsCode": home_ods,
            "name": draw(texts),
            "type": draw(st.sampled_from(["nursing", "residential"])),
            **_optional_fields(
                draw,
                {
                    "operator": st.sampled_from(["independent", "nhs", "local-authority"]),
                    "phone": st.just("01632 960123"),
                    "address": st.fixed_dictionaries({"line": st.lists(texts, min_size=1, max_size=2)}),
                    "capabilities": care_home_capabilities(),
                },
            ),
        },
        "resident": draw(_resident(gp_ods)),
    }
    _optional(
        draw,
        summary,
        "contacts",
        st.lists(
            st.fixed_dictionaries(
                {"name": texts, "relationship": texts},
                optional={
                    "phone": st.just("07700 900123"),
                    "nextOfKin": st.booleans(),
                    "lastingPowerOfAttorney": st.booleans(),
                },
            ),
            max_size=3,
        ),
    )
    summary["transfer"] = {
        "reason": draw(texts),
        "departedAt": draw(instants()),
        "destination": {"odsCode": hospital_ods, "name": draw(texts)},
        **_optional_fields(
            draw,
            {
                "symptoms": texts,
                "actionsTaken": texts,
                "reasonCode": st.just(_code(vocab.SNOMED, ("297217002", "Rib pain"))),
            },
        ),
    }
    _optional(
        draw,
        summary,
        "baseline",
        st.fixed_dictionaries({}, optional={k: texts for k in vocab.BASELINE_NOTES}),
    )
    _optional(
        draw,
        summary,
        "observations",
        st.lists(
            st.fixed_dictionaries(
                {
                    "code": st.just(
                        {"system": "http://loinc.org", "code": "8310-5", "display": "Body temperature"}
                    ),
                    "value": st.one_of(st.integers(30, 42), st.sampled_from([37.5, 36.85]), texts),
                    "takenAt": instants(),
                },
                optional={"unit": st.sampled_from(["Cel", "°C", "mmHg", "score"])},
            ),
            min_size=1,
            max_size=3,
        ),
    )
    _optional(
        draw,
        summary,
        "conditions",
        st.lists(st.sampled_from(CONDITIONS), max_size=3).flatmap(
            lambda pairs: st.tuples(
                *[
                    st.fixed_dictionaries(
                        {
                            "code": st.just(_code(vocab.SNOMED, p)),
                            "status": st.sampled_from(["active", "resolved"]),
                        },
                        optional={"onset": days(1990, 2025), "note": texts},
                    )
                    for p in pairs
                ]
            ).map(list)
        ),
    )
    _optional(draw, summary, "medications", st.lists(_medication(), max_size=4))
    allergies = draw(st.sampled_from(["listed", "none-known", "not-recorded"]))
    if allergies == "none-known":
        summary["noKnownAllergies"] = True
    elif allergies == "listed":
        pairs = draw(st.lists(st.sampled_from(ALLERGENS), min_size=1, max_size=2))
        summary["allergies"] = [draw(_allergy(p)) for p in pairs]
    _optional(
        draw,
        summary,
        "resuscitation",
        st.fixed_dictionaries(
            {},
            optional={
                "decision": st.sampled_from(["dnacpr", "for-cpr", "not-recorded"]),
                "recordedAt": days(2018, 2025),
                "documentLocation": texts,
            },
        ),
    )
    _optional(
        draw,
        summary,
        "aboutMe",
        st.fixed_dictionaries({}, optional={k: texts for k in vocab.ABOUT_ME_NOTES}),
    )
    names = draw(st.lists(texts, max_size=5, unique_by=str.casefold))
    if draw(st.integers(0, 4)):
        summary["belongings"] = [
            {
                "item": name,
                "kind": draw(st.sampled_from(list(vocab.BELONGING_KINDS))),
                "quantity": draw(st.integers(1, 5)),
                **({"note": draw(texts)} if draw(st.booleans()) else {}),
            }
            for name in names
        ]
    _optional(
        draw,
        summary,
        "consentToShare",
        st.fixed_dictionaries(
            {"given": st.booleans(), "by": st.sampled_from(["resident", "lpa", "best-interest"])}
        ),
    )
    summary["author"] = {"name": draw(texts), "role": draw(texts)}
    return summary
