"""ADT over MLLP end to end: a real ``redbag serve`` with its listener, messages sent by the hl7 package's
own ``mllp_send`` (a third-party client), notifications received by real HTTP listeners.

One service process for the module; each test has its own residents, care homes and subscribers.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.events.helpers import key, key_entries, mllp_send, red_bag, subscribe, unique_ods
from tests.events.listener import Subscriber
from tests.hl7v2.messages import adt, example
from tests.service.helpers import unique_nhs_number
from tests.service.process import ServiceProcess, free_port, service_environment


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServiceProcess, int]]:
    """``redbag serve`` with the MLLP listener on a port of its own; (process, MLLP port)."""
    folder = tmp_path_factory.mktemp("mllp")
    port = free_port()
    env = service_environment(
        f"sqlite:///{folder / 'redbag.db'}",
        REDBAG_API_KEYS=key_entries(),
        REDBAG_HL7_PORT=str(port),
        REDBAG_VALIDATE_TRANSFERS="false",
        REDBAG_DELIVERY_THREADS="0",
        REDBAG_NOTIFY_BACKOFF_SECONDS="0.2",
        REDBAG_NOTIFY_MAX_BACKOFF="1",
        REDBAG_FHIR_SERVER="http://127.0.0.1:9/fhir",
    )
    process = ServiceProcess(env, folder / "serve.log")
    yield process, port
    process.stop()


@pytest.fixture
def api(service: tuple[ServiceProcess, int]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=service[0].base_url, timeout=30) as client:
        yield client


@pytest.fixture
def home() -> Iterator[Subscriber]:
    listener = Subscriber()
    yield listener
    listener.close()


@pytest.fixture
def gp_listener() -> Iterator[Subscriber]:
    listener = Subscriber()
    yield listener
    listener.close()


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def journey(api: httpx.Client, nhs_number: str) -> dict:  # type: ignore[type-arg]
    found = api.get("/journeys", params={"nhsNumber": nhs_number}, headers=key("care-home")).json()
    assert found["count"] == 1, found
    return found["journeys"][0]  # type: ignore[no-any-return]


def test_admission_with_a_red_bag_end_to_end(
    service: tuple[ServiceProcess, int], api: httpx.Client, home: Subscriber, tmp_path: Path
) -> None:
    care_home = unique_ods()
    summary = red_bag(care_home)
    nhs = summary["resident"]["nhsNumber"]
    sent = api.post("/transfers", json=summary, headers=key("care-home"))
    assert sent.status_code == 202, sent.text
    _, signing_key = subscribe(api, "care-home", f"Encounter?care-home={care_home}", home.url)
    admitted_at = now()
    acks = mllp_send(service[1], adt("A01", nhs, control_id=f"A01-{nhs}", at=admitted_at), tmp=tmp_path)
    assert acks == [f"MSA|AA|A01-{nhs}|event stored and applied"]
    stay = journey(api, nhs)
    assert stay["journey"]["red_bag"]["transfer_id"] == sent.json()["id"], "the transfer updated: its stay"
    assert stay["encounter"]["status"] == "in-progress"
    task = stay["visitTask"]
    assert (
        task["code"]["coding"][0]["code"] == "fulfill" and task["owner"]["identifier"]["value"] == care_home
    )
    assert task["focus"]["reference"] == f"Encounter/{stay['encounter']['id']}"
    due = datetime.fromisoformat(task["restriction"]["period"]["end"])
    assert due == admitted_at + timedelta(hours=48)
    assert task["businessStatus"]["coding"][0]["code"] == "due"
    received = home.wait_for(2)
    assert [r.code for r in received] == ["admitted", "visit-due"]
    assert all(r.signed_with(signing_key) for r in received), (
        "HMAC-SHA256 over the body, the subscription's key"
    )
    assert [r.event_number for r in received] == [1, 2]
    assert received[0].detail("redBagSent") is True
    assert received[0].bundle["type"] == "history"
    assert received[0].bundle["entry"][0]["resource"]["resourceType"] == "Parameters"


def test_admission_without_a_red_bag_tells_the_home(
    service: tuple[ServiceProcess, int], api: httpx.Client, home: Subscriber, tmp_path: Path
) -> None:
    care_home, nhs = unique_ods(), unique_nhs_number()
    registered = api.put(
        f"/registrations/{nhs}", json={"careHome": care_home, "gp": "B99017"}, headers=key("care-home")
    )
    assert registered.status_code == 204, registered.text
    subscribe(api, "care-home", f"Encounter?care-home={care_home}", home.url)
    acks = mllp_send(service[1], adt("A01", nhs, control_id=f"A01-{nhs}", at=now()), tmp=tmp_path)
    assert acks[0].startswith("MSA|AA|")
    received = home.wait_for(1)
    assert received[0].code == "admitted" and received[0].detail("redBagSent") is False
    assert journey(api, nhs)["journey"].get("red_bag") is None


def test_discharge_finishes_the_stay_and_tells_home_and_gp(
    service: tuple[ServiceProcess, int],
    api: httpx.Client,
    home: Subscriber,
    gp_listener: Subscriber,
    tmp_path: Path,
) -> None:
    care_home, practice = unique_ods(), unique_ods()
    summary = red_bag(care_home, practice)
    nhs = summary["resident"]["nhsNumber"]
    assert api.post("/transfers", json=summary, headers=key("care-home")).status_code == 202
    subscribe(api, "care-home", f"Encounter?care-home={care_home}", home.url)
    subscribe(api, "gp", f"Encounter?general-practitioner={practice}", gp_listener.url)
    at = now()
    acks = mllp_send(
        service[1],
        adt("A01", nhs, control_id=f"A01-{nhs}", at=at - timedelta(hours=30), gp=practice),
        adt("A03", nhs, control_id=f"A03-{nhs}", at=at, pv1={37: "85"}, gp=practice),
        tmp=tmp_path,
    )
    assert [a.split("|")[1] for a in acks] == ["AA", "AA"]
    stay = journey(api, nhs)
    assert stay["encounter"]["status"] == "finished" and stay["journey"]["stage"] == "discharged"
    assert stay["encounter"]["hospitalization"]["dischargeDisposition"]["coding"][0]["code"] == "85"
    assert [r.code for r in home.wait_for(3)] == ["admitted", "visit-due", "discharged"]
    assert [r.code for r in gp_listener.wait_for(3)] == ["admitted", "visit-due", "discharged"]
    discharged = home.received[2]
    assert discharged.detail("belongingsReconciled") is False, "not yet known, and said so"
    assert discharged.detail("belongingsMissing") is None


def test_cancellations_undo_what_they_cancel(
    service: tuple[ServiceProcess, int], api: httpx.Client, home: Subscriber, tmp_path: Path
) -> None:
    care_home = unique_ods()
    summary = red_bag(care_home)
    nhs = summary["resident"]["nhsNumber"]
    assert api.post("/transfers", json=summary, headers=key("care-home")).status_code == 202
    subscribe(api, "care-home", f"Encounter?care-home={care_home}", home.url)
    at = now() - timedelta(hours=2)
    mllp_send(
        service[1],
        adt("A01", nhs, control_id=f"1-{nhs}", at=at),
        adt("A03", nhs, control_id=f"2-{nhs}", at=at + timedelta(hours=1)),
        adt("A13", nhs, control_id=f"3-{nhs}", at=at + timedelta(hours=1, minutes=5)),
        tmp=tmp_path,
    )
    stay = journey(api, nhs)
    assert stay["journey"]["stage"] == "admitted" and "discharged_at" not in stay["journey"]
    assert stay["visitTask"]["status"] == "requested", "the visit is due again"
    mllp_send(service[1], adt("A11", nhs, control_id=f"4-{nhs}", at=at + timedelta(hours=2)), tmp=tmp_path)
    stay = journey(api, nhs)
    assert stay["encounter"]["status"] == "cancelled" and stay["visitTask"]["status"] == "cancelled"
    codes = [r.code for r in home.wait_for(5)]
    assert codes == ["admitted", "visit-due", "discharged", "discharge-cancelled", "admission-cancelled"]


def test_h18_duplicates_are_acknowledged_and_applied_once(
    service: tuple[ServiceProcess, int], api: httpx.Client, home: Subscriber, tmp_path: Path
) -> None:
    care_home, nhs = unique_ods(), unique_nhs_number()
    api.put(f"/registrations/{nhs}", json={"careHome": care_home}, headers=key("care-home"))
    subscribe(api, "care-home", f"Encounter?care-home={care_home}", home.url)
    message = adt("A01", nhs, control_id=f"DUP-{nhs}", at=now())
    acks = mllp_send(service[1], message, message, tmp=tmp_path)
    acks += mllp_send(service[1], message, tmp=tmp_path)
    assert acks[0] == f"MSA|AA|DUP-{nhs}|event stored and applied"
    assert acks[1:] == [f"MSA|AA|DUP-{nhs}|message already received (same control id); not applied again"] * 2
    reused = adt("A03", nhs, control_id=f"DUP-{nhs}", at=now())
    assert mllp_send(service[1], reused, tmp=tmp_path)[0].startswith(
        f"MSA|AE|DUP-{nhs}|this control id was used"
    )
    home.wait_for(2)
    assert [r.code for r in home.wait_for(2)] == ["admitted", "visit-due"], "nothing applied twice"
    events = api.get(f"/journeys/{journey(api, nhs)['id']}", headers=key("care-home")).json()["events"]
    assert len(events) == 1


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (example("bad-no-nhs-number"), "MSA|AE|RZZ01-000301|no NHS number"),
        (
            adt("A05", "9990341818", control_id="BAD-A05", at=datetime(2026, 1, 1, tzinfo=UTC)),
            "MSA|AR|BAD-A05|",
        ),
    ],
    ids=["AE-no-nhs-number", "AR-unsupported-trigger"],
)
def test_h18_bad_messages_are_answered_with_the_reason(
    service: tuple[ServiceProcess, int], message: bytes, expected: str, tmp_path: Path
) -> None:
    ack = mllp_send(service[1], message, tmp=tmp_path)
    assert ack[0].startswith(expected), ack


def test_h18_a_malformed_stream_never_brings_the_listener_down(
    service: tuple[ServiceProcess, int], api: httpx.Client, tmp_path: Path
) -> None:
    port = service[1]
    for junk in (
        b"GET / HTTP/1.1\r\n\r\n",
        b"\x0bMSH|^~\\&|half a message",
        b"\x00\xff" * 5000 + b"\x1c\r",
        b"\x0b\x1c\r",
    ):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(junk)
            sock.shutdown(socket.SHUT_WR)
            sock.settimeout(2)
            with contextlib.suppress(TimeoutError):
                sock.recv(4096)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"\x0bnot hl7 at all\x1c\r")
        assert b"MSA|AR||the message does not start with an MSH segment" in sock.recv(4096)
    nhs = unique_nhs_number()
    acks = mllp_send(port, adt("A01", nhs, control_id=f"AFTER-{nhs}", at=now()), tmp=tmp_path)
    assert acks == [f"MSA|AA|AFTER-{nhs}|event stored and applied"], "still listening, still applying"
    assert service[0].process.poll() is None


def test_h9_the_listener_logs_no_names_and_no_whole_nhs_numbers(
    service: tuple[ServiceProcess, int], tmp_path: Path
) -> None:
    nhs = unique_nhs_number()
    refused = adt("A01", nhs, control_id=f"LOG-{nhs}", at=now()).replace(b"|2.4|", b"|9.9|")
    mllp_send(service[1], refused, adt("A01", nhs, control_id=f"OK-{nhs}", at=now()), tmp=tmp_path)
    mllp_send(service[1], example("bad-no-nhs-number"), tmp=tmp_path)
    log = service[0].log()
    assert f"LOG-{'*' * 7}{nhs[-3:]}" in log, "the refusal is logged, its control id masked"
    for word in ("Tester", "Thwaite", "Doe^Jane", nhs):
        assert word not in log, f"{word!r} reached the log"
