"""Write resident summaries as a care-home-csv export (the inverse of mappings/care-home-csv.yaml).

Used by the round-trip property tests, to write examples/csv, and by benchmarks/csv.py. Only what the
care-home-csv layout can hold survives: :func:`expressible` gives that part of a summary.
"""

from __future__ import annotations

import copy
import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

Json = dict[str, Any]

COLUMNS: dict[str, list[str]] = {
    "residents.csv": [
        "resident_id", "bag_number", "nhs_number", "nhs_number_verified", "given_names",
        "family_name", "preferred_name", "birth_date", "gender", "language", "interpreter_required",
        "gp_ods_code", "gp_name", "care_home_ods_code", "care_home_name", "care_home_type",
        "resuscitation_decision", "resuscitation_recorded_at", "consent_given", "consent_by",
        "author_name", "author_role", "created_at", "transfer_reason", "transfer_symptoms",
        "transfer_actions_taken", "departed_at", "destination_ods_code", "destination_name",
        "baseline_mobility", "baseline_cognition", "baseline_communication", "baseline_hearing",
        "baseline_sight", "baseline_continence", "baseline_eating_drinking", "baseline_skin",
        "normal_for_me", "can_manage_care", "can_manage_equipment", "can_manage_discharge",
        "returns_accepted", "capabilities_confirmed_on",
    ],
    "contacts.csv": ["resident_id", "name", "relationship", "phone", "next_of_kin", "lpa"],
    "conditions.csv": ["resident_id", "snomed_code", "display", "onset", "status", "note"],
    "medications.csv": [
        "resident_id", "dmd_code", "display", "dose", "route", "frequency", "status", "time_critical",
        "last_dose_given", "sent_in_bag",
    ],
    "allergies.csv": [
        "resident_id", "code_system", "code", "display", "category", "criticality", "reaction", "severity",
    ],
    "belongings.csv": ["resident_id", "item", "kind", "quantity", "note"],
}  # fmt: skip

BASELINE = {
    "mobility": "baseline_mobility", "cognition": "baseline_cognition",
    "communication": "baseline_communication", "hearing": "baseline_hearing", "sight": "baseline_sight",
    "continence": "baseline_continence", "eatingAndDrinking": "baseline_eating_drinking",
    "skin": "baseline_skin", "normalForMe": "normal_for_me",
}  # fmt: skip
SYSTEM_NAMES = {"http://snomed.info/sct": "SNOMED CT", "https://dmd.nhs.uk": "dm+d"}


def _bool(value: Any, style: str = "true") -> str:
    if value is None:
        return ""
    yes, no = {"true": ("true", "false"), "yes": ("Yes", "No"), "yn": ("Y", "N"), "10": ("1", "0")}[style]
    return yes if value else no


def expressible(summary: Json) -> Json:
    """The part of a summary the care-home-csv layout carries (what a round trip gives back)."""
    s = copy.deepcopy(summary)
    for key in ("observations", "aboutMe"):
        s.pop(key, None)
    s["careHome"] = {
        k: s["careHome"][k] for k in ("odsCode", "name", "type", "capabilities") if k in s["careHome"]
    }
    if not s["careHome"].get("capabilities"):  # a block with nothing stated leaves its cells empty
        s["careHome"].pop("capabilities", None)
    s["resident"].pop("address", None)
    if s["resident"].get("nhsNumber"):
        s["resident"].pop("localId", None)
    else:  # the layout has no column for the reason: a missing NHS number reads as "not known"
        s["resident"]["nhsNumberUnavailableReason"] = "nhs-number-not-known"
    s["transfer"].pop("reasonCode", None)
    if "resuscitation" in s:
        s["resuscitation"].pop("documentLocation", None)
        if not s["resuscitation"]:  # nothing left the layout can say
            del s["resuscitation"]
    s["conditions"] = s.get("conditions", [])
    # No rows for a resident read as an empty list (the layout cannot tell "none" from "not recorded"),
    # and the baseline columns always make an object, empty or not.
    for key in ("contacts", "medications", "belongings"):
        s.setdefault(key, [])
    s.setdefault("baseline", {})
    return s


def _codes(codes: list[str] | None) -> str:
    """A capability list as the layout writes it: codes separated by ";", "none" for an empty list."""
    if codes is None:
        return ""
    return "; ".join(codes) if codes else "none"


def _windows(windows: list[Json] | None) -> str:
    return "; ".join(f"{','.join(w['days'])} {w['from']}-{w['until']}" for w in windows or [])


