"""What the form must say for each gap the contract warns about: the words beside its item (with the
XPath of that item) and the words of the first page's box. The tests' own account of the form, written
apart from the renderer."""

from __future__ import annotations

import re
from typing import Any

from adapter.errors import Violation
from adapter.redbag.narrative import when

Json = dict[str, Any]

#: (XPath of the element beside the item, the words it must show), and how the first page's box names the
#: gap with whether it is urgent (listed on its own line).
Expectation = tuple[list[tuple[str, str]], str, bool]


TIME_CRITICAL = "//section[contains(@class, 'time-critical')]"


def not_recorded(s: Json) -> str:
    home = s["careHome"]
    return f"NOT RECORDED, ask {home['name']} on {home['phone']}"


def section(heading_id: str) -> str:
    return f"//section[@aria-labelledby='{heading_id}']"


def fact(label: str) -> str:
    return f"//section[contains(@class, 'resident')]//div[dt='{label}']/dd"


def medicine_row(name: str) -> str:
    """The medicines table's row of ``name`` (its header cell starts with the name, then a badge)."""
    row = f"tr[th[normalize-space(text()[1]) = {xpath_string(name)}]]"
    return f"//table[contains(@class, 'medicines')]/tbody/{row}"


def item(box: str, name: str) -> str:
    return f"//section[contains(@class, '{box}')]//li[normalize-space(strong) = {xpath_string(name)}]"


def xpath_string(text: str) -> str:
    if "'" not in text:
        return f"'{text}'"
    return "concat(" + ', "\'", '.join(f"'{part}'" for part in text.split("'")) + ")"


def _display(s: Json, key: str, i: str) -> str:
    return str(s[key][int(i)]["code"]["display"])


def expectation(w: Violation, s: Json) -> Expectation:
    """Where and in which words the form must say the gap that warning ``w`` names."""
    gap = not_recorded(s)
    path = re.sub(r"\[\d+\]", "[]", w.path)
    i = (re.findall(r"\[(\d+)\]", w.path) or ["0"])[0]
    if path == "$.medications[].lastDoseGiven":
        name = _display(s, "medications", i)
        beside = [
            (item("time-critical", name), f"Last dose given: {gap}"),
            (f"{medicine_row(name)}/td[4]", gap),
        ]
        return beside, f"Last dose of {name} (time-critical)", True
    if path == "$.medications[].dose":
        name = _display(s, "medications", i)
        beside = [(f"{medicine_row(name)}/td[1]", gap)]
        if s["medications"][int(i)]["timeCritical"]:
            beside.append((item("time-critical", name), f"dose {gap}"))
        return beside, f"Dose of {name}", False
    if path == "$.allergies[].criticality":
        name = _display(s, "allergies", i)
        return (
            [(item("allergies", name), f"Criticality: {gap}")],
            f"Criticality of the allergy to {name}",
            False,
        )
    born = s["resident"].get("birthDate")
    table: dict[str, Expectation] = {
        "$.medications": (
            [
                (TIME_CRITICAL, f"Medicines: {gap}"),
                (section("h-medicines"), f"Medicines: {gap}"),
            ],
            "Medicines, and whether any is time-critical",
            True,
        ),
        "$.resuscitation": (
            [("//section[contains(@class, 'resus')]", f"Resuscitation decision {gap}")],
            "Resuscitation decision",
            True,
        ),
        "$.resuscitation.recordedAt": (
            [("//section[contains(@class, 'resus')]", f"Date of decision: {gap}")],
            "Date of the resuscitation decision",
            True,
        ),
        "$.allergies": (
            [
                (
                    "//section[contains(@class, 'allergies') and contains(@class, 'not-recorded')]",
                    f"ALLERGIES {gap}",
                )
            ],
            "Allergies (neither allergies nor no known allergies)",
            True,
        ),
        "$.contacts": (
            [(section("h-contacts"), f"Contacts (next of kin, family, friends): {gap}")],
            "Contacts (next of kin, family, friends)",
            False,
        ),
        "$.baseline": (
            [(section("h-baseline"), f"What the resident is like when well: {gap}")],
            "What the resident is like when well",
            False,
        ),
        "$.belongings": (
            [(section("h-belongings"), f"Belongings that went with the resident: {gap}")],
            "Belongings that went with the resident",
            False,
        ),
        "$.consentToShare": (
            [(section("h-contacts"), f"Consent to share this information: {gap}")],
            "Consent to share this information",
            False,
        ),
        "$.resident.gender": ([(fact("Gender"), gap)], "Gender", False),
        "$.consentToShare.by": (
            [(section("h-contacts"), f"who holds it: {gap}")],
            "Who holds the lasting power of attorney",
            False,
        ),
    }
    table["$.resuscitation.decision"] = table["$.resuscitation"]
    if path == "$.resident.birthDate" and born is None:
        return [(fact("Date of birth"), gap)], "Date of birth", False
    if path == "$.resident.birthDate":
        missing = "Day" if len(born) == 7 else "Day and month"
        shown = f"{when(born)} {missing} {gap}"
        return [(fact("Date of birth"), shown)], f"Full date of birth (only {when(born)} is recorded)", False
    return table[path]
