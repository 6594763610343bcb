"""H9: NHS numbers and names never reach the service's logs (masked), wherever they come from."""

from __future__ import annotations

import logging

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapter.service.logmask import (
    MaskingFilter,
    mask,
    masked_logger,
    protect,
    protected_scope,
    resident_words,
)
from tests.service.helpers import example

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
