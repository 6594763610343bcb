"""A conformance round trip a tester can point at any FHIR R4 server.

CapabilityStatement (compared with what the synthetic red bag needs, before any write) -> push a
synthetic red bag -> read it back -> search by NHS number -> push it again (nothing new) -> pull and
compare with what was sent -> delete what was created. Each step is a :class:`Check`; a step whose
prerequisite failed is reported as not run. With ``force``, a server that lacks something essential is
tried all the same. Where the server needs a fallback (:mod:`adapter.exchange.adapt`), the round trip
uses it, so the smoke test proves the fallback on that server.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from adapter.client import FhirClient, FhirHttpError, Resource
from adapter.errors import RedbagError
from adapter.exchange.compatibility import Compatibility, check_server
from adapter.exchange.needs import round_trip_needs
from adapter.exchange.pull import local_key, pull_summary
from adapter.exchange.push import PushResult, push_transaction
from adapter.exchange.synthetic import synthetic_summary
from adapter.redbag import build_bundles, check_summary, normalise_summary, vocab

CLEANUP_PASSES = 4


@dataclass(frozen=True, slots=True)
class Check:
    """One step of the round trip."""

    name: str
    passed: bool
    detail: str
    seconds: float


class SmokeCheckError(Exception):
    """A step found the server wanting (the message says how)."""


@dataclass
class RoundTrip:
    """State shared by the steps of one smoke run."""

    client: FhirClient
    summary: dict[str, Any]
    transaction: Resource
    force: bool = False
    compatibility: Compatibility | None = None
    first_push: PushResult | None = None

    @property
    def sent(self) -> Resource:
        """The transaction as this server takes it (adapted where the check found a fallback)."""
        return self.compatibility.adapt(self.transaction) if self.compatibility else self.transaction

    @property
    def batch_reads(self) -> bool:
        """Whether pull may read in batches on this server."""
        return self.compatibility.batch_reads if self.compatibility else True

    @property
    def nhs_number(self) -> str:
        return str(self.summary["resident"]["nhsNumber"])

    def created_keys(self) -> list[str]:
        """``Type/id`` of what the first push created, in transaction order."""
        if self.first_push is None:
            return []
        pairs = zip(self.first_push.statuses, self.first_push.locations, strict=True)
        return [
            key
            for status, location in pairs
            if status == "201" and (key := local_key(location, self.client.base_url))
        ]


def first_difference(got: Any, want: Any, path: str = "$") -> str | None:
    """The JSON path of the first place where two values differ, or None."""
    if isinstance(got, dict) and isinstance(want, dict):
        for key in sorted(set(got) | set(want)):
            found = first_difference(got.get(key), want.get(key), f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(got, list) and isinstance(want, list) and len(got) == len(want):
        for n, (g, w) in enumerate(zip(got, want, strict=True)):
            found = first_difference(g, w, f"{path}[{n}]")
            if found:
                return found
        return None
    return None if got == want else f"{path}: got {str(got)[:80]!r}, sent {str(want)[:80]!r}"


def conditions_of(transaction: Resource) -> list[tuple[str, str]]:
    """Each entry's match criteria as (type, query): ifNoneExist or a conditional PUT's URL."""
    found = []
    for entry in transaction.get("entry") or []:
        request = entry.get("request") or {}
        url = str(request.get("url", ""))
        if request.get("ifNoneExist"):
            found.append((url, str(request["ifNoneExist"])))
        elif "?" in url:
            resource_type, query = url.split("?", 1)
            found.append((resource_type, query))
    return found


def check_capabilities(trip: RoundTrip) -> str:
    trip.compatibility = report = check_server(trip.client, round_trip_needs(trip.transaction))
    if report.refuses():
        raise SmokeCheckError(report.summary() + ("; --force: trying anyway" if trip.force else ""))
    adapted = sorted(
        {f.need.resource_type or f.need.detail for f in report.findings if f.status == "adapted"}
    )
    return report.summary() + (f" ({', '.join(adapted)})" if adapted else "")


def check_push(trip: RoundTrip) -> str:
    trip.first_push = push_transaction(trip.client, trip.sent, "synthetic red bag")
    failed = {s: n for s, n in trip.first_push.counts.items() if not s.startswith("2")}
    if failed:
        raise SmokeCheckError(f"entries not stored: {failed}")
    pushed = trip.first_push
    return f"bag {trip.summary['bagNumber']}: {pushed.entries} entries, {pushed.created} created"


def check_read_back(trip: RoundTrip) -> str:
    keys = trip.created_keys()
    patients = [k for k in keys if k.startswith("Patient/")]
    if not patients:
        raise SmokeCheckError("the push created no Patient to read back")
    for key in keys:
        resource_type, resource_id = key.split("/")
        trip.client.read(resource_type, resource_id)
    patient = trip.client.read(*patients[0].split("/"))
    numbers = [i.get("value") for i in patient.get("identifier") or [] if i.get("system") == vocab.NHS_NUMBER]
    if numbers != [trip.nhs_number]:
        raise SmokeCheckError(f"{patients[0]} has NHS number(s) {numbers}, sent {trip.nhs_number}")
    return f"read {len(keys)} created resources; {patients[0]} carries the NHS number"


def check_search(trip: RoundTrip) -> str:
    found = (
        trip.client.search("Patient").where(identifier=f"{vocab.NHS_NUMBER}|{trip.nhs_number}").fetch_all()
    )
    if len(found) != 1:
        raise SmokeCheckError(f"{len(found)} Patients with NHS number {trip.nhs_number}, expected 1")
    return f"Patient?identifier=...|{trip.nhs_number} -> Patient/{found[0]['id']}"


def check_repush(trip: RoundTrip) -> str:
    sent = trip.sent
    again = push_transaction(trip.client, sent, "synthetic red bag")
    if again.created:
        raise SmokeCheckError(f"the second push created {again.created} resources")
    conditions = conditions_of(sent)
    duplicated = [f"{t}?{q}" for t, q in conditions if trip.client.search(t).where_query(q).count() != 1]
    if duplicated:
        raise SmokeCheckError(
            f"{len(duplicated)} conditions match other than one resource, e.g. {duplicated[0]}"
        )
    return f"0 created; each of {len(conditions)} match conditions finds exactly one resource"


def check_pull(trip: RoundTrip) -> str:
    got = pull_summary(trip.client, trip.nhs_number, batch=trip.batch_reads)
    difference = first_difference(got, normalise_summary(trip.summary))
    if difference:
        raise SmokeCheckError(f"pulled summary differs at {difference}")
    return "pulled summary equals the one sent (every contract field)"


def cleanup(trip: RoundTrip) -> str:
    """Delete what the first push created; referrers first, retrying what is still referred to."""
    remaining = list(reversed(trip.created_keys()))
    for _ in range(CLEANUP_PASSES):
        blocked = []
        for key in remaining:
            try:
                trip.client.delete(*key.split("/"))
            except FhirHttpError:
                blocked.append(key)
        if not blocked:
            break
        remaining = blocked
    else:
        raise SmokeCheckError(f"could not delete {len(remaining)} resources, e.g. {remaining[0]}")
    left = trip.client.search("Patient").where(identifier=f"{vocab.NHS_NUMBER}|{trip.nhs_number}").count()
    if left:
        raise SmokeCheckError(f"{left} Patient(s) with the synthetic NHS number still found after deleting")
    return f"deleted {len(trip.created_keys())} resources the smoke test created"


STEPS: tuple[tuple[str, Callable[[RoundTrip], str]], ...] = (
    ("capabilities", check_capabilities),
    ("push", check_push),
    ("read back", check_read_back),
    ("search by NHS number", check_search),
    ("re-push, no duplicates", check_repush),
    ("pull and compare", check_pull),
)


@dataclass(frozen=True, slots=True)
class SmokeRun:
    """The checks of one smoke run, and the capability report its first check made."""

    checks: list[Check]
    compatibility: Compatibility | None

    @property
    def passed(self) -> bool:
        """Every check passed."""
        return all(c.passed for c in self.checks)


def run_smoke(
    client: FhirClient,
    summary: dict[str, Any] | None = None,
    on_check: Callable[[Check], None] = lambda check: None,
    *,
    force: bool = False,
) -> SmokeRun:
    """Run every step (and the cleanup, once something was pushed); ``on_check`` sees each result.

    A failed capability check stops the run before any write, unless ``force``.
    """
    summary = check_summary(summary or synthetic_summary())
    trip = RoundTrip(client, summary, build_bundles(summary)[1], force=force)
    checks: list[Check] = []
    steps = [*STEPS, ("clean up", cleanup)]
    for name, step in steps:
        if name == "clean up" and trip.first_push is None:
            break
        earlier_failed = checks and not checks[-1].passed
        forced_past = force and len(checks) == 1  # only the capability check may be overruled
        if name != "clean up" and earlier_failed and not forced_past:
            check = Check(name, False, "not run (an earlier step failed)", 0.0)
        else:
            check = timed(name, step, trip)
        checks.append(check)
        on_check(check)
    return SmokeRun(checks, trip.compatibility)


def timed(name: str, step: Callable[[RoundTrip], str], trip: RoundTrip) -> Check:
    """Run one step, turning its failure into a failed check with the reason."""
    started = time.perf_counter()
    try:
        detail, passed = step(trip), True
    except (SmokeCheckError, RedbagError) as exc:
        detail, passed = str(exc).replace("\n", " | "), False
    return Check(name, passed, detail, time.perf_counter() - started)


def table(checks: list[Check]) -> str:
    """The checks as a fixed-width PASS/FAIL table."""
    width = max(len(c.name) for c in checks)
    lines = [f"{'check':<{width}}  result  {'time':>6}  detail", f"{'-' * width}  ------  {'-' * 6}  ------"]
    lines += [
        f"{c.name:<{width}}  {'PASS' if c.passed else 'FAIL':<6}  {c.seconds:5.2f}s  {c.detail}"
        for c in checks
    ]
    passed = sum(c.passed for c in checks)
    lines.append(f"{passed} of {len(checks)} checks passed")
    return "\n".join(lines)
