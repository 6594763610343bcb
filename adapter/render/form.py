"""The printable transfer form as data: what the template shows, already worded for people.

Every value here is display text (dates via :func:`adapter.redbag.narrative.when`, never shifted);
``None`` means "not recorded", which the form says out loud rather than leaving a blank.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Resident:
    name: str
    preferred: str | None
    nhs_number: str | None  # 3-3-4
    local_id: str | None
    no_nhs_number_reason: str | None
    born: str
    age: int | None
    gender: str
    language: str | None
    interpreter: bool
    gp: str | None
    address: str | None


@dataclass(frozen=True)
class CareHome:
    name: str
    ods_code: str
    kind: str  # "Nursing home" / "Residential home"
    phone: str | None


@dataclass(frozen=True)
class Medicine:
    name: str
    dose: str
    route: str | None
    frequency: str | None
    status: str
    time_critical: bool
    last_dose: str | None
    in_bag: bool


@dataclass(frozen=True)
class Allergy:
    name: str
    category: str
    criticality: str
    reaction: str | None
    severity: str | None


@dataclass(frozen=True)
class Resuscitation:
    decision: str  # dnacpr | for-cpr | not-recorded
    headline: str
    recorded: str | None
    form_kept: str | None


@dataclass(frozen=True)
class Labelled:
    label: str
    text: str | None


@dataclass(frozen=True)
class Observation:
    name: str
    value: str
    taken: str


@dataclass(frozen=True)
class Condition:
    name: str
    status: str
    since: str | None
    note: str | None


@dataclass(frozen=True)
class Contact:
    name: str
    relationship: str
    phone: str | None
    roles: str | None  # "Next of kin, LPA"


@dataclass(frozen=True)
class Belonging:
    item: str
    kind: str
    quantity: int
    note: str | None
    status: str | None = None  # returned | missing | retained (return journey only)
    return_note: str | None = None


@dataclass(frozen=True)
class Outbound:
    """The red bag as it left the care home."""

    reason: str
    symptoms: str | None
    actions_taken: str | None
    departed: str
    destination: str
    resuscitation: Resuscitation
    no_known_allergies: bool
    allergies: list[Allergy]
    medicines: list[Medicine]
    conditions: list[Condition]
    observations: list[Observation]
    baseline: list[Labelled]
    about_me: list[Labelled]
    contacts: list[Contact]
    consent: str
    author: str | None

    @property
    def time_critical(self) -> list[Medicine]:
        return [m for m in self.medicines if m.time_critical]


@dataclass(frozen=True)
class MedicationChange:
    medicine: str
    change: str  # started | stopped | dose-changed | unchanged
    dose: str | None
    reason: str | None


@dataclass(frozen=True)
class ReturnJourney:
    """What came back from hospital: what changed and what is missing."""

    discharged: str
    destination: str
    summary: str | None
    changes: list[MedicationChange]
    diagnoses: list[Condition]
    follow_up: list[str]
    #: Medicines that went out and that the discharge says nothing about.
    unreported_medicines: list[str] = field(default_factory=list)

    @property
    def changed(self) -> list[MedicationChange]:
        return [c for c in self.changes if c.change != "unchanged"]


@dataclass(frozen=True)
class TransferForm:
    """Everything one printed red-bag form shows."""

    bag_number: str
    completed: str | None  # when the outbound summary was completed (None: return document only)
    care_home: CareHome
    resident: Resident
    belongings: list[Belonging]
    outbound: Outbound | None = None
    returned: ReturnJourney | None = None

    @property
    def missing_belongings(self) -> list[Belonging]:
        return [b for b in self.belongings if b.status == "missing"]

    @property
    def title(self) -> str:
        kind = "return from hospital" if self.returned else "hospital transfer"
        return f"Red Bag {kind}: {self.resident.name}"
