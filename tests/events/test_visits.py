"""The 48-hour visit: a Task due at admission + 48 hours, recorded through the API, marked overdue when
the time passes (also when the service was not running then) and notified."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.events.conftest import MovableClock, Start
from tests.events.helpers import key, subscription, unique_ods
from tests.events.listener import Subscriber
from tests.service.helpers import unique_nhs_number

HOURS = 3600.0


def admit(client: object, nhs: str, care_home: str, at: datetime) -> str:
    from httpx import Client

    assert isinstance(client, Client)
    client.put(f"/registrations/{nhs}", json={"careHome": care_home}, headers=key("care-home"))
    answer = client.post(
        "/events",
        json={
            "eventId": f"admit-{nhs}",
            "type": "admitted",
            "nhsNumber": nhs,
            "occurredAt": at.isoformat(),
            "hospital": "RZZ01",
            "encounter": f"S{nhs}",
        },
        headers=key("hospital"),
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["journeyId"])


def test_h17_a_visit_not_made_in_48_hours_is_overdue_and_the_home_told(
    start: Start, subscriber: Subscriber, clock: MovableClock
) -> None:
    care_home, nhs = unique_ods(), unique_nhs_number()
    with start() as (client, _):
        client.post(
            "/Subscription",
            json=subscription(f"Encounter?care-home={care_home}", subscriber.url),
            headers=key("care-home"),
        )
        journey_id = admit(client, nhs, care_home, datetime.now(UTC).replace(microsecond=0))
        subscriber.wait_for(2)
        clock.advance(47 * HOURS)
        assert [r.code for r in subscriber.wait_for(2)] == ["admitted", "visit-due"]
        clock.advance(1 * HOURS + 1)
        received = subscriber.wait_for(3)
        assert received[2].code == "visit-overdue"
        task = client.get(f"/journeys/{journey_id}", headers=key("care-home")).json()["visitTask"]
        assert task["businessStatus"]["coding"][0]["code"] == "overdue" and task["status"] == "requested"
        assert received[2].bundle["entry"][2]["resource"]["businessStatus"]["coding"][0]["code"] == "overdue"


def test_h17_a_visit_that_fell_due_while_the_service_was_down_is_overdue_at_start(
    start: Start, subscriber: Subscriber, clock: MovableClock
) -> None:
    care_home, nhs = unique_ods(), unique_nhs_number()
    with start() as (client, _):
        client.post(
            "/Subscription",
            json=subscription(f"Encounter?care-home={care_home}", subscriber.url),
            headers=key("care-home"),
        )
        admit(client, nhs, care_home, datetime.now(UTC).replace(microsecond=0))
        subscriber.wait_for(2)
    clock.advance(72 * HOURS)  # nothing runs meanwhile
    with start(
        visit_sweep_seconds=3600.0
    ) as _:  # the periodic sweep would be too late: the start-up one finds it
        received = subscriber.wait_for(3)
    assert [r.code for r in received] == ["admitted", "visit-due", "visit-overdue"]


def test_the_visit_is_recorded_who_when_notes(
    start: Start, subscriber: Subscriber, clock: MovableClock
) -> None:
    care_home, nhs = unique_ods(), unique_nhs_number()
    admitted = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=20)
    with start() as (client, _):
        client.post(
            "/Subscription",
            json=subscription(f"Encounter?care-home={care_home}", subscriber.url),
            headers=key("care-home"),
        )
        journey_id = admit(client, nhs, care_home, admitted)
        visit = {
            "visitedBy": "Sam Okoro",
            "role": "senior carer",
            "visitedAt": (admitted + timedelta(hours=19)).isoformat(),
            "notes": "Settled; hearing aid in, glasses with her",
        }
        future = visit | {"visitedAt": (datetime.now(UTC) + timedelta(hours=2)).isoformat()}
        assert (
            client.post(f"/journeys/{journey_id}/visit", json=future, headers=key("care-home")).status_code
            == 422
        )
        answer = client.post(f"/journeys/{journey_id}/visit", json=visit, headers=key("care-home"))
        assert answer.status_code == 200 and answer.json()["outcome"] == "applied", answer.text
        again = client.post(f"/journeys/{journey_id}/visit", json=visit, headers=key("care-home"))
        assert again.json()["outcome"] == "repeated"
        task = client.get(f"/journeys/{journey_id}", headers=key("care-home")).json()["visitTask"]
        assert task["status"] == "completed" and task["note"][0]["authorString"] == "Sam Okoro (senior carer)"
        assert task["note"][0]["text"] == "Settled; hearing aid in, glasses with her"
        assert [r.code for r in subscriber.wait_for(3)] == ["admitted", "visit-due", "visited"]
        clock.advance(60 * HOURS)
        assert (
            client.get(f"/journeys/{journey_id}", headers=key("care-home")).json()["visitTask"]["status"]
            == "completed"
        )
    assert len(subscriber.received) == 3, "a visit made is never overdue"
