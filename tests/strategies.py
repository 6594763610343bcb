"""Hypothesis strategies that generate valid resident summaries (and their discharges)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from adapter.redbag import vocab

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
    """An ISO date-time with seconds and an offset (GMT, BST or other), not in the future."""
    year = draw(st.integers(start_year, end_year))
    month, day = draw(st.integers(1, 12)), draw(st.integers(1, 28))
    hour, minute, second = draw(st.integers(0, 23)), draw(st.integers(0, 59)), draw(st.integers(0, 59))
    offset = draw(st.sampled_from(["Z", "+00:00", "+01:00", "-05:00", "+05:30"]))
    return f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}{offset}"


def _code(system: str, pair: tuple[str, str]) -> Json:
    return {"system": system, "code": pair[0], "display": pair[1]}


def _optional(draw: Any, target: Json, key: str, strategy: Any) -> None:
    if draw(st.booleans()):
        target[key] = draw(strategy)


@st.composite
def summaries(draw: Any) -> Json:
    """A resident summary that satisfies the whole contract."""
    resident: Json = {"name": {"given": draw(st.lists(words, min_size=1, max_size=3)), "family": draw(words)}}
    if draw(st.booleans()):
        resident["nhsNumber"] = draw(nhs_numbers)
        _optional(draw, resident, "nhsNumberVerified", st.booleans())
    else:
        resident["localId"] = draw(st.from_regex(r"\A[A-Z0-9]{3,10}\Z"))
        resident["nhsNumberUnavailableReason"] = draw(st.sampled_from(list(vocab.NHS_UNAVAILABLE)))
    _optional(draw, resident["name"], "preferred", words)
    resident["birthDate"] = draw(
        st.dates(
            min_value=__import__("datetime").date(1910, 1, 1),
            max_value=__import__("datetime").date(1960, 12, 31),
        )
    ).isoformat()
    resident["gender"] = draw(st.sampled_from(["male", "female", "other", "unknown"]))
    _optional(
        draw,
        resident,
        "address",
        st.fixed_dictionaries(
            {"line": st.lists(texts, min_size=1, max_size=2), "postalCode": st.just("LS6 2AB")},
            optional={"city": texts},
        ),
    )
    _optional(draw, resident, "language", st.sampled_from(["en", "pl", "ur", "cy", "pa-IN"]))
    _optional(draw, resident, "interpreterRequired", st.booleans())
    home_ods, hospital_ods, gp_ods = draw(st.lists(ods, min_size=3, max_size=3, unique=True))
    _optional(draw, resident, "gp", st.fixed_dictionaries({"odsCode": st.just(gp_ods), "name": texts}))

    contacts = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "name": texts,
                    "relationship": texts,
                    "nextOfKin": st.booleans(),
                    "lastingPowerOfAttorney": st.booleans(),
                },
                optional={"phone": st.just("07700 900123")},
            ),
            min_size=1,
            max_size=3,
        )
    )
    medications = []
    for pair in draw(st.lists(st.sampled_from(MEDICINES), max_size=4)):
        med: Json = {
            "code": _code(vocab.DMD, pair),
            "dose": draw(texts),
            "status": draw(st.sampled_from(["active", "on-hold", "stopped", "completed"])),
            "timeCritical": draw(st.booleans()),
            "sentInBag": draw(st.booleans()),
        }
        _optional(draw, med, "route", texts)
        _optional(draw, med, "frequency", texts)
        if med["timeCritical"] or draw(st.booleans()):
            med["lastDoseGiven"] = draw(instants())
        medications.append(med)
    summary: Json = {
        "bagNumber": draw(st.from_regex(r"\ARB-[A-Z0-9]{1,8}-[0-9]{1,5}\Z")),
        "createdAt": draw(instants()),
        "careHome": {
            "odsCode": home_ods,
            "name": draw(texts),
            "type": draw(st.sampled_from(["nursing", "residential"])),
        },
        "resident": resident,
        "contacts": contacts,
        "transfer": {
            "reason": draw(texts),
            "departedAt": draw(instants()),
            "destination": {"odsCode": hospital_ods, "name": draw(texts)},
        },
        "baseline": draw(st.fixed_dictionaries({}, optional={k: texts for k in vocab.BASELINE_NOTES})),
        "medications": medications,
        "resuscitation": {"decision": draw(st.sampled_from(["dnacpr", "for-cpr", "not-recorded"]))},
        "belongings": [],
        "consentToShare": {
            "given": draw(st.booleans()),
            "by": draw(st.sampled_from(["resident", "best-interest"])),
        },
        "author": {"name": draw(texts), "role": draw(texts)},
    }
    _optional(
        draw, summary["careHome"], "operator", st.sampled_from(["independent", "nhs", "local-authority"])
    )
    _optional(draw, summary["careHome"], "phone", st.just("01632 960123"))
    for field in ("symptoms", "actionsTaken"):
        _optional(draw, summary["transfer"], field, texts)
    if draw(st.booleans()):
        summary["transfer"]["reasonCode"] = _code(vocab.SNOMED, ("297217002", "Rib pain"))
    if summary["resuscitation"]["decision"] != "not-recorded" or draw(st.booleans()):
        summary["resuscitation"]["recordedAt"] = draw(instants())
    _optional(draw, summary["resuscitation"], "documentLocation", texts)
    if draw(st.booleans()):
        summary["conditions"] = [
            {
                "code": _code(vocab.SNOMED, pair),
                "status": draw(st.sampled_from(["active", "resolved"])),
                **(
                    {"onset": draw(st.sampled_from(["2019", "2020-03", "2021-04-05"]))}
                    if draw(st.booleans())
                    else {}
                ),
                **({"note": draw(texts)} if draw(st.booleans()) else {}),
            }
            for pair in draw(st.lists(st.sampled_from(CONDITIONS), max_size=3))
        ]
    if draw(st.booleans()):
        summary["noKnownAllergies"] = True
    else:
        summary["allergies"] = [
            {
                "code": _code(vocab.SNOMED, pair),
                "category": draw(st.sampled_from(["food", "medication"])),
                "criticality": draw(st.sampled_from(["low", "high", "unable-to-assess"])),
                **({"reaction": draw(texts)} if draw(st.booleans()) else {}),
                **(
                    {"severity": draw(st.sampled_from(["mild", "moderate", "severe"]))}
                    if draw(st.booleans())
                    else {}
                ),
            }
            for pair in draw(st.lists(st.sampled_from(ALLERGENS), min_size=1, max_size=2))
        ]
    if draw(st.booleans()):
        summary["observations"] = [
            {
                "code": {"system": "http://loinc.org", "code": "8310-5", "display": "Body temperature"},
                "value": draw(st.one_of(st.integers(30, 42), st.sampled_from([37.5, 36.85]), texts)),
                **(
                    {"unit": draw(st.sampled_from(["Cel", "°C", "mmHg", "score"]))}
                    if draw(st.booleans())
                    else {}
                ),
                "takenAt": draw(instants()),
            }
            for _ in range(draw(st.integers(1, 3)))
        ]
    if draw(st.booleans()):
        summary["aboutMe"] = draw(
            st.fixed_dictionaries({}, optional={k: texts for k in vocab.ABOUT_ME_NOTES})
        )
        if not summary["aboutMe"]:
            del summary["aboutMe"]
    names = draw(st.lists(texts, max_size=5, unique_by=str.casefold))
    summary["belongings"] = [
        {
            "item": name,
            "kind": draw(st.sampled_from(list(vocab.BELONGING_KINDS))),
            "quantity": draw(st.integers(1, 5)),
            **({"note": draw(texts)} if draw(st.booleans()) else {}),
        }
        for name in names
    ]
    if draw(st.booleans()) and any(c["lastingPowerOfAttorney"] for c in contacts):
        summary["consentToShare"]["by"] = "lpa"
    return summary
