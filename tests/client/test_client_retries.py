"""Retries: which failures are repeated, how long the client waits, and when it gives up."""

from __future__ import annotations

import httpx
import orjson
import pytest

from adapter.client import (
    FhirClient,
    FhirTimeoutError,
    FhirTransportError,
    RetryPolicy,
    ServerError,
    TooManyRequestsError,
)
from adapter.client.retry import retry_after

BASE = "http://fhir.test/r4"
PATIENT = orjson.dumps({"resourceType": "Patient", "id": "p1"})
OUTCOME = orjson.dumps(
    {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "transient", "diagnostics": "busy"}],
    }
)
NO_JITTER = RetryPolicy(jitter=lambda delay: delay)
Answer = httpx.Response | Exception


def scripted(
    answers: list[Answer], retry: RetryPolicy = NO_JITTER
) -> tuple[FhirClient, list[httpx.Request], list[float]]:
    """A client whose transport gives these answers in turn; returns it, the requests, the sleeps."""
    requests: list[httpx.Request] = []
    sleeps: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        answer = answers[min(len(requests), len(answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer

    client = FhirClient(BASE, transport=httpx.MockTransport(handler), retry=retry, sleep=sleeps.append)
    return client, requests, sleeps


def ok() -> httpx.Response:
    return httpx.Response(200, content=PATIENT)


def test_503_with_retry_after_is_honoured_then_succeeds() -> None:
    client, requests, sleeps = scripted(
        [httpx.Response(503, headers={"Retry-After": "3"}, content=OUTCOME), ok()]
    )
    assert client.read("Patient", "p1")["id"] == "p1"
    assert len(requests) == 2
    assert sleeps == [3.0]


def test_retry_after_as_an_http_date_is_measured_against_the_servers_clock() -> None:
    response = httpx.Response(
        503, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:30 GMT", "Date": "Wed, 21 Oct 2015 07:28:00 GMT"}
    )
    assert retry_after(response) == 30.0


def test_429_without_retry_after_backs_off_exponentially() -> None:
    busy = httpx.Response(429, content=OUTCOME)
    client, requests, sleeps = scripted(
        [busy, busy, busy, ok()], RetryPolicy(backoff=0.5, jitter=lambda d: d)
    )
    client.read("Patient", "p1")
    assert sleeps == [0.5, 1.0, 2.0]
    assert len(requests) == 4


def test_jitter_keeps_delays_within_half_and_full_backoff() -> None:
    policy = RetryPolicy(backoff=1.0)
    delays = [policy.backoff_delay(3) for _ in range(200)]
    assert all(4.0 <= d <= 8.0 for d in delays)
    assert len(set(delays)) > 1


def test_gives_up_after_max_attempts_with_the_servers_outcome() -> None:
    client, requests, sleeps = scripted(
        [httpx.Response(503, content=OUTCOME)], RetryPolicy(max_attempts=3, jitter=lambda d: d)
    )
    with pytest.raises(ServerError) as caught:
        client.read("Patient", "p1")
    assert len(requests) == 3
    assert len(sleeps) == 2
    assert caught.value.status == 503
    assert caught.value.issues[0]["diagnostics"] == "busy"
    assert caught.value.request.url == httpx.URL(f"{BASE}/Patient/p1")


def test_a_retry_after_beyond_the_limit_is_not_waited_for() -> None:
    client, requests, sleeps = scripted(
        [httpx.Response(503, headers={"Retry-After": "3600"}, content=OUTCOME)]
    )
    with pytest.raises(ServerError):
        client.read("Patient", "p1")
    assert (len(requests), sleeps) == (1, [])


def test_total_wait_is_bounded() -> None:
    policy = RetryPolicy(max_attempts=10, max_total_delay=5.0, jitter=lambda d: d)
    client, _, sleeps = scripted([httpx.Response(503, headers={"Retry-After": "2"})], policy)
    with pytest.raises(ServerError):
        client.read("Patient", "p1")
    assert sleeps == [2.0, 2.0]


def test_429_on_a_plain_create_is_not_repeated() -> None:
    client, requests, _ = scripted([httpx.Response(429, content=OUTCOME), httpx.Response(201)])
    with pytest.raises(TooManyRequestsError):
        client.create({"resourceType": "Patient"})
    assert len(requests) == 1


def test_conditional_create_is_repeated() -> None:
    created = httpx.Response(201, headers={"Location": f"{BASE}/Patient/7/_history/1"}, content=PATIENT)
    client, requests, _ = scripted([httpx.Response(503), created])
    outcome = client.create({"resourceType": "Patient"}, if_none_exist={"identifier": "sys|1"})
    assert (outcome.created, outcome.id, outcome.version_id) == (True, "7", "1")
    assert len(requests) == 2
    assert requests[1].headers["If-None-Exist"] == "identifier=sys|1"


@pytest.mark.parametrize(
    ("entries", "repeated"),
    [
        ([{"request": {"method": "PUT", "url": "Patient/1"}}], True),
        (
            [
                {"request": {"method": "POST", "url": "Patient", "ifNoneExist": "identifier=s|1"}},
                {"request": {"method": "PUT", "url": "Observation?identifier=s|2"}},
            ],
            True,
        ),
        (
            [
                {"request": {"method": "PUT", "url": "Patient/1"}},
                {"request": {"method": "POST", "url": "Patient"}},
            ],
            False,
        ),
    ],
    ids=["all-put", "all-conditional", "one-plain-post"],
)
def test_transactions_are_repeated_only_when_every_entry_is_conditional_or_put(
    entries: list[dict[str, object]], repeated: bool
) -> None:
    response = orjson.dumps({"resourceType": "Bundle", "type": "transaction-response"})
    client, requests, _ = scripted(
        [httpx.ReadError("connection reset by peer"), httpx.Response(200, content=response)]
    )
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": entries}
    if repeated:
        assert client.transaction(bundle)["type"] == "transaction-response"
        assert len(requests) == 2
    else:
        with pytest.raises(FhirTransportError):
            client.transaction(bundle)
        assert len(requests) == 1


def test_connection_refused_is_repeated_even_for_a_plain_post() -> None:
    # The request never reached the server, so sending it again cannot duplicate anything.
    created = httpx.Response(201, headers={"Location": f"{BASE}/Patient/8"})
    client, requests, _ = scripted([httpx.ConnectError("connection refused"), created])
    assert client.create({"resourceType": "Patient"}).id == "8"
    assert len(requests) == 2


def test_read_timeout_on_a_read_is_repeated() -> None:
    client, requests, _ = scripted([httpx.ReadTimeout("slow"), ok()])
    assert client.read("Patient", "p1")["id"] == "p1"
    assert len(requests) == 2


def test_read_timeout_on_a_plain_post_is_reported_not_repeated() -> None:
    client, requests, _ = scripted([httpx.ReadTimeout("slow")])
    with pytest.raises(FhirTimeoutError) as caught:
        client.create({"resourceType": "Patient"})
    assert len(requests) == 1
    assert caught.value.request.method == "POST"
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)


def test_every_request_carries_a_timeout() -> None:
    client, requests, _ = scripted([ok()])
    client.read("Patient", "p1")
    assert requests[0].extensions["timeout"] == {"connect": 10.0, "read": 60.0, "write": 60.0, "pool": 60.0}


def test_disabled_retries_send_once() -> None:
    client, requests, _ = scripted([httpx.Response(503), ok()], RetryPolicy(max_attempts=1))
    with pytest.raises(ServerError):
        client.read("Patient", "p1")
    assert len(requests) == 1
