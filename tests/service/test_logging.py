"""H9: NHS numbers and names never reach the service's logs (masked), wherever they come from."""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapter.errors import CompletenessError, InputError
from adapter.service import intake
from adapter.service.delivery import DeliveryWorker
from adapter.service.logmask import (
    MaskingFilter,
    mask,
    masked_logger,
    protect,
    protected_scope,
    resident_words,
)
from adapter.store import Kind, NewTransfer, Outbox, open_outbox
from tests.service.helpers import FAST_DELIVERY, FHIR_JSON, example
from tests.service.process import ServiceProcess, service_environment

pytestmark = pytest.mark.anyio
KEYS = ["resident", "name", "given", "family", "preferred", "localId", "contacts", "author", "x"]


def test_nhs_numbers_are_masked_in_any_spelling_but_ids_are_left_alone() -> None:
    assert mask("nhs 9434765919, or 943 476 5919, or 943-476-5919") == (
        "nhs *******919, or *******919, or *******919"
    )
    assert mask("GET /Patient?identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C9434765919") == (
        "GET /Patient?identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C*******919"
    )
    assert mask("request 4224457332b84611a9a3bc656e7fac54, 12345678901") == (
        "request 4224457332b84611a9a3bc656e7fac54, 12345678901"
    )


def test_h9_protected_names_are_masked_in_messages_arguments_and_tracebacks(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log = masked_logger("adapter.service.test")
    with protected_scope(), caplog.at_level(logging.INFO, logger="adapter.service.test"):
        protect(["Ada", "Lovelace", "Mary Anne Smith", None, "x"])
        log.info("resident %s %s", "ADA", "lovelace")
        try:
            raise KeyError("Smith")
        except KeyError:
            log.exception("lookup of Mary Anne failed for 9434765919")
    text = "\n".join(r.getMessage() + "\n" + (r.exc_text or "") for r in caplog.records)
    for secret in ("ADA", "lovelace", "Smith", "Mary", "Anne", "9434765919"):
        assert secret not in text
    assert "resident *** ***" in text and "KeyError" in text and "*******919" in text


async def test_h9_service_logs_mask_nhs_numbers_and_names(
    api: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    summary = example("dementia-dnacpr")
    nhs = summary["resident"]["nhsNumber"]
    names = [*summary["resident"]["name"]["given"], summary["resident"]["name"]["family"]]
    with caplog.at_level(logging.DEBUG):
        await api.get(f"/residents/{nhs}/red-bag")  # the NHS number is in the path (and the access log)
        await api.post("/transfers", json=summary, headers={"Content-Type": "application/fhir+json"})
        logging.getLogger("adapter.service.access").info("a mention outside any request: %s", nhs)
    records = [r for r in caplog.records if r.name.startswith("adapter")]
    assert any("/residents/*******" in r.getMessage() for r in records)
    text = "\n".join(r.getMessage() for r in records)
    assert nhs not in text
    for name in names:
        assert name not in text


def _names(summary: dict[str, Any]) -> list[str]:
    """Every name in a summary: the resident's, the contacts', the author's."""
    name = summary["resident"]["name"]
    contacts = [c["name"] for c in summary["contacts"]]
    return [*name["given"], name["family"], *contacts, summary["author"]["name"]]


async def test_h9_the_return_route_masks_the_names_of_the_bag_it_answers(
    api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A discharge names no one, but its request handles the outbound summary, which does."""
    summary = example("return-journey")
    out = await api.post("/transfers", json=summary, headers=FHIR_JSON)
    assert out.status_code == 202, out.text
    family = summary["resident"]["name"]["family"]

    def broken(*_: object) -> object:  # fault injection: an error of the adapter's (its message is logged)
        raise CompletenessError([f"cannot finish the stay of {' '.join(_names(summary))}"])

    monkeypatch.setattr(intake, "build_return_bundles", broken)
    with caplog.at_level(logging.ERROR, logger="adapter.service"):
        discharge = example("return-journey.discharge.json")
        answer = await api.post(f"{out.headers['location']}/return", json=discharge, headers=FHIR_JSON)
    assert answer.status_code == 500
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "cannot finish the stay of ***" in logged  # the record is there...
    for name in _names(summary):  # ...without a name (nor any part of one) from the outbound summary
        for part in name.split():
            assert part not in logged, (part, family)


def _enqueue(outbox: Outbox, kind: Kind, data: dict[str, Any], parent_id: str | None = None) -> str:
    body = orjson.dumps(data)
    new = NewTransfer(
        kind=kind,
        client="ehr-a",
        bag_number=data["bagNumber"],
        nhs_number="9990835624",
        natural_key=f"{kind.value}|{data['bagNumber']}",
        idempotency_key=None,
        payload_hash=hashlib.sha256(body).hexdigest(),
        input=body,
        document=b"{}",
        bundle=orjson.dumps({"resourceType": "Bundle", "type": "transaction", "entry": []}),
        parent_id=parent_id,
    )
    return outbox.enqueue(new)[0].id


def test_h9_delivering_a_return_masks_the_names_of_the_bag_it_answers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    summary = example("return-journey")
    outbox = open_outbox(f"sqlite:///{tmp_path / 'outbox.db'}")
    worker = DeliveryWorker(outbox, lambda: lambda t: {}, FAST_DELIVERY)
    outbound = _enqueue(outbox, Kind.TRANSFER, summary)
    back = _enqueue(outbox, Kind.RETURN, example("return-journey.discharge.json"), parent_id=outbound)
    assert worker.deliver_one(lambda t: {})  # the outbound transfer goes first

    def refusing(transaction: dict[str, Any]) -> dict[str, Any]:  # fault injection: a server echoing names
        raise InputError(f"the server refused the discharge of {' '.join(_names(summary))}")

    with caplog.at_level(logging.INFO, logger="adapter.service.delivery"):
        assert worker.deliver_one(refusing)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert back in logged and "the server refused the discharge of ***" in logged
    for name in _names(summary):
        for part in name.split():
            assert part not in logged, part
    outbox.close()


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=4),
    max_leaves=20,
)


@given(JSON)
def test_names_are_found_in_any_shape_of_input_without_failing(data: object) -> None:
    words = resident_words(data)
    assert all(isinstance(w, str) for w in words)


def test_names_are_found_where_the_contract_puts_them() -> None:
    summary = example("dementia-dnacpr")
    words = resident_words(summary)
    assert summary["resident"]["name"]["family"] in words
    assert summary["contacts"][0]["name"] in words and summary["author"]["name"] in words


def test_the_filter_keeps_every_record() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "plain %s", ("text",), None)
    assert MaskingFilter().filter(record)
    assert record.getMessage() == "plain text"


FORGED = "/x%0A2026-12-06%2001:00:00,000%20INFO%20adapter.service.access:%20FORGED%20client=auditor"
_RECORD_START = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3} [A-Z]+ [\w.]+: ")


def test_h9_one_record_is_one_line_whatever_it_logs() -> None:
    """Line breaks and other control characters in a logged value are written as escapes."""
    record = logging.LogRecord(
        "adapter.t", logging.INFO, __file__, 1, "path %s", ("/a\n2026 INFO b\r\x00",), None
    )
    MaskingFilter().filter(record)
    assert record.getMessage() == "path /a\\n2026 INFO b\\r\\u0000"


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_h9_a_request_cannot_forge_a_log_line(tmp_path: Path, log_format: str) -> None:
    """Finding 3: a path with an encoded line break wrote a genuine-looking line into the log, with no key."""
    env = service_environment(f"sqlite:///{tmp_path / 'outbox.db'}", REDBAG_LOG_FORMAT=log_format)
    service = ServiceProcess(env, tmp_path / "serve.log")
    try:
        answer = httpx.get(service.base_url + FORGED, headers={"Accept": "application/fhir+json"})
        assert answer.status_code == 404
        httpx.get(f"{service.base_url}/healthz")  # a request after it: its line is written after
    finally:
        service.stop()
    lines = service.log().splitlines()
    mentions = [line for line in lines if "FORGED" in line]
    assert len(mentions) == 1, lines  # the access log line of the request, and no line of its own
    if log_format == "text":
        assert "GET /x\\n2026-12-06 01:00:00,000 INFO adapter.service.access: FORGED" in mentions[0]
        assert all(_RECORD_START.match(line) for line in lines if "adapter." in line), lines
    else:
        records = [orjson.loads(line) for line in lines if line.startswith("{")]
        assert any("FORGED" in r["message"] for r in records)
        assert all(line.startswith("{") for line in lines if "adapter." in line), lines
