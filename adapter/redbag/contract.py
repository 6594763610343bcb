"""The input contract: JSON Schema plus the rules a schema cannot say, every violation at once.

Schemas ship in ``adapter/redbag/schemas/`` and are compiled once per process. Each violation names its
JSON path (``$.medications[2].lastDoseGiven``) so a user can find and fix it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs
import orjson
from referencing import Registry, Resource

from adapter.errors import ContractError, InputTooLargeError, Violation
from adapter.fhir.jsonio import loads
from adapter.redbag import capabilities, dates, policy, vocab
from adapter.redbag.dates import Shape
from adapter.redbag.discharge_delay import day_in_england
from adapter.redbag.identifiers import mask_nhs_number, nhs_number_is_valid, sctid_problem

SUMMARY_SCHEMA = "resident-summary.schema.json"
DISCHARGE_SCHEMA = "discharge.schema.json"

#: Largest input file or body accepted, in bytes (a resident summary is a few kilobytes).
MAX_INPUT_BYTES = 10 * 1024 * 1024

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


def _schema_violations(name: str, data: Any) -> list[Violation] | None:
    """None when the compiled schema accepts ``data``; otherwise every violation, never none.

    Messages come from the Python engine; where its regular expressions let through what the compiled
    one refused (Python's ``$`` also matches before a final newline), the compiled engine's own errors
    are reported instead, so nothing it refused is ever accepted.
    """
    if _fast_validator(name).is_valid(data):
        return None
    found = list(_python_schema_violations(name, data))
    if not found:
        found = [
            Violation(
                json_path(list(err.instance_path)),
                f"is not in the form the contract requires, e.g. a control character or a final line "
                f"break ({_shown(list(err.instance_path), err.instance)})",
            )
            for err in _fast_validator(name).iter_errors(data)
        ]
    return found


def _python_schema_violations(name: str, data: Any) -> Iterator[Violation]:
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
        elif err.validator == "pattern" and "x-date" in schema:
            problem = dates.problem(str(err.instance), Shape(schema["x-date"]))
            yield Violation(json_path(path), f"{problem} ({_shown(path, err.instance)})", "date")
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


def parse_instant(value: str) -> datetime:
    """An ISO 8601 date-time with offset as an aware datetime (fractions beyond microseconds dropped)."""
    return dates.parse_instant(value)


#: Every date and date-time of each contract, with what it accepts (see :mod:`adapter.redbag.dates`).
SUMMARY_DATES: tuple[tuple[str, Shape], ...] = (
    ("createdAt", Shape.INSTANT),
    ("careHome.capabilities.confirmedOn", Shape.DATE),
    ("resident.birthDate", Shape.DATE),
    ("transfer.departedAt", Shape.INSTANT),
    ("resuscitation.recordedAt", Shape.DATE_TIME),
    ("observations[].takenAt", Shape.INSTANT),
    ("conditions[].onset", Shape.DATE_TIME),
    ("medications[].lastDoseGiven", Shape.INSTANT),
)
DISCHARGE_DATES: tuple[tuple[str, Shape], ...] = (("dischargedAt", Shape.INSTANT),)


@cache
def _dates_by_object(
    fields: tuple[tuple[str, Shape], ...],
) -> tuple[tuple[str, tuple[tuple[str, Shape], ...]], ...]:
    """The date fields grouped by the object they belong to (each object is found once)."""
    groups: dict[str, list[tuple[str, Shape]]] = {}
    for field, shape in fields:
        parent, _, name = field.rpartition(".")
        groups.setdefault(parent, []).append((name, shape))
    return tuple((parent, tuple(names)) for parent, names in groups.items())


def _timestamps(
    data: Json, fields: tuple[tuple[str, Shape], ...]
) -> Iterator[tuple[policy.Location, str, str, Shape]]:
    """Every date or date-time of an input: where its object is, its name, its value and its shape."""
    for parent, names in _dates_by_object(fields):
        for where, obj in policy.locate(data, parent):
            for name, shape in names:
                value = obj.get(name)
                if type(value) is str:
                    yield where, name, value, shape


def _date_violations(
    data: Json,
    now: datetime,
    fields: tuple[tuple[str, Shape], ...],
    *,
    calendar: bool = True,
    seconds: list[tuple[str, str]] | None = None,
) -> Iterator[Violation]:
    """Dates that are not dates of the calendar (unless the compiled schema has proved them, ``calendar``
    False), or lie in the future; ``seconds`` collects the times written without seconds, with their
    canonical form, on the same pass."""
    for where, name, value, shape in _timestamps(data, fields):
        if seconds is not None and len(value) > 16 and value[10] == "T" and value[16] != ":":
            seconds.append((policy.json_path(where, name), dates.canonical(value)))
        problem = dates.problem(value, shape) if calendar else None
        if problem:
            shown = "value withheld: personal data" if name == "birthDate" else f"got {value!r}"
            yield Violation(policy.json_path(where, name), f"{problem} ({shown})", "date")
        elif dates.is_future(value, now):
            yield Violation(policy.json_path(where, name), f"is in the future ({value})", "not-future")


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


def _rule_allergies(s: Json, now: datetime) -> Iterator[Violation]:
    if s.get("allergies") and s.get("noKnownAllergies"):
        yield Violation(
            "$.noKnownAllergies",
            "cannot be true when allergies are listed: give one or the other",
            "allergies",
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


def _rule_capabilities(s: Json, now: datetime) -> Iterator[Violation]:
    yield from capabilities.violations(
        (s.get("careHome") or {}).get("capabilities"), "$.careHome.capabilities"
    )


_SUMMARY_RULES = (
    _rule_identity,
    _rule_organisations,
    _rule_capabilities,
    _rule_allergies,
    _rule_belongings,
    _rule_codes,
)


def _apply_rules(rules: Iterable[Any], data: Json, flagged: set[str], *args: Any) -> list[Violation]:
    """Run each rule on its own, skipping what the schema already flagged (and shapes it rejected)."""
    found: list[Violation] = []
    for rule in rules:
        try:
            found.extend(v for v in rule(data, *args) if v.path not in flagged)
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
            continue  # the data is malformed where this rule looks; the schema has said so already
    return found


def _rule_discharge_time(d: Json, summary: Json | None, now: datetime) -> Iterator[Violation]:
    found = list(_date_violations(d, now, DISCHARGE_DATES))
    yield from found
    discharged = d.get("dischargedAt")
    departed = (summary or {}).get("transfer", {}).get("departedAt")
    if (
        not found
        and isinstance(discharged, str)
        and isinstance(departed, str)
        and dates.is_valid(departed, Shape.INSTANT)
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


def _rule_discharge_ready(d: Json, summary: Json | None, now: datetime) -> Iterator[Violation]:
    ready = d.get("dischargeReadyDate")
    if not isinstance(ready, str) or not dates.is_valid(ready, Shape.DATE):
        return
    if dates.precision(ready) != "day":
        yield Violation("$.dischargeReadyDate", f"must be a whole day YYYY-MM-DD (got {ready!r})", "date")
        return
    departed = (summary or {}).get("transfer", {}).get("departedAt")
    if isinstance(departed, str) and dates.is_valid(departed, Shape.INSTANT):
        left = day_in_england(departed).isoformat()
        if ready < left:
            yield Violation(
                "$.dischargeReadyDate",
                f"{ready} is before the resident left the care home ({left})",
                "discharge-ready-date",
            )


_DISCHARGE_RULES = (
    _rule_discharge_time,
    _rule_discharge_codes,
    _rule_discharge_matches,
    _rule_discharge_ready,
)


def summary_violations(data: Any, *, now: datetime | None = None) -> list[Violation]:
    """Every way ``data`` breaks the resident-summary contract (empty when it conforms)."""
    return _summary_violations(data, now, None)


def _summary_violations(
    data: Any, now: datetime | None, seconds: list[tuple[str, str]] | None
) -> list[Violation]:
    from_schema = _schema_violations(SUMMARY_SCHEMA, data)
    found = from_schema or []
    if isinstance(data, dict):
        flagged = {v.path for v in found}
        now = now or datetime.now(UTC)
        found.extend(_apply_rules(_SUMMARY_RULES, data, flagged, now))
        # The compiled schema checks every date against the calendar; only a refused input is checked
        # again here, for its messages.
        dated = _date_violations(data, now, SUMMARY_DATES, calendar=from_schema is not None, seconds=seconds)
        found.extend(v for v in dated if v.path not in flagged)
    return found


def discharge_violations(
    data: Any, summary: Json | None = None, *, now: datetime | None = None
) -> list[Violation]:
    """Every way ``data`` breaks the discharge contract, checked against the summary that went out."""
    found = _schema_violations(DISCHARGE_SCHEMA, data) or []
    if isinstance(data, dict):
        flagged = {v.path for v in found}
        found.extend(_apply_rules(_DISCHARGE_RULES, data, flagged, summary, now or datetime.now(UTC)))
    return found


def _value_warnings(s: Json) -> Iterator[Violation]:
    """Gaps that a value itself states: a decision recorded as not recorded, a birth date known in part."""
    if (s.get("resuscitation") or {}).get("decision") == "not-recorded":
        yield Violation(
            "$.resuscitation.decision", "the resuscitation decision is not recorded", policy.GAP_RULE
        )
    if _lpa_unnamed(s):
        yield Violation(
            "$.consentToShare.by",
            "consent was given by lasting power of attorney, "
            "but who holds it is not recorded among the contacts",
            policy.GAP_RULE,
        )
    born = (s.get("resident") or {}).get("birthDate")
    if isinstance(born, str) and dates.precision(born) in ("year", "month"):
        yield Violation(
            "$.resident.birthDate",
            f"the date of birth is known only to the {dates.precision(born)}",
            policy.GAP_RULE,
        )


def _lpa_unnamed(s: Json) -> bool:
    """Consent by lasting power of attorney, with no contact recorded as holding it."""
    return (s.get("consentToShare") or {}).get("by") == "lpa" and not any(
        isinstance(c, dict) and c.get("lastingPowerOfAttorney") for c in s.get("contacts") or []
    )


def summary_warnings(data: Json) -> list[Violation]:
    """The gaps of a conforming summary: every field that travels absent or imprecise, named."""
    return policy.gaps("summary", data) + list(_value_warnings(data))


def discharge_warnings(data: Json) -> list[Violation]:
    """The gaps of a conforming discharge."""
    return policy.gaps("discharge", data)


@dataclass(frozen=True)
class Checked:
    """An input that conforms to its contract, as the builders take it, and its gaps (warnings).

    ``data`` is the input with its date-times written as FHIR needs them (``:00`` seconds added where
    missing, nothing else changed); ``warnings`` name every field that travels absent
    (``schemas/field-policy.yaml``), in words a sender can act on.
    """

    data: Json
    warnings: list[Violation]


def _with_seconds(data: Json, seconds: list[tuple[str, str]]) -> Json:
    """``data`` with ``seconds`` (path, canonical value) applied: a copy, and only when there are any."""
    if not seconds:
        return data
    out: Json = orjson.loads(orjson.dumps(data))
    for path, value in seconds:
        _set_path(out, path, value)
    return out


def _set_path(data: Json, path: str, value: Any) -> None:
    """Set the value at a JSON path such as ``$.medications[2].lastDoseGiven``."""
    target: Any = data
    parts = path.removeprefix("$.").replace("[", ".[").split(".")
    for part in parts[:-1]:
        target = target[int(part[1:-1])] if part.startswith("[") else target[part]
    target[parts[-1]] = value


def _checked(
    contract: policy.Contract,
    violations: list[Violation],
    data: Any,
    seconds: list[tuple[str, str]],
    source: str | None,
    strict: bool,
) -> Checked:
    if violations:
        raise ContractError(violations, source)
    assert isinstance(data, dict)
    warnings = summary_warnings(data) if contract == "summary" else discharge_warnings(data)
    if strict and warnings:
        raise ContractError(
            [Violation(w.path, f"{w.message} (refused: --strict)", w.rule) for w in warnings], source
        )
    return Checked(_with_seconds(data, seconds), warnings)


def assess_summary(
    data: Any, *, source: str | None = None, now: datetime | None = None, strict: bool = False
) -> Checked:
    """Check a resident summary: raise ContractError listing every violation (and, with ``strict``,
    every gap); otherwise the summary as the builders take it, with its warnings."""
    seconds: list[tuple[str, str]] = []
    return _checked("summary", _summary_violations(data, now, seconds), data, seconds, source, strict)


def assess_discharge(
    data: Any,
    summary: Json | None = None,
    *,
    source: str | None = None,
    now: datetime | None = None,
    strict: bool = False,
) -> Checked:
    """Check a discharge against the summary that went out; like :func:`assess_summary`."""
    violations = discharge_violations(data, summary, now=now)
    seconds = (
        [
            (policy.json_path(where, name), dates.canonical(value))
            for where, name, value, _ in _timestamps(data, DISCHARGE_DATES)
            if dates.canonical(value) != value
        ]
        if isinstance(data, dict)
        else []
    )
    return _checked("discharge", violations, data, seconds, source, strict)


def check_summary(data: Any, *, source: str | None = None, now: datetime | None = None) -> Json:
    """The summary as the builders take it, when it conforms; raise ContractError listing every violation.

    Gaps (fields that travel absent) are not errors: :func:`assess_summary` returns them as warnings.
    """
    return assess_summary(data, source=source, now=now).data


def check_discharge(
    data: Any, summary: Json | None = None, *, source: str | None = None, now: datetime | None = None
) -> Json:
    """The discharge as the builders take it, when it is valid for ``summary``; raise ContractError."""
    return assess_discharge(data, summary, source=source, now=now).data


def read_json_file(path: Path, *, max_bytes: int = MAX_INPUT_BYTES) -> Any:
    """Read a JSON input file with a size limit, UTF-8 only, errors naming the file."""
    size = path.stat().st_size
    if size > max_bytes:
        raise InputTooLargeError(
            f"{path}: {size:,} bytes is over the {max_bytes:,}-byte limit for one input file"
        )
    return loads(path.read_bytes(), source=str(path))
