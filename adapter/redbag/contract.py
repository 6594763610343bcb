"""The input contract: JSON Schema plus the rules a schema cannot say, every violation at once.

Schemas ship in ``adapter/redbag/schemas/`` and are compiled once per process. Each violation names its
JSON path (``$.medications[2].lastDoseGiven``) so a user can find and fix it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs
import orjson
from referencing import Registry, Resource

from adapter.errors import ContractError, InputTooLargeError, Violation
from adapter.fhir.jsonio import loads
from adapter.redbag import vocab
from adapter.redbag.identifiers import mask_nhs_number, nhs_number_is_valid, sctid_problem

SUMMARY_SCHEMA = "resident-summary.schema.json"
DISCHARGE_SCHEMA = "discharge.schema.json"

#: Largest input file or body accepted, in bytes (a resident summary is a few kilobytes).
MAX_INPUT_BYTES = 10 * 1024 * 1024

#: Clock skew tolerated before a time counts as "in the future".
_FUTURE_TOLERANCE = timedelta(minutes=5)

Json = dict[str, Any]


def schema_text(name: str) -> bytes:
    """The raw bytes of a shipped schema (for publishing it, e.g. ``GET /schema``)."""
    return resources.files("adapter.redbag").joinpath("schemas").joinpath(name).read_bytes()


@cache
def _validator(name: str) -> jsonschema.protocols.Validator:
    registry: Registry[Any] = Registry()
    for other in (SUMMARY_SCHEMA, DISCHARGE_SCHEMA):
        contents = orjson.loads(schema_text(other))
        registry = registry.with_resource(other, Resource.from_contents(contents))
        registry = registry.with_resource(contents["$id"], Resource.from_contents(contents))
    schema = orjson.loads(schema_text(name))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator: jsonschema.protocols.Validator = cls(schema, registry=registry)
    return validator


@cache
def _fast_validator(name: str) -> Any:
    """A compiled (Rust) validator: answers "valid?" in microseconds; messages come from ``_validator``."""
    schemas = [orjson.loads(schema_text(n)) for n in (SUMMARY_SCHEMA, DISCHARGE_SCHEMA)]
    registry = jsonschema_rs.Registry([(s["$id"], s) for s in schemas])
    return jsonschema_rs.validator_for(orjson.loads(schema_text(name)), registry=registry)


def json_path(parts: Iterable[str | int]) -> str:
    """``["medications", 2, "dose"]`` -> ``$.medications[2].dose``."""
    out = "$"
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


#: Fields whose values are personal data: never echoed back in an error message (hazard H9).
PERSONAL_FIELDS = frozenset(
    {
        "nhsNumber",
        "localId",
        "name",
        "given",
        "family",
        "preferred",
        "birthDate",
        "address",
        "line",
        "city",
        "district",
        "postalCode",
        "phone",
    }
)


def _shown(path: list[str | int], value: Any) -> str:
    """How an offending value appears in a message: withheld when it is personal data."""
    if any(p in PERSONAL_FIELDS for p in path if isinstance(p, str)):
        return "value withheld: personal data"
    return f"got {value!r}"


def _schema_violations(name: str, data: Any) -> Iterator[Violation]:
    if _fast_validator(name).is_valid(data):
        return
    for err in _validator(name).iter_errors(data):
        path = list(err.absolute_path)
        schema: Any = err.schema  # a dict for every schema this project ships
        expected: Any = err.validator_value
        if err.validator == "required" and isinstance(err.instance, dict):
            for field in expected:
                if field not in err.instance:
                    yield Violation(json_path([*path, field]), "is required")
        elif err.validator == "additionalProperties" and isinstance(err.instance, dict):
            allowed = schema.get("properties", {})
            for field in err.instance:
                if field not in allowed:
                    yield Violation(json_path([*path, field]), "is not a field of the contract")
        elif err.validator in ("pattern", "minLength") and "x-message" in schema:
            yield Violation(json_path(path), f"{schema['x-message']} ({_shown(path, err.instance)})")
        elif err.validator == "enum":
            allowed = ", ".join(repr(v) for v in expected)
            yield Violation(json_path(path), f"must be one of {allowed} ({_shown(path, err.instance)})")
        elif any(p in PERSONAL_FIELDS for p in path if isinstance(p, str)):
            yield Violation(
                json_path(path), f"fails the {err.validator!r} rule ({_shown(path, err.instance)})"
            )
        else:
            yield Violation(json_path(path), err.message)


_BEYOND_MICROSECONDS = re.compile(r"(\.\d{6})\d+")


def parse_instant(value: str) -> datetime:
    """An ISO 8601 date-time with offset as an aware datetime (fractions beyond microseconds dropped)."""
    if "." in value:
        value = _BEYOND_MICROSECONDS.sub(r"\1", value)
    return datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)


@lru_cache(maxsize=8)  # a batch checks every summary against one "now"
def _latest_date(now: datetime) -> date:
    # The latest calendar date anywhere on Earth (UTC+14) counts as "today" for date-only values.
    return (now + timedelta(hours=14)).date()


@lru_cache(maxsize=8)
def _latest_day(now: datetime) -> str:
    return _latest_date(now).isoformat()


def _is_future(value: str, now: datetime) -> bool:
    """True for a date or date-time after ``now``; malformed values are the schema's to report."""
    try:
        if "T" in value:
            return parse_instant(value) > now + _FUTURE_TOLERANCE
        if len(value) == 10 and value < _latest_day(now):  # the common case, decided as text
            return False
        parts = [int(p) for p in value.split("-")]
        first = date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        return False
    return first > _latest_date(now)


