"""A pointer to the red bag: an R4 DocumentReference in the shape of the NHS National Record Locator's.

The digital red bag products in use share a PDF through the National Record Locator (NRL), an index of R4
DocumentReference "pointers" to records held elsewhere. This one points at the red bag's FHIR document and
its printed form (PDF): type from the document's Composition (SNOMED CT 371535009 transfer summary, or LOINC
60591-5 for the IPS view), the resident by NHS number (``subject.identifier``, as NRL indexes), the care home
as author and custodian by ODS code, the document's own identifier as ``masterIdentifier``, and one
``content`` per file with its media type, URL, size and SHA-1 hash (base64, as R4's Attachment.hash is) of
the exact bytes, so a reader can tell it fetched what the pointer describes (hazard H31).

Left out because they could not be verified offline or would not validate without NHS England's FHIR
package (on no registry reachable here): NRL's ContentStability extension, its ``context.practiceSetting``
care setting codes, and an NRL format code for a FHIR document. The PDF's format is NRL's
``urn:nhs-ic:unstructured``, as in NHS England's published NRL pointer example (examples/CODES.md).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from adapter.errors import InputError
from adapter.fhir.ids import stable_id
from adapter.redbag import vocab
from adapter.redbag.context import Json
from adapter.redbag.elements import Code, coding, concept, ident
from adapter.redbag.narrative import div, para, table, text
from adapter.redbag.reading import DocumentReader

#: NRL's format code for a document that is not structured data (the PDF), from NHS England's NRL examples.
UNSTRUCTURED: Code = (vocab.NRL_FORMAT, "urn:nhs-ic:unstructured", "Unstructured Document")
#: The pointer's category, as NHS England's NRL pointer example has it.
CLINICAL_NOTE: Code = (vocab.SNOMED, "823651000000106", "Clinical note")
FHIR_JSON, FHIR_XML, PDF = "application/fhir+json", "application/fhir+xml", "application/pdf"


@dataclass(frozen=True, slots=True)
class Content:
    """One file the pointer points at: its bytes, media type, title and where it is (``url``: absolute, or
    relative to where the pointer is kept)."""

    data: bytes
    content_type: str
    title: str
    url: str | None = None


def sha1_base64(data: bytes) -> str:
    """R4 Attachment.hash: the SHA-1 of the data, base64 (a checksum here, not a security measure)."""
    return base64.b64encode(hashlib.sha1(data, usedforsecurity=False).digest()).decode("ascii")


def attachment(content: Content, created: str, *, inline: bool = False) -> Json:
    """One ``content`` of the pointer: the attachment (with the bytes in ``data`` when ``inline``), and
    NRL's format code for the PDF."""
    att: Json = {"contentType": content.content_type, "language": "en-GB"}
    if inline:
        att["data"] = base64.b64encode(content.data).decode("ascii")
    if content.url:
        att["url"] = content.url
    att.update(size=len(content.data), hash=sha1_base64(content.data), title=content.title, creation=created)
    out: Json = {"attachment": att}
    if content.content_type == PDF:
        out["format"] = coding(UNSTRUCTURED)
    return out


def build_pointer(document: Json, contents: Sequence[Content], *, inline: bool = False) -> Json:
    """The DocumentReference for a red-bag (or IPS) document Bundle and the files that carry it
    (``inline``: each file's bytes in its attachment too, for a caller that has not got them yet).

    Raises InputError when the resident has no NHS number: NRL finds records by NHS number only."""
    reader = DocumentReader(document)
    comp = reader.composition
    identifiers = reader.resolve(comp["subject"]).get("identifier") or []
    nhs = next((i["value"] for i in identifiers if i.get("system") == vocab.NHS_NUMBER), None)
    if nhs is None:
        raise InputError(
            "a pointer names the resident by NHS number (the National Record Locator indexes records by it): "
            "this red bag has none"
        )
    home = reader.resolve(comp["custodian"])
    ods = next(i["value"] for i in home["identifier"] if i.get("system") == vocab.ODS_ORGANIZATION)
    organisation = {"identifier": ident(vocab.ODS_ORGANIZATION, ods), "display": home["name"]}
    master = document["identifier"]
    doc_type = comp["type"]["coding"][0]
    created = document["timestamp"]
    description = f"{doc_type['display']} from {home['name']}"
    story = div(
        para(description),
        table(("File", "Type", "Bytes"), [(c.title, c.content_type, str(len(c.data))) for c in contents]),
    )
    return {
        "resourceType": "DocumentReference",
        "id": stable_id("DocumentReference", master["system"], master["value"]),
        "meta": {"profile": [f"{vocab.UKCORE_PROFILE}/UKCore-DocumentReference"]},
        "text": text(story),
        "masterIdentifier": dict(master),
        "status": "current",
        "docStatus": "final",
        "type": concept((doc_type["system"], doc_type["code"], doc_type["display"])),
        "category": [concept(CLINICAL_NOTE)],
        "subject": {"identifier": ident(vocab.NHS_NUMBER, nhs)},
        "date": created,
        "author": [organisation],
        "custodian": organisation,
        "description": description,
        "content": [attachment(c, created, inline=inline) for c in contents],
    }