def rows_of(summary: Json, resident_id: str, style: str = "true") -> dict[str, list[dict[str, str]]]:
    """One resident's rows per file (booleans written in ``style``: true, yes, yn or 10)."""
    s, r, t = summary, summary["resident"], summary["transfer"]
    gp = r.get("gp") or {}
    resus = s.get("resuscitation") or {}
    consent = s.get("consentToShare") or {}
    resident = {
        "resident_id": resident_id,
        "bag_number": s["bagNumber"],
        "nhs_number": r.get("nhsNumber", ""),
        "nhs_number_verified": _bool(r.get("nhsNumberVerified"), style),
        "given_names": " ".join(r["name"]["given"]),
        "family_name": r["name"]["family"],
        "preferred_name": r["name"].get("preferred", ""),
        "birth_date": r.get("birthDate", ""),
        "gender": r.get("gender", ""),
        "language": r.get("language", ""),
        "interpreter_required": _bool(r.get("interpreterRequired"), style),
        "gp_ods_code": gp.get("odsCode", ""),
        "gp_name": gp.get("name", ""),
        "care_home_ods_code": s["careHome"]["odsCode"],
        "care_home_name": s["careHome"]["name"],
        "care_home_type": s["careHome"]["type"],
        "resuscitation_decision": resus.get("decision", ""),
        "resuscitation_recorded_at": resus.get("recordedAt", ""),
        "consent_given": _bool(consent.get("given"), style),
        "consent_by": consent.get("by", ""),
        "author_name": s["author"]["name"],
        "author_role": s["author"]["role"],
        "created_at": s["createdAt"],
        "transfer_reason": t["reason"],
        "transfer_symptoms": t.get("symptoms", ""),
        "transfer_actions_taken": t.get("actionsTaken", ""),
        "departed_at": t["departedAt"],
        "destination_ods_code": t["destination"]["odsCode"],
        "destination_name": t["destination"]["name"],
    }
    resident.update({column: (s.get("baseline") or {}).get(field, "") for field, column in BASELINE.items()})
    caps = s["careHome"].get("capabilities") or {}
    resident.update(
        {
            "can_manage_care": _codes(caps.get("care")),
            "can_manage_equipment": _codes(caps.get("equipment")),
            "can_manage_discharge": _codes(caps.get("discharge")),
            "returns_accepted": _windows(caps.get("returns")),
            "capabilities_confirmed_on": caps.get("confirmedOn", ""),
        }
    )
    out: dict[str, list[dict[str, str]]] = {"residents.csv": [resident]}
    out["contacts.csv"] = [
        {
            "resident_id": resident_id,
            "name": c["name"],
            "relationship": c["relationship"],
            "phone": c.get("phone", ""),
            "next_of_kin": _bool(c.get("nextOfKin"), style),
            "lpa": _bool(c.get("lastingPowerOfAttorney"), style),
        }
        for c in s.get("contacts") or []
    ]
    out["conditions.csv"] = [
        {
            "resident_id": resident_id,
            "snomed_code": c["code"]["code"],
            "display": c["code"]["display"],
            "onset": c.get("onset", ""),
            "status": c["status"],
            "note": c.get("note", ""),
        }
        for c in s.get("conditions", [])
    ]
    out["medications.csv"] = [
        {
            "resident_id": resident_id,
            "dmd_code": m["code"]["code"],
            "display": m["code"]["display"],
            "dose": m.get("dose", ""),
            "route": m.get("route", ""),
            "frequency": m.get("frequency", ""),
            "status": m["status"],
            "time_critical": _bool(m["timeCritical"], style),
            "last_dose_given": m.get("lastDoseGiven", ""),
            "sent_in_bag": _bool(m["sentInBag"], style),
        }
        for m in s.get("medications") or []
    ]
    allergies = [
        {
            "resident_id": resident_id,
            "code_system": SYSTEM_NAMES.get(a["code"]["system"], a["code"]["system"]),
            "code": a["code"]["code"],
            "display": a["code"]["display"],
            "category": a.get("category", ""),
            "criticality": a.get("criticality", ""),
            "reaction": a.get("reaction", ""),
            "severity": a.get("severity", ""),
        }
        for a in s.get("allergies", [])
    ]
    if s.get("noKnownAllergies"):
        allergies.append(
            {
                "resident_id": resident_id,
                "code_system": "SNOMED CT",
                "code": "716186003",
                "display": "No known allergy",
                "category": "",
                "criticality": "",
                "reaction": "",
                "severity": "",
            }
        )
    out["allergies.csv"] = allergies
    out["belongings.csv"] = [
        {
            "resident_id": resident_id,
            "item": b["item"],
            "kind": b["kind"],
            "quantity": str(b["quantity"]),
            "note": b.get("note", ""),
        }
        for b in s.get("belongings") or []
    ]
    return out


def resident_id_of(summary: Json, n: int) -> str:
    """The resident_id a summary gets: its localId when it has one, else a numbered id."""
    local = summary["resident"].get("localId")
    return str(local) if local else f"res-{n:06d}"


def write_export(
    folder: Path,
    summaries: Sequence[Json],
    *,
    style: str = "true",
    encoding: str = "utf-8",
    newline: str = "\r\n",
    extra_columns: bool = False,
    row_order: str = "sorted",
) -> None:
    """Write ``summaries`` as the six files in ``folder``.

    ``row_order``: ``sorted`` by resident_id, ``reversed``, or ``interleaved`` (as given: not in key order
    when the ids are not); a resident's own rows always keep their order, which is the order of the items.
    """
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, list[dict[str, str]]] = {name: [] for name in COLUMNS}
    for n, summary in enumerate(summaries):
        for name, rows in rows_of(summary, resident_id_of(summary, n), style).items():
            files[name].extend(rows)
    for name, rows in files.items():
        if row_order == "sorted":
            rows.sort(key=lambda row: row["resident_id"])
        elif row_order == "reversed":  # residents in reverse; each resident's rows keep their order
            rows.sort(key=lambda row: row["resident_id"], reverse=True)
        write_csv(
            folder / name,
            COLUMNS[name],
            rows,
            encoding=encoding,
            newline=newline,
            extra_columns=extra_columns,
        )


def write_csv(
    path: Path,
    columns: Sequence[str],
    rows: Iterable[dict[str, str]],
    *,
    encoding: str = "utf-8",
    newline: str = "\r\n",
    extra_columns: bool = False,
) -> None:
    """One CSV file; ``extra_columns`` adds columns the mapping does not read, first and last."""
    header = list(columns)
    if extra_columns:
        header = ["export_batch", *header, "last_updated_by"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    writer.writerow(header)
    for row in rows:
        full = {"export_batch": "B1", "last_updated_by": "=SUM(A1:A2)", **row}
        writer.writerow([full.get(c, "") for c in header])
    path.write_bytes(buffer.getvalue().encode(encoding))
