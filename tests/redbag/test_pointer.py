"""The DocumentReference pointer: the resident by NHS number, the care home by ODS code, and each file by
its media type, size and SHA-1 of the exact bytes (hazard H31)."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

import pytest

from adapter.errors import InputError
from adapter.fhir.jsonio import dumps
from adapter.redbag import build_bundles, check_summary, vocab
from adapter.redbag.contract import read_json_file
from adapter.redbag.ips import build_ips
from adapter.redbag.pointer import FHIR_JSON, PDF, Content, build_pointer

EXAMPLES = Path(__file__).parents[2] / "examples"
Json = dict[str, Any]


def document(name: str = "dementia-dnacpr") -> Json:
    return build_bundles(check_summary(read_json_file(EXAMPLES / f"{name}.summary.json")))[0]


def files(doc: Json, pdf: bytes = b"%PDF-1.4 printed form") -> list[Content]:
    return [
        Content(dumps(doc), FHIR_JSON, "Red bag (FHIR document)", "RB.document.json"),
        Content(pdf, PDF, "Red bag (printed form)", "RB.pdf"),
    ]


def test_the_pointer_names_the_resident_the_care_home_and_the_document() -> None:
    doc = document()
    pointer = build_pointer(doc, files(doc))
    assert pointer["subject"] == {"identifier": {"system": vocab.NHS_NUMBER, "value": "9990341818"}}
    assert pointer["custodian"]["identifier"] == {"system": vocab.ODS_ORGANIZATION, "value": "VN4R7"}
    assert pointer["author"] == [pointer["custodian"]]
    assert pointer["masterIdentifier"] == doc["identifier"]
    assert pointer["type"]["coding"][0]["code"] == vocab.TRANSFER_SUMMARY[1]
    assert pointer["date"] == doc["timestamp"]
    assert (pointer["status"], pointer["docStatus"]) == ("current", "final")
    assert pointer["meta"]["profile"] == [f"{vocab.UKCORE_PROFILE}/UKCore-DocumentReference"]


def test_h31_each_attachment_describes_the_exact_bytes() -> None:
    doc = document()
    contents = files(doc)
    pointer = build_pointer(doc, contents)
    for content, item in zip(contents, pointer["content"], strict=True):
        attachment = item["attachment"]
        assert attachment["contentType"] == content.content_type
        assert attachment["url"] == content.url
        assert attachment["size"] == len(content.data)
        assert base64.b64decode(attachment["hash"]) == hashlib.sha1(content.data).digest()
        assert "data" not in attachment
    assert pointer["content"][1]["format"]["code"] == "urn:nhs-ic:unstructured"
    changed = build_pointer(doc, files(doc, b"%PDF-1.4 another form"))
    assert changed["content"][1]["attachment"]["hash"] != pointer["content"][1]["attachment"]["hash"]


def test_inline_attachments_carry_the_bytes_they_describe() -> None:
    doc = document()
    contents = files(doc)
    pointer = build_pointer(doc, contents, inline=True)
    for content, item in zip(contents, pointer["content"], strict=True):
        assert base64.b64decode(item["attachment"]["data"]) == content.data


def test_the_ips_view_is_pointed_at_as_a_patient_summary() -> None:
    doc = build_ips(check_summary(read_json_file(EXAMPLES / "no-known-allergies.summary.json")))
    pointer = build_pointer(doc, files(doc))
    assert pointer["type"]["coding"][0]["code"] == vocab.PATIENT_SUMMARY[1]
    assert pointer["masterIdentifier"] == doc["identifier"]


def test_h31_a_resident_without_an_nhs_number_gets_no_pointer() -> None:
    doc = document("local-id-only")
    with pytest.raises(InputError, match="NHS number"):
        build_pointer(doc, files(doc))


def test_the_pointer_is_deterministic() -> None:
    doc = document()
    assert dumps(build_pointer(doc, files(doc))) == dumps(build_pointer(doc, files(doc)))