def _timestamps(summary: Json) -> Iterator[tuple[str, str]]:
    """Every date or date-time of a summary with its JSON path."""
    for field in ("createdAt",):
        if isinstance(summary.get(field), str):
            yield f"$.{field}", summary[field]
    resident = summary.get("resident") or {}
    if isinstance(resident.get("birthDate"), str):
        yield "$.resident.birthDate", resident["birthDate"]
    if isinstance((summary.get("transfer") or {}).get("departedAt"), str):
        yield "$.transfer.departedAt", summary["transfer"]["departedAt"]
    if isinstance((summary.get("resuscitation") or {}).get("recordedAt"), str):
        yield "$.resuscitation.recordedAt", summary["resuscitation"]["recordedAt"]
    for key, field in (
        ("observations", "takenAt"),
        ("conditions", "onset"),
        ("medications", "lastDoseGiven"),
    ):
        for i, item in enumerate(summary.get(key) or []):
            if isinstance(item, dict) and isinstance(item.get(field), str):
                yield f"$.{key}[{i}].{field}", item[field]


def _coded_items(summary: Json) -> Iterator[tuple[str, Any]]:
    yield "$.transfer.reasonCode", (summary.get("transfer") or {}).get("reasonCode")
    for key in ("conditions", "medications", "allergies", "observations", "diagnoses", "medicationChanges"):
        for i, item in enumerate(summary.get(key) or []):
            if isinstance(item, dict):
                yield f"$.{key}[{i}].code", item.get("code")


def _code_violations(data: Json) -> Iterator[Violation]:
    for path, code in _coded_items(data):
        if isinstance(code, dict) and code.get("system") in (vocab.SNOMED, vocab.DMD):
            problem = sctid_problem(str(code.get("code", "")))
            if problem:
                yield Violation(f"{path}.code", f"{problem} (got {code.get('code')!r})", "code-check")


def _rule_identity(s: Json, now: datetime) -> Iterator[Violation]:
    resident = s.get("resident") or {}
    nhs = resident.get("nhsNumber")
    if isinstance(nhs, str) and len(nhs) == 10 and nhs.isdigit() and not nhs_number_is_valid(nhs):
        yield Violation(
            "$.resident.nhsNumber",
            f"{mask_nhs_number(nhs)} fails the NHS number check digit (modulus 11)",
            "nhs-number",
        )
    if not nhs:
        for field in ("localId", "nhsNumberUnavailableReason"):
            if not resident.get(field):
                yield Violation(
                    f"$.resident.{field}", "is required when the NHS number is unknown", "resident-identity"
                )
    elif resident.get("nhsNumberUnavailableReason"):
        yield Violation(
            "$.resident.nhsNumberUnavailableReason",
            "must not be given together with an NHS number",
            "resident-identity",
        )


