"""H3 on the server: pull refuses an ambiguous or partial match and never matches on name and birth date.

Runs against the real HAPI FHIR server.
"""

from __future__ import annotations

import httpx
import pytest

from adapter.client import FhirClient
from adapter.exchange import AmbiguousResidentError, NotOnServerError, pull_red_bag, push_transaction
from adapter.redbag import build_bundles, vocab
from tests.safety.conftest import example, fresh_nhs_number

pytestmark = pytest.mark.hapi


def test_h3_two_patients_with_one_nhs_number_are_refused(fhir: FhirClient) -> None:
    summary = example("dementia-dnacpr")
    nhs = fresh_nhs_number()
    summary["resident"]["nhsNumber"] = nhs
    push_transaction(fhir, build_bundles(summary)[1], "bag")
    fhir.create(
        {
            "resourceType": "Patient",
            "identifier": [{"system": vocab.NHS_NUMBER, "value": nhs}],
            "name": [{"family": "Duplicate"}],
        }
    )
    with pytest.raises(AmbiguousResidentError, match="2 Patient records carry NHS number"):
        pull_red_bag(fhir, nhs)


def test_h3_same_name_and_birth_date_without_the_number_is_not_found(fhir: FhirClient) -> None:
    summary = example("dementia-dnacpr")
    summary["resident"]["nhsNumber"] = fresh_nhs_number()
    push_transaction(fhir, build_bundles(summary)[1], "bag")
    with pytest.raises(NotOnServerError, match="no Patient with NHS number"):
        pull_red_bag(fhir, fresh_nhs_number())  # same name and birth date on the server, other number


class LooseSearch(httpx.BaseTransport):
    """Fault injection in front of the real server: its Patient search by NHS number also answers the
    Patients of ``stranger``'s number, as a server matching loosely (or ignoring the system) would."""

    def __init__(self, asked: str, stranger: str) -> None:
        self.asked, self.stranger = asked, stranger
        self.loosened = 0
        self._real = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        wanted = request.url.params.get("identifier", "")
        if request.method == "GET" and request.url.path.endswith("/Patient") and wanted.endswith(self.asked):
            loose = request.url.params.set("identifier", f"{wanted},{vocab.NHS_NUMBER}|{self.stranger}")
            request = httpx.Request("GET", request.url.copy_with(params=loose), headers=request.headers)
            self.loosened += 1
        return self._real.handle_request(request)

    def close(self) -> None:
        self._real.close()


def test_h3_a_partial_match_is_refused_even_with_the_right_resident_in_it(
    fhir: FhirClient, hapi_base_url: str
) -> None:
    resident, stranger = example("dementia-dnacpr"), example("insulin-parkinsons")
    for summary in (resident, stranger):
        summary["resident"]["nhsNumber"] = fresh_nhs_number()
    for summary in (resident, stranger):
        push_transaction(fhir, build_bundles(summary)[1], summary["bagNumber"])
    nhs = resident["resident"]["nhsNumber"]
    assert pull_red_bag(fhir, nhs).document  # an exact server: found
    loose = LooseSearch(nhs, stranger["resident"]["nhsNumber"])
    refused = pytest.raises(AmbiguousResidentError, match="do not carry it exactly; refusing a partial match")
    with FhirClient(hapi_base_url, transport=loose) as client, refused:
        pull_red_bag(client, nhs)
    assert loose.loosened == 1  # the refusal came from the loosened search, before anything else was read
