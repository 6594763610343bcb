"""Identity of one transfer: deterministic ids, references and the bundle entries being collected."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any, Literal

from adapter.fhir.ids import stable_id, urn
from adapter.redbag import vocab
from adapter.redbag.elements import ident

Json = dict[str, Any]

#: How a transaction entry reaches the server without duplicating anything:
#: ``create`` = conditional create (POST + If-None-Exist) for shared records (Patient, Organization,
#: Location) that the server may already hold; ``update`` = conditional update (PUT Type?identifier=...)
#: for the transfer's own resources, so a re-send supersedes; ``put`` = update by the deterministic id
#: for resources without an identifier element (Provenance).
Method = Literal["create", "update", "put"]

#: Resource types of the records shared between residents (conditional creates other than the Patient):
#: the care home, GP practice and hospital Organizations and the care home Location.
SHARED_TYPES = frozenset({"Organization", "Location"})


@dataclass(slots=True)  # not frozen: a frozen one costs three times as much to make, thousands per batch
class Entry:
    """One resource on its way into the document and transaction bundles (never changed once made)."""

    resource: Json
    method: Method
    match: str | None = None  # search query for conditional create/update, e.g. "identifier=sys|val"
    full_url: str = ""  # the resource's urn:uuid fullUrl (filled in from its id)

    def __post_init__(self) -> None:
        self.full_url = urn(self.resource["id"])


@lru_cache(maxsize=8192)
def shared_record_id(resource_type: str, system: str, value: str) -> str:
    """Id of a record shared between residents (remembered: a batch meets the same homes and practices)."""
    return stable_id(resource_type, system, value)


@dataclass
class TransferContext:
    """Deterministic ids and references for one red bag (care home + bag number + completion time).

    References are ``urn:uuid:<id>``, as inside bundles, or with ``relative`` ``Type/<id>``, as in NDJSON
    files (where each resource stands alone); every reference a builder writes comes from here.
    """

    summary: Json
    relative: bool = False
    entries: list[Entry] = field(default_factory=list)
    #: The collected entries by the reference that points to them.
    by_reference: dict[str, Entry] = field(default_factory=dict)

    @property
    def ods(self) -> str:
        ods: str = self.summary["careHome"]["odsCode"]
        return ods

    @cached_property
    def transfer_key(self) -> tuple[str, str, str]:
        return (self.ods, self.summary["bagNumber"], self.summary["createdAt"])

    def scoped_id(self, resource_type: str, *keys: str) -> str:
        """Id of a resource that belongs to this transfer (a condition, a medicine, the encounter...)."""
        return stable_id(resource_type, *self.transfer_key, *keys)

    @cached_property
    def encounter_id(self) -> str:
        """Id of the transfer's Encounter (the journey out, and the same Encounter finished on return)."""
        return self.scoped_id("Encounter")

    def encounter_ref(self) -> Json:
        return {"reference": self.reference("Encounter", self.encounter_id)}

    def resource_identifier(self, resource_id: str) -> Json:
        """The business identifier of a transfer-scoped resource (used for conditional update)."""
        return ident(vocab.ID_RESOURCE, resource_id)

    # --- shared records -------------------------------------------------------------------------------
    @cached_property
    def patient_identifier(self) -> Json:
        resident = self.summary["resident"]
        if resident.get("nhsNumber"):
            return ident(vocab.NHS_NUMBER, resident["nhsNumber"])
        return ident(vocab.local_resident_id_system(self.ods), resident["localId"])

    @cached_property
    def patient_id(self) -> str:
        i = self.patient_identifier
        return stable_id("Patient", i["system"], i["value"])

    def organization_id(self, ods_code: str) -> str:
        return shared_record_id("Organization", vocab.ODS_ORGANIZATION, ods_code)

    @property
    def location_id(self) -> str:
        return shared_record_id("Location", vocab.ID_CARE_HOME_LOCATION, self.ods)

    def reference(self, resource_type: str, resource_id: str) -> str:
        """The reference to a resource of this red bag: ``urn:uuid:<id>``, or ``Type/<id>`` when relative."""
        return f"{resource_type}/{resource_id}" if self.relative else urn(resource_id)

    @cached_property
    def patient_reference(self) -> str:
        return self.reference("Patient", self.patient_id)

    def patient_ref(self) -> Json:
        return {"reference": self.patient_reference}

    def organization_ref(self, ods_code: str, name: str | None = None) -> Json:
        out: Json = {"reference": self.reference("Organization", self.organization_id(ods_code))}
        if name:
            out["display"] = name
        return out

    def add(self, resource: Json, method: Method, match: str | None = None) -> Json:
        """Collect ``resource`` (which must carry its id) and return a reference to it."""
        entry = Entry(resource, method, match)
        self.entries.append(entry)
        target = self.reference(resource["resourceType"], resource["id"]) if self.relative else entry.full_url
        self.by_reference[target] = entry
        return {"reference": target}

    def narrative_of(self, reference: Json) -> str:
        """The XHTML narrative of a collected resource (reused as its section's narrative)."""
        narrative: str = self.by_reference[reference["reference"]].resource["text"]["div"]
        return narrative

    def add_scoped(self, resource: Json) -> Json:
        """Collect a transfer-scoped resource, matched on its resource identifier."""
        return self.add(resource, "update", f"identifier={vocab.ID_RESOURCE}|{resource['id']}")
