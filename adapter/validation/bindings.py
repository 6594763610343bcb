"""Terminology bindings (required, extensible, additional) and code checks against local CodeSystems,
plus minValue/maxValue (https://hl7.org/fhir/R4/terminologies.html#strength)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from adapter.validation.context import Run, not_handled
from adapter.validation.structure import ElementNode, StructureInfo
from adapter.validation.terminology import EXTERNAL_SYSTEMS, GRAMMARS

if TYPE_CHECKING:
    from adapter.validation.checker import Checker

CODED_TYPES = frozenset({"code", "Coding", "CodeableConcept", "Quantity", "string", "uri"})


Coded = tuple[str | None, str, str | None, int | None]


def _codings(value: Any, type_code: str) -> list[Coded]:
    """(system, code, display, coding index) of a coded value."""
    if type_code == "Coding" and type(value) is dict:  # the common case, first
        code = value.get("code")
        return [(value.get("system"), code, value.get("display"), None)] if isinstance(code, str) else []
    if type_code in ("code", "string", "uri"):
        return [(None, value, None, None)] if isinstance(value, str) else []
    if not isinstance(value, dict):
        return []
    if type_code in ("Coding", "Quantity"):
        code = value.get("code")
        if isinstance(code, str):
            return [
                (value.get("system"), code, value.get("display") if type_code == "Coding" else None, None)
            ]
        return []
    out: list[Coded] = []
    for i, c in enumerate(value.get("coding", []) or []):
        if isinstance(c, dict) and isinstance(c.get("code"), str):
            out.append((c.get("system"), c["code"], c.get("display"), i))
    return out


def check_binding(
    engine: Checker, run: Run, value: Any, node: ElementNode, type_code: str, path: str, info: StructureInfo
) -> None:
    """Check a coded value against the element's binding (and its additional required bindings)."""
    binding = node.binding
    if binding is None or type_code not in CODED_TYPES:
        return
    if binding.value_set and binding.strength in ("required", "extensible"):
        _check_one(engine, run, value, type_code, path, binding.value_set, binding.strength, additional=False)
    for purpose, vs in binding.additional:
        if purpose in ("required", "current"):
            _check_one(engine, run, value, type_code, path, vs, "required", additional=True)


def _check_one(
    engine: Checker,
    run: Run,
    value: Any,
    type_code: str,
    path: str,
    vs_url: str,
    strength: str,
    additional: bool,
) -> None:
    tx = engine.tx
    codings = _codings(value, type_code)
    member = tx.member
    for s, c, _, _ in codings:  # the common case: a member, so nothing to report
        if member(vs_url, s if isinstance(s, str) else None, c).member is True:
            return
    if tx.expand(vs_url) is None:
        if strength == "required":
            not_handled(run, path, f"the ValueSet {vs_url} of the required binding is not available locally")
            return
        run.warning(
            "not-found",
            path,
            f"The ValueSet {vs_url} is not available locally, so the {strength} binding could not be checked",
            rule="binding-unchecked",
        )
        return
    if not codings:
        if type_code == "CodeableConcept" and strength == "required" and not additional:
            label = tx.value_set_label(vs_url)
            run.error(
                "code-invalid",
                path,
                f"No code provided, and a code is required from the value set {label}",
                rule="binding",
            )
        return
    results = [tx.member(vs_url, s if isinstance(s, str) else None, c) for s, c, _, _ in codings]
    if any(r.member is True for r in results):
        return
    label = tx.value_set_label(vs_url)
    if any(r.member is None for r in results):
        reason = next(r.reason for r in results if r.member is None)
        if strength == "required":
            not_handled(run, path, f"the required binding to {label} needs a terminology server ({reason})")
            return
        run.info(
            "not-supported",
            path,
            f"The {strength} binding to {label} could not be checked locally ({reason})",
            rule="binding-unchecked",
        )
        return
    severity = "error" if strength == "required" else "warning"
    what = "an additional binding" if additional else "this element"
    if type_code in ("code", "string", "uri"):
        code = codings[0][1]
        if severity == "error":
            run.error(
                "not-found",
                path,
                f"The System URI could not be determined for the code '{code}' in the ValueSet {label}",
                rule="binding",
            )
        msg = (
            f"The value provided ('{code}') was not found in the value set {label}, and a code is "
            f"{'required' if strength == 'required' else 'recommended'} from this value set"
        )
    elif type_code == "CodeableConcept":
        shown = ", ".join(f"{s}#{c}" for s, c, _, _ in codings)
        msg = (
            f"None of the codings provided are in the value set {label} specified in {what}, and a coding "
            f"{'is required' if strength == 'required' else 'should come'} from this value set "
            f"(codes = {shown})"
        )
    else:
        s, c, _, _ = codings[0]
        msg = (
            f"The code provided ({s}#{c}) was not found in the value set {label}, and a code from this value "
            f"set is {'required' if strength == 'required' else 'recommended'}"
        )
    if severity == "error":
        run.error("code-invalid", path, msg, rule="binding")
    else:
        run.warning("code-invalid", path, msg, rule="binding")


