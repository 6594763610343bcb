"""The same measures out of the store and out of a FHIR server (HAPI) for the same transfers: the
scenario's red bags and return journeys are sent through the service, which delivers them to HAPI; the
measures computed from the service's store and from HAPI (FHIR search only) agree, figure by figure.

HAPI is shared by the whole test session, so the scenario's care homes carry a code of this run, and
what the server read holds of other tests' red bags is set aside before counting."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from adapter.client import AsyncFhirClient
from adapter.measures import Measures, measure_database
from adapter.measures.server import ReadOptions, read_server
from adapter.service.state import Service
from adapter.store.schema import create_facts_tables
from adapter.store.sqlite import SqliteDatabase
from tests.events.conftest import pathway_settings, serve_in_thread
from tests.events.helpers import key
from tests.measures.scenario import Played, play

pytestmark = pytest.mark.hapi
AS_OF = 1.9e9  # a fixed "now" (2030): every stay of the scenario followed for 30 days


def status(client: httpx.Client, location: str) -> dict[str, object]:
    answer: dict[str, object] = client.get(location, headers=key("care-home")).json()
    return answer


def wait_until_delivered(client: httpx.Client, played: Played, timeout: float = 180.0) -> None:
    """Wait until every red bag and return journey of the scenario is on the FHIR server."""
    red_bags = [f"/transfers/{i}" for i in played.transfers.values()]
    returns = [str(r).rsplit("/", 1)[-1] for t in red_bags for r in status(client, t)["returns"]]  # type: ignore[attr-defined]
    deadline = time.monotonic() + timeout
    for location in red_bags + [f"/transfers/{r}" for r in returns]:
        while (state := status(client, location)["status"]) != "delivered":
            assert state != "failed" and time.monotonic() < deadline, f"{location} is {state}"
            time.sleep(0.2)


def by_key(found: Measures) -> dict[tuple[str, str, str, str, str], str]:
    return {(f.measure, f.statistic, f.dimension, f.group, f.split): f.shown.text for f in found.figures}


def test_the_store_and_hapi_give_the_same_measures(hapi_base_url: str, tmp_path: Path) -> None:
    run = uuid.uuid4().hex[:4].upper()
    base = pathway_settings(tmp_path)
    settings = replace(base, fhir_server=hapi_base_url, delivery=replace(base.delivery, threads=1))
    service = Service(settings, validator_factory=lambda: None)  # type: ignore[arg-type,return-value]
    with serve_in_thread(settings, service) as (client, _):
        played = play(client, events=False, run=run)
        wait_until_delivered(client, played)
        from_store = measure_database(service.require_outbox().db, threshold=1, as_of=AS_OF)

    scratch = SqliteDatabase(tmp_path / "server-facts.db")
    create_facts_tables(scratch)

    async def read() -> None:
        async with AsyncFhirClient(hapi_base_url) as fhir:
            counts = await read_server(fhir, scratch, options=ReadOptions(page_size=7, slices=3))
            assert counts.red_bags >= len(played.transfers) and counts.returns >= 6

    asyncio.run(read())
    with scratch.transaction(write=True) as tx:  # other tests' red bags on the shared server
        tx.execute("DELETE FROM transfer_facts WHERE care_home IS NULL OR care_home NOT LIKE ?", (f"%{run}",))
    from_server = measure_database(scratch, threshold=1, as_of=AS_OF)

    assert from_store.get("transfers", "stays").text == "7"
    assert from_store.get("belongings", "missing").text == "2"
    assert from_store.get("readmissions", "readmitted").text == "1"
    assert by_key(from_server) == by_key(from_store)
    # The names shown beside the codes: the same care homes; a hospital that two examples name differently
    # (RZZ04) is one Organization on the server, whose first name stays.
    assert from_server.names.keys() == from_store.names.keys()
    homes = {k: v for k, v in from_store.names.items() if k[0] == "care-home"}
    assert homes.items() <= from_server.names.items()
    assert from_server.monthly == from_store.monthly and from_server.lengths == from_store.lengths
