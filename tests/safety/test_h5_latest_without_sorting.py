"""H5 without trusting the server to sort: pull decides the newest transfer summary itself, whatever
order the server answers in, and refuses two that share the newest date rather than pick one.

Runs against the real HAPI FHIR server; the reversed answer is fault injection in front of it.
"""

from __future__ import annotations

import re

import httpx
import orjson
import pytest

from adapter.client import FhirClient
from adapter.exchange import pull_red_bag, push_transaction
from adapter.exchange.errors import AmbiguousRedBagError
from adapter.redbag import build_bundles
from tests.safety.conftest import example, fresh_nhs_number

pytestmark = pytest.mark.hapi


def bag(nhs: str, created: str, bag_number: str) -> dict:
    summary = example("return-journey")
    summary["resident"]["nhsNumber"] = nhs
    summary["bagNumber"] = f"{bag_number}-{nhs}"  # ids of its own, whatever else the server holds
    summary["createdAt"] = created
    summary["transfer"]["departedAt"] = created
    return summary


class ReversedSearches(httpx.BaseTransport):
    """Fault injection: Composition searches answer their matches in reverse order."""

    def __init__(self) -> None:
        self.reversed = 0
        self._real = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._real.handle_request(request)
        if not request.url.path.endswith("/Composition"):
            return response
        response.read()
        bundle = orjson.loads(response.content)
        bundle["entry"] = list(reversed(bundle.get("entry") or []))
        self.reversed += 1
        headers = {"content-type": response.headers.get("content-type", "application/fhir+json")}
        return httpx.Response(response.status_code, headers=headers, content=orjson.dumps(bundle))

    def close(self) -> None:
        self._real.close()


def test_h5_the_newest_summary_wins_whatever_order_the_server_answers_in(
    fhir: FhirClient, hapi_base_url: str
) -> None:
    nhs = fresh_nhs_number()
    times = ["2025-01-10T08:00:00+00:00", "2025-07-10T08:00:00+01:00", "2025-04-10T08:00:00+01:00"]
    for n, created in enumerate(times):
        push_transaction(fhir, build_bundles(bag(nhs, created, f"RB-H5-{n}"))[1], created)
    assert pull_red_bag(fhir, nhs).completed_at == times[1]
    reversing = ReversedSearches()
    with FhirClient(hapi_base_url, transport=reversing) as client:
        assert pull_red_bag(client, nhs).completed_at == times[1]
    assert reversing.reversed >= 1


def test_h5_two_transfer_summaries_sharing_the_newest_date_are_refused(fhir: FhirClient) -> None:
    nhs = fresh_nhs_number()
    created = "2025-05-02T10:15:00+01:00"
    push_transaction(fhir, build_bundles(bag(nhs, "2025-02-01T10:00:00+00:00", "RB-H5-OLD"))[1], "old")
    for bag_number in ("RB-H5-A", "RB-H5-B"):  # two bags completed at the same instant
        push_transaction(fhir, build_bundles(bag(nhs, created, bag_number))[1], bag_number)
    with pytest.raises(
        AmbiguousRedBagError, match=re.escape(f"2 transfer summaries share the newest date {created}")
    ):
        pull_red_bag(fhir, nhs)
