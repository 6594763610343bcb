"""What a care home can manage, as data: the care it gives, the equipment it has, what it does for a
discharge, and when it takes a resident back from hospital.

The contract's ``careHome.capabilities`` block (and ``PUT /care-homes/{odsCode}/capabilities``)::

    {"confirmedOn": "2026-03-02",
     "care": ["dementia-care", "bowel-care"], "equipment": ["profiling-bed"],
     "discharge": ["collect-medicines", "arrange-transport"],
     "returns": [{"days": ["mon", "tue", "wed", "thu", "fri"], "from": "08:00", "until": "20:00"}]}

A list that is absent was not stated (the hospital must ask); a list that is present and empty says "none".
Codes are the project's own (``https://redbag.dev/fhir/CodeSystem/care-home-capability``, each with its
definition): no SNOMED CT concept says "this care home can give PEG feeding", and none is invented here.
In FHIR the block is a HealthcareService (:mod:`adapter.redbag.build_capabilities`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from adapter.errors import Violation
from adapter.redbag import vocab

Json = dict[str, Any]

SYSTEM: Final = f"{vocab.BASE}/CodeSystem/care-home-capability"

#: code -> (display, definition). The FSH CodeSystem says the same (a test compares them).
CARE: Final[dict[str, tuple[str, str]]] = {
    "nursing-care": (
        "Nursing care",
        "Registered nurses on duty at the home day and night, as in a care home with nursing.",
    ),
    "dementia-care": (
        "Dementia care",
        "Care of residents living with dementia by staff trained in it, including residents whose "
        "distress or disorientation needs it.",
    ),
    "end-of-life-care": (
        "End-of-life care",
        "Care in the last days and weeks of life at the home, with the GP and the community palliative "
        "care team, including giving anticipatory medicines when they are prescribed.",
    ),
    "pressure-ulcer-care": (
        "Pressure ulcer care",
        "Preventing and caring for pressure ulcers: repositioning, skin checks and dressings as a nurse's "
        "or tissue viability plan sets out.",
    ),
    "catheter-care": (
        "Urinary catheter care",
        "Day-to-day care of an indwelling urinary catheter: bags, hygiene, and watching for blockage or "
        "infection.",
    ),
    "stoma-care": (
        "Stoma care",
        "Care of a colostomy, ileostomy or urostomy: changing the bag and caring for the skin around it.",
    ),
    "peg-feeding": (
        "PEG feeding",
        "Feeds, fluids and medicines through a gastrostomy tube, and care of the tube and its site.",
    ),
    "insulin-administration": (
        "Insulin administration",
        "Insulin given and blood glucose checked as prescribed, by the home's staff or by the community "
        "nurses the home already works with.",
    ),
    "oxygen-therapy": (
        "Oxygen therapy",
        "Looking after a resident on prescribed oxygen (home oxygen service equipment), including its safe "
        "storage and use.",
    ),
    "bowel-care": (
        "Bowel care and constipation management",
        "Monitoring bowel movements (a stool chart), giving prescribed laxatives, and acting on "
        "constipation.",
    ),
    "modified-diet": (
        "Texture-modified food and thickened fluids",
        "Food and drink prepared to the texture a speech and language therapist sets (IDDSI levels).",
    ),
    "two-carer-assistance": (
        "Care by two staff at once",
        "Care that needs two members of staff together (double-handed), for example moving a resident "
        "with a hoist.",
    ),
}
EQUIPMENT: Final[dict[str, tuple[str, str]]] = {
    "profiling-bed": (
        "Profiling bed",
        "An electric bed whose height and back and knee sections can be adjusted.",
    ),
    "pressure-relieving-mattress": (
        "Pressure-relieving mattress",
        "A mattress that spreads pressure (high-specification foam or dynamic air) for a resident at risk "
        "of pressure ulcers.",
    ),
    "hoist": ("Hoist", "A mobile or ceiling hoist, with slings, to move a resident who cannot bear weight."),
    "standing-aid": (
        "Standing aid",
        "A stand-aid or rotunda to move a resident who can bear some weight.",
    ),
    "wheelchair": ("Wheelchair", "A wheelchair for the resident's use."),
}
DISCHARGE: Final[dict[str, tuple[str, str]]] = {
    "collect-medicines": (
        "Collects medicines from the hospital pharmacy",
        "Staff collect the medicines to take home from the hospital pharmacy, so the discharge need not "
        "wait for them to be sent.",
    ),
    "arrange-transport": (
        "Arranges transport home",
        "The home arranges the journey back (its own vehicle, or a taxi with an escort), so the discharge "
        "need not wait for hospital transport.",
    ),
}
#: The block's code lists, in the order the contract, the FHIR and the form show them.
GROUPS: Final[dict[str, dict[str, tuple[str, str]]]] = {
    "care": CARE,
    "equipment": EQUIPMENT,
    "discharge": DISCHARGE,
}
GROUP_TITLES: Final = {
    "care": "Care we give",
    "equipment": "Equipment we have",
    "discharge": "For a discharge",
}
GROUP_OF: Final = {code: group for group, codes in GROUPS.items() for code in codes}
#: Every code with its display and definition.
CODES: Final = {code: entry for codes in GROUPS.values() for code, entry in codes.items()}

#: FHIR's days of week (HealthcareService.availableTime.daysOfWeek), Monday first.
DAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES: Final = dict(zip(DAYS, ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), strict=True))


def display(code: str) -> str:
    """A capability's display (``bowel-care`` -> ``Bowel care and constipation management``)."""
    return CODES[code][0]


def coding(code: str) -> tuple[str, str, str]:
    """``(system, code, display)`` of a capability code."""
    return (SYSTEM, code, display(code))


def days_text(days: list[str]) -> str:
    """``["mon", ..., "fri"]`` -> ``Mon-Fri``; ``["sat", "sun"]`` -> ``Sat, Sun``; other sets listed."""
    indexes = [DAYS.index(d) for d in days]
    if len(indexes) > 2 and indexes == list(range(indexes[0], indexes[0] + len(indexes))):
        return f"{DAY_NAMES[days[0]]}-{DAY_NAMES[days[-1]]}"
    return ", ".join(DAY_NAMES[d] for d in days)


def window_text(window: Json) -> str:
    """One return window as people read it: ``Mon-Fri 08:00-20:00``."""
    return f"{days_text(window['days'])} {window['from']}-{window['until']}"


def violations(block: Any, where: str) -> Iterator[Violation]:
    """What the schema cannot say about a (schema-valid) capabilities block at ``where``: a return window
    must end after it starts."""
    if not isinstance(block, dict):
        return
    for i, window in enumerate(block.get("returns") or []):
        if isinstance(window, dict) and str(window.get("until", "")) <= str(window.get("from", "")):
            yield Violation(
                f"{where}.returns[{i}].until",
                f"{window.get('until')!r} is not after {window.get('from')!r}: a window ends after it starts",
                "capabilities",
            )