def _rule_time_critical(s: Json, now: datetime) -> Iterator[Violation]:
    for i, med in enumerate(s.get("medications") or []):
        if isinstance(med, dict) and med.get("timeCritical") is True and not med.get("lastDoseGiven"):
            yield Violation(
                f"$.medications[{i}].lastDoseGiven",
                "is required for a time-critical medicine (when was the last dose given?)",
                "time-critical",
            )


def _rule_allergies(s: Json, now: datetime) -> Iterator[Violation]:
    has_allergies = bool(s.get("allergies"))
    if has_allergies and s.get("noKnownAllergies"):
        yield Violation(
            "$.noKnownAllergies",
            "cannot be true when allergies are listed: give one or the other",
            "allergies",
        )
    elif not has_allergies and not s.get("noKnownAllergies"):
        yield Violation("$.allergies", "list the allergies, or set noKnownAllergies: true", "allergies")


def _rule_resuscitation(s: Json, now: datetime) -> Iterator[Violation]:
    resus = s.get("resuscitation") or {}
    if resus.get("decision") in ("dnacpr", "for-cpr") and not resus.get("recordedAt"):
        yield Violation(
            "$.resuscitation.recordedAt",
            "is required: a resuscitation decision must carry its date",
            "resuscitation",
        )


def _rule_consent(s: Json, now: datetime) -> Iterator[Violation]:
    if (s.get("consentToShare") or {}).get("by") == "lpa" and not any(
        isinstance(c, dict) and c.get("lastingPowerOfAttorney") for c in s.get("contacts") or []
    ):
        yield Violation(
            "$.consentToShare.by",
            "consent by 'lpa' needs a contact with lastingPowerOfAttorney: true",
            "consent",
        )


def _rule_belongings(s: Json, now: datetime) -> Iterator[Violation]:
    seen: dict[str, int] = {}
    for i, item in enumerate(s.get("belongings") or []):
        if isinstance(item, dict) and isinstance(item.get("item"), str):
            key = item["item"].casefold()
            if key in seen:
                yield Violation(
                    f"$.belongings[{i}].item",
                    f"repeats belongings[{seen[key]}]: give each item a distinct name "
                    "(use quantity for several of the same)",
                    "belongings",
                )
            seen.setdefault(key, i)


def _rule_not_future(s: Json, now: datetime) -> Iterator[Violation]:
    for path, value in _timestamps(s):
        if _is_future(value, now):
            yield Violation(path, f"is in the future ({value})", "not-future")


def _rule_codes(s: Json, now: datetime) -> Iterator[Violation]:
    yield from _code_violations(s)


def _rule_organisations(s: Json, now: datetime) -> Iterator[Violation]:
    home = s.get("careHome") or {}
    dest = (s.get("transfer") or {}).get("destination") or {}
    if home.get("odsCode") and home.get("odsCode") == dest.get("odsCode"):
        yield Violation(
            "$.transfer.destination.odsCode",
            "is the care home's own ODS code: give the hospital's",
            "organisations",
        )
    names: dict[Any, tuple[str, Any]] = {}
    for path, org in (
        ("$.careHome", home),
        ("$.resident.gp", (s.get("resident") or {}).get("gp") or {}),
        ("$.transfer.destination", dest),
    ):
        code, name = org.get("odsCode"), org.get("name")
        if code in names and names[code][1] != name:
            yield Violation(
                f"{path}.name",
                f"ODS code {code} is named {names[code][1]!r} at {names[code][0]}: "
                "one organisation, one name",
                "organisations",
            )
        names.setdefault(code, (path, name))


_SUMMARY_RULES = (
    _rule_identity,
    _rule_organisations,
    _rule_time_critical,
    _rule_allergies,
    _rule_resuscitation,
    _rule_consent,
    _rule_belongings,
    _rule_not_future,
    _rule_codes,
)


def _apply_rules(rules: Iterable[Any], data: Json, flagged: set[str], *args: Any) -> list[Violation]:
    """Run each rule on its own, skipping what the schema already flagged (and shapes it rejected)."""
    found: list[Violation] = []
    for rule in rules:
        try:
            found.extend(v for v in rule(data, *args) if v.path not in flagged)
        except (KeyError, TypeError, ValueError, AttributeError):
            continue  # the data is malformed where this rule looks; the schema has said so already
    return found


