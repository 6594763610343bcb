"""Validation issues and the OperationOutcome that reports them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

NOT_HANDLED = "not-handled"  # the rule of an issue saying what could not be decided offline
SEVERITY_ORDER = {"fatal": 0, "error": 1, "warning": 2, "information": 3}
LINE_EXT = "http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-line"
COL_EXT = "http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-col"
SOURCE_EXT = "http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-source"


@dataclass(frozen=True, slots=True)
class Issue:
    """One finding: severity, IssueType code, FHIRPath location and a message a user can act on."""

    severity: str
    code: str
    expression: str
    message: str
    line: int | None = None
    column: int | None = None
    rule: str | None = None  # e.g. the invariant key or a message id, for tests and filtering

    @property
    def is_not_handled(self) -> bool:
        """True when the issue says that something could not be decided here (see context.not_handled)."""
        return self.rule == NOT_HANDLED

    @property
    def is_error(self) -> bool:
        """True for error and fatal issues."""
        return self.severity in ("error", "fatal")

    def to_fhir(self) -> dict[str, Any]:
        """This issue as an OperationOutcome.issue."""
        out: dict[str, Any] = {
            "severity": self.severity,
            "code": self.code,
            "diagnostics": self.message,
            "details": {"text": self.message},
        }
        if self.expression:
            out["expression"] = [self.expression]
        ext = []
        if self.line is not None:
            ext.append({"url": LINE_EXT, "valueInteger": self.line})
        if self.column is not None:
            ext.append({"url": COL_EXT, "valueInteger": self.column})
        if self.rule:
            ext.append({"url": SOURCE_EXT, "valueString": self.rule})
        if ext:
            out["extension"] = ext
        return out

    def text(self) -> str:
        """One line for terminal output."""
        where = self.expression or "(document)"
        pos = f" (line {self.line}, col {self.column})" if self.line is not None else ""
        return f"{self.severity.upper():11} {where}{pos}: {self.message} [{self.code}]"


def operation_outcome(issues: Iterable[Issue]) -> dict[str, Any]:
    """An OperationOutcome resource; 'All OK' information when there is nothing to report."""
    listed = [i.to_fhir() for i in issues]
    if not listed:
        listed = [
            {
                "severity": "information",
                "code": "informational",
                "diagnostics": "All OK",
                "details": {"text": "All OK"},
            }
        ]
    return {"resourceType": "OperationOutcome", "issue": listed}


def error_count(outcome: dict[str, Any]) -> int:
    """Issues with severity error or fatal in an OperationOutcome."""
    return sum(1 for i in outcome.get("issue", []) if i.get("severity") in ("error", "fatal"))


def issues_of(outcome: dict[str, Any]) -> list[Issue]:
    """Issues back from an OperationOutcome produced by :func:`operation_outcome`."""
    out = []
    for i in outcome.get("issue", []):
        if i.get("diagnostics") == "All OK" and i.get("severity") == "information":
            continue
        exts = {e.get("url"): e for e in i.get("extension", [])}
        out.append(
            Issue(
                str(i.get("severity")),
                str(i.get("code")),
                (i.get("expression") or [""])[0],
                str(i.get("diagnostics") or i.get("details", {}).get("text", "")),
                exts.get(LINE_EXT, {}).get("valueInteger"),
                exts.get(COL_EXT, {}).get("valueInteger"),
                exts.get(SOURCE_EXT, {}).get("valueString"),
            )
        )
    return out
