"""H3 on the server: pull refuses an ambiguous match and never matches on name and birth date.

Runs against the real HAPI FHIR server.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from adapter.client import FhirClient
from adapter.exchange import AmbiguousResidentError, NotOnServerError, pull_red_bag, push_transaction
from adapter.redbag import build_bundles, vocab
from tests.safety.conftest import example, fresh_nhs_number

pytestmark = pytest.mark.hapi


@pytest.fixture
def fhir(hapi_base_url: str) -> Iterator[FhirClient]:
    with FhirClient(hapi_base_url) as client:
        yield client


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
