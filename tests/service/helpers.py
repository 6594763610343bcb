"""What the service tests share: the test callers and their keys, example inputs, settings, polling."""

from __future__ import annotations

import copy
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import anyio
import httpx
import orjson
import pytest

from adapter.config import ApiKey, DeliverySettings, Settings
from adapter.service.auth import sha256_hash

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
NOWHERE = "http://127.0.0.1:9/fhir"  # nothing listens on the discard port
FHIR_JSON = {"Content-Type": "application/fhir+json"}

#: client -> (its key, its scopes)
CALLERS = {
    "ehr-a": ("rbk_test_key_for_ehr_a_0000000000000000000000", frozenset({"send", "pull"})),
    "ehr-b": ("rbk_test_key_for_ehr_b_1111111111111111111111", frozenset({"send"})),
    "auditor": ("rbk_test_key_for_auditor_22222222222222222222", frozenset({"send", "pull", "audit"})),
    "audit-only": ("rbk_test_key_for_audit_only_777777777777777777", frozenset({"audit"})),
    "operator": ("rbk_test_key_for_operator_8888888888888888888", frozenset({"admin"})),
}
FAST_DELIVERY = DeliverySettings(
    threads=1,
    deadline_hours=2 / 3600,  # two seconds: retried a few times, then failed
    lease_seconds=10.0,
    poll_seconds=0.1,
    backoff_seconds=0.2,
    max_backoff_seconds=1.0,
)


def headers(client: str = "ehr-a") -> dict[str, str]:
    """The X-API-Key header of a test caller."""
    return {"X-API-Key": CALLERS[client][0]}


def key_entries() -> str:
    """The test callers as a REDBAG_API_KEYS value."""
    return "; ".join(
        f"{c} {sha256_hash(key)} {','.join(sorted(scopes))}" for c, (key, scopes) in CALLERS.items()
    )


def example(name: str) -> dict[str, Any]:
    """A fresh copy of an example input (``dementia-dnacpr`` or ``return-journey.discharge.json``)."""
    path = EXAMPLES / (name if name.endswith(".json") else f"{name}.summary.json")
    data: dict[str, Any] = orjson.loads(path.read_bytes())
    return copy.deepcopy(data)


def fresh_bag(summary: dict[str, Any], n: int) -> dict[str, Any]:
    """The summary as another red bag: its own bag number and createdAt (the natural key)."""
    changed = copy.deepcopy(summary)
    changed["bagNumber"] = f"{summary['bagNumber']}-T{n}"
    changed["createdAt"] = changed["createdAt"][:17] + f"{n % 60:02d}" + changed["createdAt"][19:]
    return changed


def unique_nhs_number() -> str:
    """A valid NHS number (modulus 11) in the 999 test range that no other test uses."""
    while True:
        nine = "999" + f"{uuid.uuid4().int % 10**6:06d}"
        check = 11 - sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True)) % 11
        if check != 10:
            return nine + str(check % 11)


def unique_resident(summary: dict[str, Any]) -> dict[str, Any]:
    """The summary as another resident's red bag: a new NHS number and a bag number no test used."""
    changed = copy.deepcopy(summary)
    changed["resident"]["nhsNumber"] = unique_nhs_number()
    changed["bagNumber"] = f"RB-{uuid.uuid4().hex[:12].upper()}"
    return changed


def make_settings(tmp_path: Path, **changes: Any) -> Settings:
    """Settings for a test: its own SQLite file, the three callers, no delivery, no FHIR server there."""
    base = Settings(
        database_url=f"sqlite:///{tmp_path / 'service.db'}",
        fhir_server=NOWHERE,
        api_keys=tuple(ApiKey(c, sha256_hash(key), scopes) for c, (key, scopes) in CALLERS.items()),
        validate_transfers=False,
        delivery=replace(FAST_DELIVERY, threads=0),
    )
    return replace(base, **changes)


async def wait_for_status(
    api: httpx.AsyncClient, location: str, wanted: set[str], timeout: float = 120.0
) -> dict[str, Any]:
    """Poll a transfer until its status is one of ``wanted``; fail with its last state otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        view: dict[str, Any] = (await api.get(location, headers=headers("auditor"))).json()
        if view.get("status") in wanted:
            return view
        if time.monotonic() > deadline:
            pytest.fail(f"{location} still {view.get('status')} after {timeout}s: {view}")
        await anyio.sleep(0.2)
