"""What the pathway tests share: callers with the events and subscribe scopes, unique care homes and
residents, subscriptions, and ADT messages sent with the hl7 package's own mllp_send."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx

from adapter.service.auth import sha256_hash
from tests.service.helpers import CALLERS, example, unique_nhs_number

#: client -> (key, scopes): a hospital system and three subscribers
PATHWAY_CALLERS = {
    "hospital": ("rbk_test_key_for_hospital_3333333333333333333", frozenset({"events"})),
    "care-home": ("rbk_test_key_for_care_home_444444444444444444", frozenset({"subscribe", "send"})),
    "gp": ("rbk_test_key_for_gp_practice_55555555555555555", frozenset({"subscribe"})),
    "nurses": ("rbk_test_key_for_community_6666666666666666666", frozenset({"subscribe"})),
}
ALL_CALLERS = CALLERS | PATHWAY_CALLERS
MLLP_SEND = Path(sys.executable).parent / "mllp_send"


def key(client: str) -> dict[str, str]:
    """The X-API-Key header of a test caller."""
    return {"X-API-Key": ALL_CALLERS[client][0]}


def key_entries() -> str:
    """Every test caller as a REDBAG_API_KEYS value."""
    return "; ".join(
        f"{c} {sha256_hash(k)} {','.join(sorted(scopes))}" + (" ods=*" if "subscribe" in scopes else "")
        for c, (k, scopes) in ALL_CALLERS.items()
    )


def unique_ods() -> str:
    """An ODS-shaped code no other test uses (a care home or practice of this test alone)."""
    return "T" + uuid.uuid4().hex[:6].upper()


def red_bag(care_home: str | None = None, gp: str | None = None) -> dict[str, Any]:
    """A resident summary of a new resident (their own NHS number and bag), optionally of a given home."""
    summary = example("dementia-dnacpr")
    summary["resident"]["nhsNumber"] = unique_nhs_number()
    summary["bagNumber"] = f"RB-{uuid.uuid4().hex[:10].upper()}"
    if care_home:
        summary["careHome"]["odsCode"] = care_home
    if gp:
        summary["resident"]["gp"]["odsCode"] = gp
    return summary


def subscription(criteria: str, endpoint: str, *, headers: list[str] | None = None) -> dict[str, Any]:
    """An R4 Subscription with a rest-hook channel."""
    channel: dict[str, Any] = {"type": "rest-hook", "endpoint": endpoint, "payload": "application/fhir+json"}
    if headers:
        channel["header"] = headers
    return {
        "resourceType": "Subscription",
        "status": "requested",
        "reason": "test",
        "criteria": criteria,
        "channel": channel,
    }


def subscribe(api: httpx.Client, client: str, criteria: str, endpoint: str) -> tuple[str, str]:
    """Subscribe as ``client``; (subscription id, signing key)."""
    answer = api.post("/Subscription", json=subscription(criteria, endpoint), headers=key(client))
    assert answer.status_code == 201, answer.text
    return answer.json()["id"], answer.headers["X-Redbag-Signing-Key"]


def mllp_send(port: int, *messages: bytes, tmp: Path) -> list[str]:
    """Send messages with the hl7 package's ``mllp_send`` (a third-party client); the MSA segments back."""
    path = tmp / f"batch-{uuid.uuid4().hex[:8]}.hl7"
    path.write_bytes(b"\n".join(m.replace(b"\r", b"\n") for m in messages))
    done = subprocess.run(
        [str(MLLP_SEND), "--loose", "--file", str(path), "--port", str(port), "127.0.0.1"],
        capture_output=True,
        timeout=60,
        check=True,
    )
    text = done.stdout.decode("utf-8")
    return [line for line in text.replace("\r", "\n").splitlines() if line.startswith("MSA|")]