def _rule_discharge_time(d: Json, summary: Json | None, now: datetime) -> Iterator[Violation]:
    discharged = d.get("dischargedAt")
    if isinstance(discharged, str) and _is_future(discharged, now):
        yield Violation("$.dischargedAt", f"is in the future ({discharged})", "not-future")
    departed = (summary or {}).get("transfer", {}).get("departedAt")
    if (
        isinstance(discharged, str)
        and isinstance(departed, str)
        and parse_instant(discharged) <= parse_instant(departed)
    ):
        yield Violation(
            "$.dischargedAt",
            f"{discharged} is not after the transfer departed ({departed})",
            "discharge-after-transfer",
        )


def _rule_discharge_codes(d: Json, summary: Json | None, now: datetime) -> Iterator[Violation]:
    yield from _code_violations(d)


def _rule_discharge_matches(d: Json, summary: Json | None, now: datetime) -> Iterator[Violation]:
    if summary is None:
        return
    if d.get("bagNumber") != summary.get("bagNumber"):
        yield Violation(
            "$.bagNumber",
            f"{d.get('bagNumber')!r} is not the bag that went out ({summary.get('bagNumber')!r})",
            "same-bag",
        )
    sent = {b["item"].casefold() for b in summary.get("belongings") or []}
    for i, back in enumerate(d.get("belongingsReturned") or []):
        if (
            isinstance(back, dict)
            and isinstance(back.get("item"), str)
            and back["item"].casefold() not in sent
        ):
            yield Violation(
                f"$.belongingsReturned[{i}].item",
                f"{back['item']!r} did not go out in this bag",
                "belongings",
            )
    on_meds = {m["code"]["code"] for m in summary.get("medications") or []}
    for i, change in enumerate(d.get("medicationChanges") or []):
        if not isinstance(change, dict) or change.get("change") == "started":
            continue
        code = (change.get("code") or {}).get("code")
        if code not in on_meds:
            yield Violation(
                f"$.medicationChanges[{i}].code",
                f"{code!r} is not one of the resident's medicines, so it cannot be {change.get('change')}",
                "medication-change",
            )


_DISCHARGE_RULES = (_rule_discharge_time, _rule_discharge_codes, _rule_discharge_matches)


def summary_violations(data: Any, *, now: datetime | None = None) -> list[Violation]:
    """Every way ``data`` breaks the resident-summary contract (empty when it conforms)."""
    found = list(_schema_violations(SUMMARY_SCHEMA, data))
    if isinstance(data, dict):
        flagged = {v.path for v in found}
        found.extend(_apply_rules(_SUMMARY_RULES, data, flagged, now or datetime.now(UTC)))
    return found


def discharge_violations(
    data: Any, summary: Json | None = None, *, now: datetime | None = None
) -> list[Violation]:
    """Every way ``data`` breaks the discharge contract, checked against the summary that went out."""
    found = list(_schema_violations(DISCHARGE_SCHEMA, data))
    if isinstance(data, dict):
        flagged = {v.path for v in found}
        found.extend(_apply_rules(_DISCHARGE_RULES, data, flagged, summary, now or datetime.now(UTC)))
    return found


def check_summary(data: Any, *, source: str | None = None, now: datetime | None = None) -> Json:
    """Return ``data`` when it is a valid resident summary; raise ContractError listing every violation."""
    violations = summary_violations(data, now=now)
    if violations:
        raise ContractError(violations, source)
    assert isinstance(data, dict)
    return data


def check_discharge(
    data: Any, summary: Json | None = None, *, source: str | None = None, now: datetime | None = None
) -> Json:
    """Return ``data`` when it is a valid discharge for ``summary``; raise ContractError otherwise."""
    violations = discharge_violations(data, summary, now=now)
    if violations:
        raise ContractError(violations, source)
    assert isinstance(data, dict)
    return data


def read_json_file(path: Path, *, max_bytes: int = MAX_INPUT_BYTES) -> Any:
    """Read a JSON input file with a size limit, UTF-8 only, errors naming the file."""
    size = path.stat().st_size
    if size > max_bytes:
        raise InputTooLargeError(
            f"{path}: {size:,} bytes is over the {max_bytes:,}-byte limit for one input file"
        )
    return loads(path.read_bytes(), source=str(path))
