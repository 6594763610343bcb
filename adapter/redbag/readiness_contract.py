"""Two more input contracts, checked like the resident summary (JSON Schema, then the rules a schema cannot
say, every violation at once, each naming its field):

- discharge readiness (``discharge-readiness.schema.json``): the Discharge Ready Date a hospital records and
  what the resident needs to go home, checked against the red bag that went out;
- what a care home can manage (``care-home-capabilities.schema.json``): the summary's
  ``careHome.capabilities`` block, published on its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from adapter.errors import ContractError, Violation
from adapter.redbag import capabilities, dates
from adapter.redbag.contract import Checked, _apply_rules, _schema_violations
from adapter.redbag.dates import Shape
from adapter.redbag.discharge_delay import day_in_england

Json = dict[str, Any]
READINESS_SCHEMA = "discharge-readiness.schema.json"
CAPABILITIES_SCHEMA = "care-home-capabilities.schema.json"
#: The need kinds that name what they need with a capability code, and the list of codes each takes.
CODED_KINDS = {"care": capabilities.CARE, "equipment": capabilities.EQUIPMENT}


def _day(value: Any, path: str, now: datetime | None = None) -> Iterator[Violation]:
    """A whole day (``YYYY-MM-DD``), not a year or a month."""
    if isinstance(value, str) and dates.is_valid(value, Shape.DATE) and dates.precision(value) != "day":
        yield Violation(path, f"must be a whole day YYYY-MM-DD (got {value!r})", "date")


def _rule_days(d: Json, summary: Json | None, now: datetime) -> Iterator[Violation]:
    yield from _day(d.get("dischargeReadyDate"), "$.dischargeReadyDate")
    for i, need in enumerate(d.get("needs") or []):
        if isinstance(need, dict):
            yield from _day(need.get("dueBy"), f"$.needs[{i}].dueBy")


def _rule_times(d: Json, summary: Json | None, now: datetime) -> Iterator[Violation]:
    ready = d.get("dischargeReadyDate")
    if not (isinstance(ready, str) and dates.is_valid(ready, Shape.DATE) and dates.precision(ready) == "day"):
        return
    departed = ((summary or {}).get("transfer") or {}).get("departedAt")
    if isinstance(departed, str) and dates.is_valid(departed, Shape.INSTANT):
        left = day_in_england(departed).isoformat()
        if ready < left:
            yield Violation(
                "$.dischargeReadyDate",
                f"{ready} is before the resident left the care home ({left})",
                "discharge-ready-date",
            )
    planned = d.get("plannedReturnAt")
    planned_day = (
        day_in_england(planned).isoformat()
        if isinstance(planned, str) and dates.is_valid(planned, Shape.INSTANT)
        else None
    )
    if planned_day is not None and planned_day < ready:
        yield Violation(
            "$.plannedReturnAt",
            f"{planned} is before the Discharge Ready Date ({ready}): a resident goes home once ready",
            "discharge-ready-date",
        )
    recorded = d.get("recordedAt")
    if (
        isinstance(recorded, str)
        and dates.is_valid(recorded, Shape.INSTANT)
        and dates.is_future(recorded, now)
    ):
        yield Violation("$.recordedAt", f"is in the future ({recorded})", "not-future")


def _rule_needs(d: Json, summary: Json | None, now: datetime) -> Iterator[Violation]:
    seen: dict[tuple[Any, Any], int] = {}
    for i, need in enumerate(d.get("needs") or []):
        if not isinstance(need, dict):
            continue
        kind, code = need.get("kind"), need.get("code")
        if code is None and kind in CODED_KINDS:
            yield Violation(f"$.needs[{i}].code", f"is required for a {kind} need: which {kind}", "needs")
        elif code is not None and kind not in CODED_KINDS:
            yield Violation(
                f"$.needs[{i}].code",
                f"a {kind} need has no code (codes name care or equipment): say it in detail",
                "needs",
            )
        elif kind in CODED_KINDS and code is not None and code not in CODED_KINDS[kind]:
            yield Violation(
                f"$.needs[{i}].code",
                f"{code!r} is not {kind} (it is {capabilities.GROUP_OF.get(code, 'unknown')})",
                "needs",
            )
        if kind == "follow-up":
            continue
        if (kind, code) in seen:
            yield Violation(
                f"$.needs[{i}]",
                f"repeats needs[{seen[(kind, code)]}]: say each need once (put more in its detail)",
                "needs",
            )
        seen.setdefault((kind, code), i)


_READINESS_RULES = (_rule_days, _rule_times, _rule_needs)


def readiness_violations(
    data: Any, summary: Json | None = None, *, now: datetime | None = None
) -> list[Violation]:
    """Every way ``data`` breaks the discharge-readiness contract, checked against the red bag's summary."""
    found = _schema_violations(READINESS_SCHEMA, data) or []
    if isinstance(data, dict):
        flagged = {v.path for v in found}
        found.extend(_apply_rules(_READINESS_RULES, data, flagged, summary, now or datetime.now(UTC)))
    return found


def assess_readiness(
    data: Any, summary: Json | None = None, *, source: str | None = None, now: datetime | None = None
) -> Checked:
    """A checked discharge readiness (date-times with their seconds); ContractError lists every violation."""
    violations = readiness_violations(data, summary, now=now)
    if violations:
        raise ContractError(violations, source)
    assert isinstance(data, dict)
    out = dict(data)
    for key in ("recordedAt", "plannedReturnAt"):
        if isinstance(out.get(key), str):
            out[key] = dates.canonical(out[key])
    return Checked(out, [])


def capabilities_violations(data: Any, *, now: datetime | None = None) -> list[Violation]:
    """Every way a published capabilities block breaks its contract (paths from its top, ``$.care[0]``)."""
    found = _schema_violations(CAPABILITIES_SCHEMA, data) or []
    if isinstance(data, dict) and not found:
        found.extend(capabilities.violations(data, "$"))
        confirmed = data.get("confirmedOn")
        if isinstance(confirmed, str) and dates.is_future(confirmed, now or datetime.now(UTC)):
            found.append(Violation("$.confirmedOn", f"is in the future ({confirmed})", "not-future"))
    return found


def check_capabilities(data: Any, *, source: str | None = None, now: datetime | None = None) -> Json:
    """A published capabilities block, when it conforms; ContractError listing every violation."""
    violations = capabilities_violations(data, now=now)
    if violations:
        raise ContractError(violations, source)
    assert isinstance(data, dict)
    return data
