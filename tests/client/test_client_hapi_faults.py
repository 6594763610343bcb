"""Faults between the client and a real HAPI server, injected by a proxy: the client retries only
what is safe, and a retried transaction creates nothing twice."""

from __future__ import annotations

import pytest

from adapter.client import FhirClient, FhirTimeoutError, FhirTransportError, Resource, RetryPolicy
from tests.client.fault_proxy import FaultProxy

pytestmark = pytest.mark.hapi
NO_JITTER = RetryPolicy(jitter=lambda delay: delay)


def through(proxy: FaultProxy, sleeps: list[float], **kwargs: object) -> FhirClient:
    return FhirClient(proxy.base_url, retry=NO_JITTER, sleep=sleeps.append, **kwargs)  # type: ignore[arg-type]


def red_bag_like_transaction(system: str, conditional: bool) -> Resource:
    """A patient and two observations that reference it, as the red-bag push sends them."""

    def request(resource_type: str, value: str) -> dict[str, str]:
        if not conditional:
            return {"method": "POST", "url": resource_type}
        return {"method": "POST", "url": resource_type, "ifNoneExist": f"identifier={system}|{value}"}

    patient_url = "urn:uuid:4a1c2b3d-0000-4000-8000-000000000001"
    entries = [
        {
            "fullUrl": patient_url,
            "resource": {"resourceType": "Patient", "identifier": [{"system": system, "value": "patient"}]},
            "request": request("Patient", "patient"),
        }
    ]
    for n in (1, 2):
        entries.append(
            {
                "fullUrl": f"urn:uuid:4a1c2b3d-0000-4000-8000-00000000001{n}",
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "code": {"text": "pulse"},
                    "identifier": [{"system": system, "value": f"obs-{n}"}],
                    "subject": {"reference": patient_url},
                    "valueQuantity": {"value": 70 + n, "unit": "/min"},
                },
                "request": request("Observation", f"obs-{n}"),
            }
        )
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def counts(fhir: FhirClient, system: str) -> tuple[int, int]:
    return (
        fhir.search("Patient").where(identifier=f"{system}|").count(),
        fhir.search("Observation").where(identifier=f"{system}|").count(),
    )


def test_503_with_retry_after_then_success(fault_proxy: FaultProxy, fhir: FhirClient, unique: str) -> None:
    created = fhir.update({"resourceType": "Patient", "id": f"f503-{unique[:20]}", "active": True})
    fault_proxy.plan.extend(["503"])
    sleeps: list[float] = []
    assert created.id is not None
    with through(fault_proxy, sleeps) as client:
        assert client.read("Patient", created.id)["active"] is True
    assert sleeps == [1.0]
    assert [action for _, _, action in fault_proxy.log] == ["503", "pass"]


def test_429_then_success_on_a_search(fault_proxy: FaultProxy) -> None:
    fault_proxy.plan.extend(["429", "429"])
    sleeps: list[float] = []
    with through(fault_proxy, sleeps) as client:
        client.search("Patient").page_size(1).fetch()
    assert sleeps == [1.0, 1.0]
    assert [action for _, _, action in fault_proxy.log] == ["429", "429", "pass"]


def test_connection_reset_during_a_conditional_transaction_is_retried_without_duplicates(
    fault_proxy: FaultProxy, fhir: FhirClient, unique: str
) -> None:
    system = f"urn:test:reset:{unique}"
    fault_proxy.plan.append("reset-after")  # HAPI commits the transaction, the client never hears back
    sleeps: list[float] = []
    with through(fault_proxy, sleeps) as client:
        response = client.transaction(red_bag_like_transaction(system, conditional=True))
    posts = [entry for entry in fault_proxy.log if entry[0] == "POST"]
    assert [action for _, _, action in posts] == ["reset-after", "pass"]
    assert len(sleeps) == 1
    # The retry matched what the lost attempt had created: nothing new.
    assert [e["response"]["status"].split()[0] for e in response["entry"]] == ["200", "200", "200"]
    assert counts(fhir, system) == (1, 2)


def test_connection_reset_during_a_plain_transaction_is_reported_not_retried(
    fault_proxy: FaultProxy, fhir: FhirClient, unique: str
) -> None:
    system = f"urn:test:reset-plain:{unique}"
    fault_proxy.plan.append("reset-after")
    with through(fault_proxy, []) as client, pytest.raises(FhirTransportError) as caught:
        client.transaction(red_bag_like_transaction(system, conditional=False))
    assert caught.value.request.method == "POST"
    assert len(fault_proxy.log) == 1
    # The server did the work; a blind retry would have doubled it.
    assert counts(fhir, system) == (1, 2)


def test_read_timeout_on_a_read_is_retried(fault_proxy: FaultProxy, fhir: FhirClient, unique: str) -> None:
    created = fhir.update({"resourceType": "Patient", "id": f"slow-{unique[:20]}"})
    fault_proxy.plan.append("delay")  # 1.5 s, longer than the client's 0.5 s read timeout
    assert created.id is not None
    with through(fault_proxy, [], timeout=0.5) as client:
        assert client.read("Patient", created.id)["id"] == created.id
    assert [action for _, _, action in fault_proxy.log] == ["delay", "pass"]


def test_read_timeout_on_a_plain_create_is_reported(fault_proxy: FaultProxy) -> None:
    fault_proxy.plan.append("delay")
    with through(fault_proxy, [], timeout=0.5) as client, pytest.raises(FhirTimeoutError):
        client.create({"resourceType": "Patient"})
    assert len(fault_proxy.log) == 1
