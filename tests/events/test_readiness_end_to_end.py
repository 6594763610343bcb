"""Getting a resident home, end to end on a real ``redbag serve``: the care home publishes what it can
manage and subscribes; its red bag goes with the resident; the hospital's A01 (sent with the hl7 package's
own mllp_send) opens the stay; an A08 carrying the expected discharge date (PV2-9) records the Discharge
Ready Date and the home hears it at once; the hospital records what the resident needs and the home gets the
checklist; the red bag comes back and the delay is recorded where a SQL query finds it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapter.redbag.discharge_delay import day_in_england
from tests.events.helpers import key, key_entries, mllp_send, red_bag, subscribe, unique_ods
from tests.events.listener import Subscriber
from tests.hl7v2.messages import adt, hl7_time
from tests.service.helpers import example
from tests.service.process import ServiceProcess, free_port, service_environment

Json = dict[str, Any]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServiceProcess, int, Path]]:
    """``redbag serve`` with its MLLP listener; (process, MLLP port, database file)."""
    folder = tmp_path_factory.mktemp("readiness")
    database = folder / "redbag.db"
    port = free_port()
    env = service_environment(
        f"sqlite:///{database}",
        REDBAG_API_KEYS=key_entries(),
        REDBAG_HL7_PORT=str(port),
        REDBAG_VALIDATE_TRANSFERS="false",
        REDBAG_DELIVERY_THREADS="0",
        REDBAG_NOTIFY_BACKOFF_SECONDS="0.2",
        REDBAG_NOTIFY_MAX_BACKOFF="1",
        REDBAG_FHIR_SERVER="http://127.0.0.1:9/fhir",
    )
    process = ServiceProcess(env, folder / "serve.log")
    yield process, port, database
    process.stop()


@pytest.fixture
def home() -> Iterator[Subscriber]:
    listener = Subscriber()
    yield listener
    listener.close()


def _discharge(summary: Json, at: datetime) -> Json:
    return {
        "bagNumber": summary["bagNumber"],
        "dischargedAt": at.isoformat(timespec="seconds"),
        "dischargeDestination": {
            "odsCode": summary["careHome"]["odsCode"],
            "name": summary["careHome"]["name"],
        },
        "dischargeSummary": "Fractured neck of femur repaired (hemiarthroplasty); walking with a frame.",
        "medicationChanges": [],
        "belongingsReturned": [{"item": b["item"], "status": "returned"} for b in summary["belongings"]],
    }


def test_h24_an_a08_date_readiness_and_the_delay_end_to_end(
    service: tuple[ServiceProcess, int, Path], home: Subscriber, tmp_path: Path
) -> None:
    process, port, database = service
    care_home = unique_ods()
    summary = red_bag(care_home)  # its summary says nothing of what the home can manage
    nhs = summary["resident"]["nhsNumber"]
    now = datetime.now(UTC).replace(microsecond=0)
    with httpx.Client(base_url=process.base_url, timeout=30) as api:
        published = api.put(
            f"/care-homes/{care_home}/capabilities",
            json=example("care-home-capabilities.json"),
            headers=key("care-home"),
        )
        assert published.status_code == 200, published.text
        subscribe(api, "care-home", f"Encounter?care-home={care_home}", home.url)
        sent = api.post("/transfers", json=summary, headers=key("care-home"))
        assert sent.status_code == 202, sent.text
        transfer = sent.json()["id"]

        # The stay opens, then an A08 says when the resident is expected to be ready to go home.
        admitted, expected = now - timedelta(days=6), now - timedelta(days=3, hours=2)
        acks = mllp_send(
            port,
            adt("A01", nhs, control_id=f"A01-{nhs}", at=admitted),
            adt("A08", nhs, control_id=f"A08-{nhs}", at=now - timedelta(days=4), pv2={9: hl7_time(expected)}),
            tmp=tmp_path,
        )
        assert [a.split("|")[1] for a in acks] == ["AA", "AA"], acks
        ready_day = day_in_england(expected.isoformat()).isoformat()
        found = api.get(f"/transfers/{transfer}/readiness", headers=key("hospital")).json()
        assert (found["dischargeReadyDate"], found["readySource"], found["needsRecorded"]) == (
            ready_day,
            "hl7v2",
            False,
        )
        assert [i["need"]["kind"] for i in found["readiness"]["checklist"]] == ["return"]
        received = home.wait_for(4)
        assert [r.code for r in received] == ["admitted", "visit-due", "discharge-planned", "discharge-ready"]
        ready = received[3]
        assert ready.detail("dischargeReadyDate") == ready_day and ready.detail("notPossible") == 0
        stay = ready.bundle["entry"][1]["resource"]
        assert stay["extension"][0]["extension"][0] == {"url": "readyDate", "valueDate": ready_day}

        # The hospital records what the resident needs, on the stay it knows.
        journey = api.get("/journeys", params={"nhsNumber": nhs}, headers=key("care-home")).json()
        journey_id = journey["journeys"][0]["id"]
        needs = {**example("return-journey.readiness.json"), "dischargeReadyDate": ready_day}
        del needs["plannedReturnAt"], needs["recordedAt"]
        needs["needs"][-1]["dueBy"] = ready_day
        answer = api.put(f"/journeys/{journey_id}/readiness", json=needs, headers=key("hospital"))
        assert answer.status_code == 200, answer.text
        assert (
            answer.json()["needsRecorded"] is True
            and answer.json()["readiness"]["capabilitiesFrom"] == "published"
        )
        checklist = home.wait_for(5)[4]
        assert checklist.code == "discharge-ready"
        tasks = [e["resource"] for e in checklist.bundle["entry"] if e["resource"]["resourceType"] == "Task"]
        owners = {t["code"]["coding"][0]["code"]: t["owner"]["identifier"]["value"] for t in tasks}
        assert owners["bowel-care"] == care_home and owners["oxygen-therapy"] == "RZZ01"
        assert {t["code"]["coding"][0]["code"]: t["status"] for t in tasks}["oxygen-therapy"] == "requested"
        assert checklist.detail("notPossible") >= 1

        # The red bag comes back two days after the ready date.
        back = api.post(
            f"/transfers/{transfer}/return",
            json=_discharge(summary, now - timedelta(days=1)),
            headers=key("care-home"),
        )
        assert back.status_code == 202, back.text
        found = api.get(f"/transfers/{transfer}/readiness", headers=key("care-home")).json()
        discharge_day = day_in_england((now - timedelta(days=1)).isoformat())
        delay = (discharge_day - datetime.fromisoformat(ready_day).date()).days
        assert found["discharge"]["delayDays"] == delay and found["discharge"]["timing"] == "delayed"

    # Where the measures find it: one row per red bag, plain columns.
    with sqlite3.connect(database) as db:
        row = db.execute(
            "SELECT ready_date, ready_source, discharge_date, delay_days, discharge_timing, care_home "
            "FROM discharge_readiness WHERE transfer_id = ?",
            (transfer,),
        ).fetchone()
    assert row == (ready_day, "api", discharge_day.isoformat(), delay, "delayed", care_home)
