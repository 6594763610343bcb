"""The printable transfer form as data: what the template shows, already worded for people.

Every value here is display text (dates via :func:`adapter.redbag.narrative.when`, never shifted);
``None`` means "not recorded", which the form says out loud rather than leaving a blank. Where the red
bag needs a value that the summary does not record (a gap: ``contract.summary_warnings``), the form says
"NOT RECORDED, ask <care home> on <phone>" beside the item, and :attr:`TransferForm.gaps` lists them all
for the box on the first page.
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
    born: str | None  # None: not recorded
    born_partly: str | None  # what a birth date known in part lacks: "Day", "Day and month"
    age: int | None
    gender: str | None  # None: not recorded (AdministrativeGender "unknown" included)
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
class CanManage:
    """What the care home can manage ("What we can manage"): each list as people read it (None: the home
    has not stated it; [] it has none of them), when it takes residents back, and when it said so."""

    lists: list[tuple[str, list[str] | None]]  # ("Care we give", ["Dementia care", ...])
    returns: str | None  # "Mon-Fri 08:00-20:00; Sat, Sun 10:00-16:00"
    confirmed: str | None


@dataclass(frozen=True)
class Gap:
    """Something the red bag needs that the summary does not record, as the first page lists it."""

    what: str  # "Last dose of Levodopa 100mg/25mg (time-critical)"
    urgent: bool  # time-critical medicines, resuscitation, allergies: each on its own line, first


@dataclass(frozen=True)
class Medicine:
    name: str
    dose: str | None  # None: not recorded
    route: str | None
    frequency: str | None
    status: str
    time_critical: bool
    last_dose: str | None
    in_bag: bool

    @property
    def last_dose_missing(self) -> bool:
        """A time-critical medicine whose last dose time is not recorded (hazard H2)."""
        return self.time_critical and self.last_dose is None


@dataclass(frozen=True)
class Allergy:
    name: str
    category: str | None  # None: not recorded (optional: the code says what it is)
    criticality: str | None  # None: not recorded (FHIR "unable-to-assess" included)
    reaction: str | None
    severity: str | None


@dataclass(frozen=True)
class Resuscitation:
    decision: str  # dnacpr | for-cpr | not-recorded
    headline: str
    recorded: str | None  # None: no date (a gap for a recorded decision)
    form_kept: str | None

    @property
    def decided(self) -> bool:
        return self.decision != "not-recorded"


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
    allergies: list[Allergy] | None  # None: not recorded (neither allergies nor "no known allergies")
    medicines: list[Medicine] | None  # None: not recorded ([] is "no current medicines")
    conditions: list[Condition]
    observations: list[Observation]
    baseline: list[Labelled] | None  # None: not recorded
    about_me: list[Labelled]
    contacts: list[Contact] | None  # None: not recorded
    consent: str | None  # None: not recorded
    author: str | None
    lpa_holder_missing: bool = False  # consent by lasting power of attorney, its holder not among contacts

    @property
    def time_critical(self) -> list[Medicine]:
        return [m for m in self.medicines or [] if m.time_critical]

    @property
    def gaps(self) -> list[Gap]:
        """What the outbound red bag does not record, the urgent first (time-critical medicines,
        resuscitation, allergies), each named as the first page lists it."""
        urgent = [
            Gap(f"Last dose of {m.name} (time-critical)", True)
            for m in self.medicines or []
            if m.last_dose_missing
        ]
        if self.medicines is None:
            urgent.append(Gap("Medicines, and whether any is time-critical", True))
        if not self.resuscitation.decided:
            urgent.append(Gap("Resuscitation decision", True))
        elif self.resuscitation.recorded is None:
            urgent.append(Gap("Date of the resuscitation decision", True))
        if self.allergies is None and not self.no_known_allergies:
            urgent.append(Gap("Allergies (neither allergies nor no known allergies)", True))
        other = [Gap(f"Dose of {m.name}", False) for m in self.medicines or [] if m.dose is None]
        other += [
            Gap(f"Criticality of the allergy to {a.name}", False)
            for a in self.allergies or []
            if a.criticality is None
        ]
        for missing, what in (
            (self.contacts is None, "Contacts (next of kin, family, friends)"),
            (self.baseline is None, "What the resident is like when well"),
            (self.consent is None, "Consent to share this information"),
            (self.lpa_holder_missing, "Who holds the lasting power of attorney"),
        ):
            if missing:
                other.append(Gap(what, False))
        return urgent + other


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
    #: The Discharge Ready Date and the delay from it: "2 Apr 2025: discharged 2 days after it".
    ready: str | None = None

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
    belongings: list[Belonging] | None  # None: not recorded ([] is "none went")
    #: What the form says in place of a value it needs and the summary does not record:
    #: "NOT RECORDED, ask Oakwood Lodge on 020 7946 0331" (``build_people.gap_text``).
    not_recorded: str
    #: Whom to ask about every gap: "ask Oakwood Lodge on 020 7946 0331".
    ask: str
    outbound: Outbound | None = None
    returned: ReturnJourney | None = None
    #: What the care home can manage (None: not stated, or a return document alone).
    can_manage: CanManage | None = None

    @property
    def missing_belongings(self) -> list[Belonging]:
        return [b for b in self.belongings or [] if b.status == "missing"]

    @property
    def gaps(self) -> list[Gap]:
        """Everything this form says is not recorded (the first page's box), the urgent first."""
        r = self.resident
        found = self.outbound.gaps if self.outbound else []
        if r.born is None:
            found.append(Gap("Date of birth", False))
        elif r.born_partly:
            found.append(Gap(f"Full date of birth (only {r.born} is recorded)", False))
        if r.gender is None:
            found.append(Gap("Gender", False))
        if self.belongings is None:
            found.append(Gap("Belongings that went with the resident", False))
        return found

    @property
    def title(self) -> str:
        kind = "return from hospital" if self.returned else "hospital transfer"
        return f"Red Bag {kind}: {self.resident.name}"
