"""Identity of one transfer: deterministic ids, references and the bundle entries being collected."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

from adapter.fhir.ids import IdScope, stable_id, urn
from adapter.redbag import vocab
from adapter.redbag.elements import ident

Json = dict[str, Any]

#: How a transaction entry reaches the server without duplicating anything:
#: ``create`` = conditional create (POST + If-None-Exist) for shared records (Patient, Organization,
#: Location) that the server may already hold; ``update`` = conditional update (PUT Type?identifier=...)
#: for the transfer's own resources, so a re-send supersedes; ``put`` = update by the deterministic id
#: for resources without an identifier element (Provenance).
Method = Literal["create", "update", "put"]

#: Resource types of the records shared between residents: the care home, GP practice and hospital
#: Organizations and the care home Location (conditional creates), and what the care home can manage
#: (its HealthcareService, a conditional update).
SHARED_TYPES = frozenset({"Organization", "Location", "HealthcareService"})


class Entry:
    """One resource on its way into the document and transaction bundles (never changed once made)."""

    __slots__ = ("full_url", "match", "method", "resource")

    def __init__(self, resource: Json, method: Method, match: str | None = None) -> None:
        self.resource, self.method = resource, method
        self.match = match  # search query for conditional create/update, e.g. "identifier=sys|val"
        self.full_url = urn(resource["id"])  # the resource's urn:uuid fullUrl


@lru_cache(maxsize=8192)
def shared_record_id(resource_type: str, system: str, value: str) -> str:
    """Id of a record shared between residents (remembered: a batch meets the same homes and practices)."""
    return stable_id(resource_type, system, value)


class TransferContext:
    """Deterministic ids and references for one red bag (care home + bag number + completion time + resident).

    References are ``urn:uuid:<id>``, as inside bundles, or with ``relative`` ``Type/<id>``, as in NDJSON
    files (where each resource stands alone); every reference a builder writes comes from here.
    What every red bag needs (its key, the Patient's identity, the Encounter's id) is worked out at once.
    """

    def __init__(self, summary: Json, relative: bool = False) -> None:
        self.summary, self.relative = summary, relative
        self.entries: list[Entry] = []
        #: The collected entries by the reference that points to them.
        self.by_reference: dict[str, Entry] = {}
        self.ods: str = summary["careHome"]["odsCode"]
        resident = summary["resident"]
        if resident.get("nhsNumber"):
            identifier = ident(vocab.NHS_NUMBER, resident["nhsNumber"])
        else:
            identifier = ident(vocab.local_resident_id_system(self.ods), resident["localId"])
        #: The transfer: care home, bag number, completion time, and whose it is. The resident is part of
        #: the key so that a bag number given twice by mistake never makes two residents' red bags share
        #: ids on a FHIR server, where one would overwrite the other (hazard H33).
        self.transfer_key = (
            self.ods, summary["bagNumber"], summary["createdAt"], identifier["system"], identifier["value"]
        )  # fmt: skip
        #: ``scoped_id(type, *keys)``: id of a resource that belongs to this transfer (a condition, a
        #: medicine, the encounter...), ``stable_id(type, *transfer_key, *keys)``.
        self.scoped_id = IdScope(*self.transfer_key).id
        self.patient_identifier = identifier
        self.patient_id = stable_id("Patient", identifier["system"], identifier["value"])
        self.patient_reference = self.reference("Patient", self.patient_id)
        #: The transfer's Encounter (the journey out, and the same Encounter finished on return).
        self.encounter_id = self.scoped_id("Encounter")

    def encounter_ref(self) -> Json:
        return {"reference": self.reference("Encounter", self.encounter_id)}

    def resource_identifier(self, resource_id: str) -> Json:
        """The business identifier of a transfer-scoped resource (used for conditional update)."""
        return ident(vocab.ID_RESOURCE, resource_id)

    # --- shared records -------------------------------------------------------------------------------
    def organization_id(self, ods_code: str) -> str:
        return shared_record_id("Organization", vocab.ODS_ORGANIZATION, ods_code)

    @property
    def location_id(self) -> str:
        return shared_record_id("Location", vocab.ID_CARE_HOME_LOCATION, self.ods)

    def reference(self, resource_type: str, resource_id: str) -> str:
        """The reference to a resource of this red bag: ``urn:uuid:<id>``, or ``Type/<id>`` when relative."""
        return f"{resource_type}/{resource_id}" if self.relative else urn(resource_id)

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
        target = self.reference(resource["resourceType"], resource["id"])
        self.by_reference[target] = entry
        return {"reference": target}

    def narrative_of(self, reference: Json) -> str:
        """The XHTML narrative of a collected resource (reused as its section's narrative)."""
        narrative: str = self.by_reference[reference["reference"]].resource["text"]["div"]
        return narrative

    def add_scoped(self, resource: Json) -> Json:
        """Collect a transfer-scoped resource, matched on its resource identifier."""
        return self.add(resource, "update", f"identifier={vocab.ID_RESOURCE}|{resource['id']}")
