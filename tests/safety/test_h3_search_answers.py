"""H3 at the search: a criterion the server does not apply must fail the search or be caught, never
widen what pull believes is the resident's.

sekmet-fhir ignores an unknown search parameter unless asked to be strict (it then answers every
Patient); redbag asks every search to be strict. A server that drops a criterion anyway is caught by
checking each answer against what was asked (fault injection in front of the real HAPI server).
"""

from __future__ import annotations

import uuid

import httpx
import pytest

from adapter.client import BadRequestError, FhirClient
from adapter.exchange import push_transaction
from adapter.exchange.errors import SearchNotHonouredError
from adapter.exchange.pull import pull_red_bag
from adapter.redbag import build_bundles
from tests.safety.conftest import example, fresh_nhs_number


@pytest.mark.sekmet
def test_h3_an_unknown_search_parameter_fails_instead_of_widening_the_search(sekmet_base_url: str) -> None:
    value = uuid.uuid4().hex
    with FhirClient(sekmet_base_url) as client:
        client.create(
            {"resourceType": "Patient", "identifier": [{"system": "urn:redbag:test", "value": value}]}
        )
        lenient = httpx.get(f"{sekmet_base_url}/Patient", params={"no-such-parameter": "x", "_count": "1"})
        # Without the strict preference the server drops the criterion and answers Patients regardless.
        assert lenient.status_code == 200 and lenient.json()["total"] >= 1
        with pytest.raises(BadRequestError, match="Unknown search parameter 'no-such-parameter'"):
            client.search("Patient").param("no-such-parameter", "x").fetch_all()


class LooseCompositionSearch(httpx.BaseTransport):
    """Fault injection: the search for a resident's transfer summaries also answers another resident's,
    as a server that dropped the ``subject`` criterion would."""

    def __init__(self, stranger: str) -> None:
        self.stranger = stranger
        self.loosened = 0
        self._real = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        subject = request.url.params.get("subject", "")
        if request.url.path.endswith("/Composition") and subject and self.stranger not in subject:
            params = request.url.params.set("subject", f"{subject},{self.stranger}")
            request = httpx.Request("GET", request.url.copy_with(params=params), headers=request.headers)
            self.loosened += 1
        return self._real.handle_request(request)

    def close(self) -> None:
        self._real.close()


@pytest.mark.hapi
def test_h3_a_transfer_search_answering_another_residents_summary_is_refused(
    fhir: FhirClient, hapi_base_url: str
) -> None:
    resident, stranger = example("dementia-dnacpr"), example("insulin-parkinsons")
    for summary in (resident, stranger):
        summary["resident"]["nhsNumber"] = fresh_nhs_number()
        summary["bagNumber"] = f"RB-H3-{summary['resident']['nhsNumber']}"  # ids of its own
        push_transaction(fhir, build_bundles(summary)[1], summary["bagNumber"])
    nhs = resident["resident"]["nhsNumber"]
    assert pull_red_bag(fhir, nhs).document  # an exact server: found
    stranger_patient = (
        fhir.search("Patient")
        .where(identifier=f"https://fhir.nhs.uk/Id/nhs-number|{stranger['resident']['nhsNumber']}")
        .first()
    )
    assert stranger_patient is not None
    loose = LooseCompositionSearch(f"Patient/{stranger_patient['id']}")
    refused = pytest.raises(SearchNotHonouredError, match=r"whose subject is not Patient/.*refusing to guess")
    with FhirClient(hapi_base_url, transport=loose) as client, refused:
        pull_red_bag(client, nhs)
    assert loose.loosened == 1  # refused at the first loosened answer
