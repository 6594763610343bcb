"""Errors as FHIR OperationOutcomes (https://hl7.org/fhir/R4/operationoutcome.html), with their status.

Every error the service answers, whether raised by the domain, the outbox, the FHIR client or the web
framework, becomes one OperationOutcome here; nothing else decides an error's status or shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from adapter.client.errors import FhirHttpError, FhirTimeoutError, FhirTransportError
from adapter.errors import (
    CompletenessError,
    ConfigError,
    ContractError,
    EncodingError,
    FhirClientError,
    FormatError,
    InputError,
    InputTooLargeError,
    PackageError,
    RedbagError,
    ValidationSetupError,
    Violation,
)
from adapter.redbag.text import escape_controls
from adapter.store.errors import (
    ConflictingTransferError,
    DatabaseError,
    DuplicateTransferError,
    IdempotencyKeyReusedError,
)

Json = dict[str, Any]

#: The OperationOutcome issue type (https://hl7.org/fhir/R4/valueset-issue-type.html) for a status.
ISSUE_TYPE = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    409: "conflict",
    413: "too-long",
    415: "not-supported",
    422: "processing",
    429: "throttled",
    500: "exception",
    502: "exception",
    503: "transient",
    504: "timeout",
}


def issue(
    code: str,
    diagnostics: str,
    *,
    severity: str = "error",
    location: str | None = None,
) -> Json:
    """One issue; ``location`` is where in the input (a JSON path such as ``$.resident.nhsNumber``)."""
    found: Json = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if location:
        found["location"] = [location]
    return found


def operation_outcome(*issues: Json) -> Json:
    """An OperationOutcome of these issues."""
    return {"resourceType": "OperationOutcome", "issue": list(issues)}


def printable(outcome: Any) -> Any:
    """An OperationOutcome whose texts (which may quote input) hold no character FHIR or XML text cannot:
    such characters are written as escapes (``\\u0001``), the same in the JSON and the XML answer."""
    if isinstance(outcome, str):
        return escape_controls(outcome, keep_layout=True)
    if isinstance(outcome, dict):
        return {printable(k): printable(v) for k, v in outcome.items()}
    if isinstance(outcome, list):
        return [printable(v) for v in outcome]
    return outcome


def simple_outcome(status: int, diagnostics: str) -> Json:
    """An OperationOutcome with one error issue typed after the HTTP status."""
    return operation_outcome(issue(ISSUE_TYPE.get(status, "exception"), diagnostics))


@dataclass(frozen=True, slots=True)
class ErrorAnswer:
    """What to answer for an error: status, OperationOutcome and extra headers."""

    status: int
    outcome: Json
    headers: dict[str, str] = field(default_factory=dict)


def contract_outcome(error: ContractError) -> Json:
    """One issue per broken rule, each naming its JSON path."""
    return operation_outcome(
        *(
            issue(
                "invalid" if v.rule == "schema" else "business-rule",
                f"{v.path}: {v.message}",
                location=v.path,
            )
            for v in error.violations
        )
    )


def warnings_outcome(warnings: list[Violation]) -> Json:
    """The gaps of an accepted input (fields that travel not recorded) as issues of severity warning."""
    return operation_outcome(
        *(
            issue("incomplete", f"{w.path}: {w.message}", severity="warning", location=w.path)
            for w in warnings
        )
    )


def upstream_issues(outcome: Json | None) -> list[Json]:
    """The FHIR server's own issues, marked as coming from it."""
    found = []
    for item in (outcome or {}).get("issue") or []:
        if isinstance(item, dict):
            text = item.get("diagnostics") or (item.get("details") or {}).get("text") or ""
            found.append(
                issue(
                    str(item.get("code", "exception")),
                    f"FHIR server: {text}".rstrip(": "),
                    severity=str(item.get("severity", "error")),
                )
            )
    return found


def answer_for(error: Exception) -> ErrorAnswer:
    """The status and OperationOutcome for an exception (500 for anything unexpected)."""
    if isinstance(error, ContractError):
        return ErrorAnswer(422, contract_outcome(error))
    if isinstance(error, InputTooLargeError):
        return ErrorAnswer(413, simple_outcome(413, str(error)))
    if isinstance(error, EncodingError | InputError):
        return ErrorAnswer(400, operation_outcome(issue("structure", str(error))))
    if isinstance(error, IdempotencyKeyReusedError):
        return ErrorAnswer(422, operation_outcome(issue("business-rule", str(error))))
    if isinstance(error, DuplicateTransferError | ConflictingTransferError):
        return ErrorAnswer(409, operation_outcome(issue("duplicate", str(error))))
    if isinstance(error, DatabaseError):
        return ErrorAnswer(
            503,
            simple_outcome(503, "the transfer database is unavailable; try again shortly"),
            {"Retry-After": "5"},
        )
    if isinstance(error, FhirClientError):
        return _upstream_answer(error)
    if isinstance(error, PackageError | ValidationSetupError):
        return ErrorAnswer(503, simple_outcome(503, f"the validator is not available: {error}"))
    if isinstance(error, FormatError):
        return ErrorAnswer(
            406, operation_outcome(issue("not-supported", f"{error}; ask for application/fhir+json"))
        )
    if isinstance(error, CompletenessError):
        return ErrorAnswer(500, operation_outcome(issue("incomplete", str(error))))
    if isinstance(error, ConfigError | RedbagError):
        return ErrorAnswer(500, simple_outcome(500, str(error)))
    return ErrorAnswer(500, simple_outcome(500, "internal error; it has been logged"))


def _upstream_answer(error: FhirClientError) -> ErrorAnswer:
    if isinstance(error, FhirTimeoutError):
        return ErrorAnswer(504, simple_outcome(504, "the FHIR server did not answer in time"))
    if isinstance(error, FhirTransportError):
        return ErrorAnswer(502, simple_outcome(502, "the FHIR server cannot be reached"))
    if isinstance(error, FhirHttpError):
        outcome = operation_outcome(
            issue("exception", f"the FHIR server answered HTTP {error.status}"),
            *upstream_issues(error.outcome),
        )
        return ErrorAnswer(502, outcome)
    return ErrorAnswer(502, simple_outcome(502, f"the FHIR server's answer could not be used: {error}"))