def check_codes(engine: Checker, run: Run, value: Any, type_code: str, path: str) -> None:
    """Codes must exist in their CodeSystem when it is here and complete; displays should match."""
    problems = engine.tx.code_problems
    for system, code, display, idx in _codings(value, type_code):
        if not isinstance(system, str):
            continue
        if system in EXTERNAL_SYSTEMS and system not in GRAMMARS and not engine.tx.is_complete(system):
            # the HL7 validator asks its terminology server whether the code exists and the display fits
            where = f"{path}.coding[{idx}]" if idx is not None else path
            not_handled(run, where, f"{system}#{code} needs a terminology server to be checked")
            continue
        key = (system, code, display if isinstance(display, str) else None)
        if key in problems:
            problem = problems[key]
        else:
            if len(problems) > 100_000:
                problems.clear()
            problem = problems[key] = _code_problem(engine, *key)
        if problem is None:
            continue
        severity, message, rule = problem
        where = f"{path}.coding[{idx}]" if idx is not None else path
        if rule in _SYSTEM_RULES:
            where += ".system"
        if severity == "error":
            run.error("code-invalid", where, message, rule=rule)
        else:
            run.warning("code-invalid", where, message, rule=rule)


_SYSTEM_RELATIVE = "Terminology_TX_System_Relative"
_SYSTEM_VALUE_SET = "Terminology_TX_System_ValueSet2"
_SYSTEM_RULES = frozenset({_SYSTEM_RELATIVE, _SYSTEM_VALUE_SET})


def _code_problem(
    engine: Checker, system: str, code: str, display: str | None
) -> tuple[str, str, str] | None:
    """(severity, message, rule) of an unknown code or a wrong display; None when the coding is fine."""
    if ":" not in system:
        return "error", "Coding.system must be an absolute reference, not a local reference", _SYSTEM_RELATIVE
    if engine.defs.code_system(system) is None and engine.defs.value_set(system) is not None:
        return (
            "error",
            f"The Coding references a value set, not a code system ('{system}')",
            _SYSTEM_VALUE_SET,
        )
    known, concept = engine.tx.lookup(system, code)
    if known is False:
        cs = engine.tx.code_system(system)
        version = f" version '{cs.cs.get('version')}'" if cs is not None and cs.cs.get("version") else ""
        return "error", f"Unknown code '{code}' in the CodeSystem '{system}'{version}", "code-unknown"
    if (
        known
        and concept is not None
        and isinstance(display, str)
        and display
        and display.lower() not in {d.lower() for d in engine.tx.displays(concept)}
    ):
        return (
            "warning",
            f"Wrong Display Name '{display}' for {system}#{code}. Valid "
            f"display is '{concept.get('display')}'",
            "display",
        )
    return None


def _number(v: Any) -> Decimal | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return Decimal(repr(v)) if isinstance(v, float) else Decimal(v)
    if isinstance(v, str):
        try:
            return Decimal(v)
        except InvalidOperation:
            return None
    return None


def _comparable(v: Any, type_code: str) -> Any:
    if type_code == "Quantity":
        return _number(v.get("value")) if isinstance(v, dict) else None
    if isinstance(v, str) and type_code in ("date", "dateTime", "instant", "time"):
        return v
    return _number(v)


UCUM = "http://unitsofmeasure.org"


def check_unit(run: Run, value: Any, path: str) -> None:
    """A UCUM unit code: the HL7 validator checks it with its terminology server, which is not here."""
    if isinstance(value, dict) and value.get("system") == UCUM and isinstance(value.get("code"), str):
        not_handled(run, path, f"the UCUM unit '{value['code']}' needs a terminology server to be checked")


def check_min_max(run: Run, value: Any, node: ElementNode, type_code: str, path: str) -> None:
    """minValue[x] / maxValue[x]."""
    for bound, is_min in ((node.min_value, True), (node.max_value, False)):
        if bound is None:
            continue
        have = _comparable(value, type_code)
        limit = _comparable(bound[1], bound[0] if bound[0] != "Quantity" else "Quantity")
        if have is None or limit is None or type(have) is not type(limit):
            continue
        if is_min and have < limit:
            run.error(
                "invalid",
                path,
                f"The value in the instance ({have}) is less than the specified minimum value ({limit})",
                rule="min-value",
            )
        if not is_min and have > limit:
            run.error(
                "invalid",
                path,
                f"The value in the instance ({have}) is greater than the specified maximum value ({limit})",
                rule="max-value",
            )
