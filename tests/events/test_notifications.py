"""Notifications out: who is told, in which shape, signed, in order per resident, nothing lost or
duplicated while a subscriber is down; subscriptions checked and kept to their owner."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.events.conftest import Start
from tests.events.helpers import key, red_bag, subscription, unique_ods
from tests.events.listener import Subscriber
from tests.service.helpers import unique_nhs_number


def event(kind: str, nhs: str, at: datetime, event_id: str, **more: Any) -> dict[str, Any]:
    return {
        "eventId": event_id,
        "type": kind,
        "nhsNumber": nhs,
        "occurredAt": at.isoformat(timespec="seconds"),
        "hospital": "RZZ01",
        "encounter": f"S{nhs}",
        **more,
    }


def post(client: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    answer = client.post("/events", json=body, headers=key("hospital"))
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def subscribe(client: httpx.Client, criteria: str, endpoint: str, who: str = "care-home") -> tuple[str, str]:
    answer = client.post("/Subscription", json=subscription(criteria, endpoint), headers=key(who))
    assert answer.status_code == 201, answer.text
    return answer.json()["id"], answer.headers["X-Redbag-Signing-Key"]


def test_h16_a_subscriber_that_is_down_gets_everything_once_back_in_order_once(
    start: Start, subscriber: Subscriber
) -> None:
    care_home = unique_ods()
    residents = [unique_nhs_number() for _ in range(3)]
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=5)
    with start() as (client, _):
        for nhs in residents:
            client.put(f"/registrations/{nhs}", json={"careHome": care_home}, headers=key("care-home"))
        subscribe(client, f"Encounter?care-home={care_home}", subscriber.url)
        subscriber.down = True
        for step, kind in enumerate(("admitted", "discharge-planned", "discharged")):
            for nhs in residents:
                more = (
                    {"plannedDischarge": (at + timedelta(days=2)).isoformat()}
                    if kind == "discharge-planned"
                    else {}
                )
                post(client, event(kind, nhs, at + timedelta(hours=step), f"{kind}-{nhs}", **more))
        deadline = datetime.now(UTC) + timedelta(seconds=10)
        while subscriber.refused < 3 and datetime.now(UTC) < deadline:
            pass
        assert subscriber.refused >= 3 and not subscriber.received
        subscriber.down = False
        received = subscriber.wait_for(12)
        numbers = [r.event_number for r in received]
        assert sorted(numbers) == list(range(1, 13)) and len(set(numbers)) == 12, "each once, none lost"
        for nhs in residents:
            mine = [
                r
                for r in received
                if r.bundle["entry"][1]["resource"]["subject"]["identifier"]["value"] == nhs
            ]
            assert [r.code for r in mine] == ["admitted", "visit-due", "discharge-planned", "discharged"]
            assert [r.event_number for r in mine] == sorted(r.event_number for r in mine), (
                "in order per resident"
            )
        state = client.get(
            f"/Subscription/{received[0].headers['x-redbag-subscription']}", headers=key("care-home")
        )
        assert state.json()["status"] == "active" and "error" not in state.json()


def test_notification_shape_backport_history_bundle(start: Start, subscriber: Subscriber) -> None:
    nhs = unique_nhs_number()
    with start() as (client, _):
        subscription_id, signing_key = subscribe(
            client,
            f"Encounter?patient.identifier=https://fhir.nhs.uk/Id/nhs-number|{nhs}",
            subscriber.url,
            "nurses",
        )
        post(client, event("admitted", nhs, datetime.now(UTC).replace(microsecond=0), f"a-{nhs}"))
        first = subscriber.wait_for(1)[0]
    bundle = first.bundle
    assert bundle["type"] == "history" and bundle["meta"]["profile"][0].endswith(
        "backport-subscription-notification-r4"
    )
    status = bundle["entry"][0]["resource"]
    assert status["resourceType"] == "Parameters"
    params = {p["name"]: p for p in status["parameter"]}
    assert params["subscription"]["valueReference"]["reference"].endswith(f"/Subscription/{subscription_id}")
    assert params["type"]["valueCode"] == "event-notification"
    assert params["events-since-subscription-start"]["valueString"] == "1"
    parts = {p["name"]: p for p in params["notification-event"]["part"]}
    assert parts["event-number"]["valueString"] == "1"
    encounter = bundle["entry"][1]["resource"]
    assert parts["focus"]["valueReference"]["reference"].endswith(f"/Encounter/{encounter['id']}")
    assert encounter["subject"] == {
        "identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs}
    }
    assert first.headers["content-type"] == "application/fhir+json"
    assert first.headers["x-redbag-event-number"] == "1"
    assert first.signed_with(signing_key) and not first.signed_with("another key")
    assert first.detail("redBagSent") is False


def test_headers_of_the_channel_are_sent(start: Start, subscriber: Subscriber) -> None:
    nhs = unique_nhs_number()
    with start() as (client, _):
        criteria = f"Encounter?patient.identifier=https://fhir.nhs.uk/Id/nhs-number|{nhs}"
        body = subscription(
            criteria, subscriber.url, headers=["Authorization: Bearer home-token", "X-Home: VN4R7"]
        )
        assert client.post("/Subscription", json=body, headers=key("care-home")).status_code == 201
        post(client, event("admitted", nhs, datetime.now(UTC).replace(microsecond=0), f"h-{nhs}"))
        received = subscriber.wait_for(1)[0]
    assert received.headers["authorization"] == "Bearer home-token" and received.headers["x-home"] == "VN4R7"


def test_a_red_bag_received_and_returned_with_missing_belongings(
    start: Start, subscriber: Subscriber
) -> None:
    care_home = unique_ods()
    summary = red_bag(care_home)
    nhs = summary["resident"]["nhsNumber"]
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    with start() as (client, _):
        assert client.post("/transfers", json=summary, headers=key("care-home")).status_code == 202
        subscribe(client, f"Encounter?care-home={care_home}", subscriber.url)
        post(client, event("admitted", nhs, at, f"1-{nhs}"))
        post(client, event("red-bag-received", nhs, at + timedelta(minutes=30), f"2-{nhs}"))
        post(client, event("discharged", nhs, at + timedelta(hours=2), f"3-{nhs}", dischargeDestination="85"))
        post(client, event("red-bag-returned", nhs, at + timedelta(hours=2), f"4-{nhs}", belongingsMissing=2))
        received = subscriber.wait_for(5)
    assert [r.code for r in received] == [
        "admitted",
        "visit-due",
        "red-bag-received",
        "discharged",
        "red-bag-returned",
    ]
    assert received[0].detail("redBagSent") is True
    assert received[4].detail("belongingsMissing") == 2


def test_an_ended_subscription_is_told_nothing_more(start: Start, subscriber: Subscriber) -> None:
    nhs = unique_nhs_number()
    with start() as (client, _):
        criteria = f"Encounter?patient.identifier=https://fhir.nhs.uk/Id/nhs-number|{nhs}"
        subscription_id, _ = subscribe(client, criteria, subscriber.url)
        assert client.delete(f"/Subscription/{subscription_id}", headers=key("gp")).status_code == 404, (
            "not its own"
        )
        assert client.delete(f"/Subscription/{subscription_id}", headers=key("care-home")).status_code == 204
        post(client, event("admitted", nhs, datetime.now(UTC).replace(microsecond=0), f"e-{nhs}"))
        assert (
            client.get(f"/Subscription/{subscription_id}", headers=key("care-home")).json()["status"] == "off"
        )
    assert subscriber.received == []


@pytest.mark.parametrize(
    ("changes", "location"),
    [
        ({"criteria": "Patient?name=smith"}, "Subscription.criteria"),
        ({"criteria": "Encounter?care-home=not an ods"}, "Subscription.criteria"),
        (
            {"criteria": "Encounter?patient.identifier=https://fhir.nhs.uk/Id/nhs-number|9990341819"},
            "Subscription.criteria",
        ),
        (
            {
                "channel": {
                    "type": "websocket",
                    "payload": "application/fhir+json",
                    "endpoint": "https://x.nhs.uk/h",
                }
            },
            "Subscription.channel.type",
        ),
        (
            {
                "channel": {
                    "type": "rest-hook",
                    "payload": "application/fhir+json",
                    "endpoint": "http://care-home.example/hook",
                }
            },
            "Subscription.channel.endpoint",
        ),
        (
            {
                "channel": {
                    "type": "rest-hook",
                    "payload": "application/fhir+json",
                    "endpoint": "https://h.example/",
                    "header": ["X-Redbag-Signature: forged"],
                }
            },
            "Subscription.channel.header[0]",
        ),
        (
            {"channel": {"type": "rest-hook", "endpoint": "https://h.example/"}},
            "Subscription.channel.payload",
        ),
    ],
    ids=[
        "not-encounter",
        "bad-ods",
        "bad-nhs-number",
        "websocket",
        "plain-http-elsewhere",
        "forged-header",
        "no-payload",
    ],
)
def test_bad_subscriptions_are_refused_naming_the_element(
    start: Start, changes: dict[str, Any], location: str
) -> None:
    body = subscription("Encounter?care-home=VN4R7", "https://care-home.example/hook") | changes
    with start() as (client, _):
        answer = client.post("/Subscription", json=body, headers=key("care-home"))
    assert answer.status_code == 422, answer.text
    assert location in [loc for issue in answer.json()["issue"] for loc in issue.get("location", [])]


def test_backport_style_subscription_with_filter_criteria(start: Start, subscriber: Subscriber) -> None:
    nhs = unique_nhs_number()
    body = subscription("https://redbag.dev/fhir/SubscriptionTopic/red-bag-pathway", subscriber.url)
    body["_criteria"] = {
        "extension": [
            {
                "url": "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-filter-criteria",
                "valueString": f"Encounter?patient.identifier=https://fhir.nhs.uk/Id/nhs-number|{nhs}",
            }
        ]
    }
    with start() as (client, _):
        created = client.post("/Subscription", json=body, headers=key("nurses"))
        assert created.status_code == 201, created.text
        assert created.json()["criteria"] == "https://redbag.dev/fhir/SubscriptionTopic/red-bag-pathway"
        post(client, event("admitted", nhs, datetime.now(UTC).replace(microsecond=0), f"b-{nhs}"))
        assert subscriber.wait_for(1)[0].code == "admitted"


def test_only_subscribers_subscribe_and_only_hospitals_post_events(start: Start) -> None:
    with start() as (client, _):
        body = subscription("Encounter?care-home=VN4R7", "https://care-home.example/hook")
        assert client.post("/Subscription", json=body, headers=key("hospital")).status_code == 403
        nhs = unique_nhs_number()
        answer = client.post(
            "/events", json=event("admitted", nhs, datetime.now(UTC), "x"), headers=key("care-home")
        )
        assert answer.status_code == 403


def test_the_return_journey_tells_the_home_how_many_belongings_are_missing(
    start: Start, subscriber: Subscriber
) -> None:
    from tests.service.helpers import example

    summary, discharge = example("return-journey"), example("return-journey.discharge.json")
    care_home = unique_ods()
    summary["careHome"]["odsCode"] = care_home
    summary["resident"]["nhsNumber"] = nhs = unique_nhs_number()
    with start() as (client, _):
        sent = client.post("/transfers", json=summary, headers=key("care-home"))
        assert sent.status_code == 202, sent.text
        subscribe(client, f"Encounter?care-home={care_home}", subscriber.url)
        post(
            client,
            event("admitted", nhs, datetime.now(UTC).replace(microsecond=0) - timedelta(hours=4), f"r-{nhs}"),
        )
        back = client.post(f"/transfers/{sent.json()['id']}/return", json=discharge, headers=key("care-home"))
        assert back.status_code == 202, back.text
        received = subscriber.wait_for(3)
    assert [r.code for r in received] == ["admitted", "visit-due", "red-bag-returned"]
    assert received[2].detail("belongingsMissing") == 1, "the left hearing aid did not come back"
