"""Per-run state of the instance walker: issues, resource frames, options."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from adapter.validation.outcome import NOT_HANDLED, Issue

Fetcher = Callable[[str], "dict[str, Any] | None"]
WRONG_TYPE = "?wrong-type"  # the type code of an item whose type the definition does not allow


@dataclass(frozen=True)
class Options:
    """Validation settings (defaults follow the HL7 validator's defaults)."""

    # example.org / acme.com / acme.org URLs: an error by default, as in the HL7 validator (its
    # -allow-example-urls); allowed, they also let unknown extensions on those domains pass
    allow_examples: bool = False
    any_extensions_allowed: bool = False  # unknown non-HL7 extensions: warning (True: accept silently)
    # Extensions under these URL prefixes are accepted when their definitions are not loaded (an
    # information issue says they were not checked), as the HL7 validator's -extension-domain does. UK Core
    # is on no registry reachable here; load it with definitions=[...] and its extensions are checked.
    extension_domains: tuple[str, ...] = ("https://fhir.hl7.org.uk/StructureDefinition/",)
    check_references: bool = False  # validate referenced resources that a fetcher returns
    fetcher: Fetcher | None = None  # resolves references outside the Bundle (tests, servers)
    base_with_profiles: bool = False  # also validate against the base type when meta.profile is known
    security_checks: bool = False  # report unsafe narrative as errors (otherwise too)
    validate_contained: bool = True  # False: contained resources (and dom-3) are not checked
    bundle_profiles: tuple[tuple[str, str], ...] = ()  # ("Patient:0", profile URL): extra entry profiles


@dataclass
class Frame:
    """The resource being validated, where it sits, and what references can resolve against."""

    resource: dict[str, Any]
    path: str
    parent: Frame | None = None
    bundle: Any = None  # BundleIndex of the closest enclosing Bundle
    full_url: str | None = None
    element_ids: dict[str, int] | None = None  # Element.id values seen in this resource -> id(element)

    @property
    def root(self) -> Frame:
        """The outermost resource of a chain of contained resources (what '#id' resolves against)."""
        f = self
        while f.parent is not None and f.path.endswith("]") and ".contained[" in f.path:
            f = f.parent
        return f


@dataclass
class Run:
    """Collected issues of one validate() call (deduplicated as the HL7 validator does)."""

    options: Options
    issues: list[Issue] = field(default_factory=list)
    _seen: set[tuple[str, str, str]] = field(default_factory=set)
    depth: int = 0
    validating: set[tuple[int, str]] = field(default_factory=set)  # (id(resource), profile) in progress
    # (type, element definition, is a resource root) of each complex or extended element, by instance path
    types: dict[str, tuple[str, Any, bool]] = field(default_factory=dict)
    ext_urls: dict[str, str] = field(default_factory=dict)  # url of each extension, by instance path
    # (id(resource), profile URL) -> the issues of validating that resource against that profile
    profile_results: dict[tuple[int, str], list[Issue]] = field(default_factory=dict)
    # (id(resource), profile URLs) -> where a reference first reported that the resource fails them
    failed_targets: dict[tuple[int, str], str] = field(default_factory=dict)

    def add(self, issue: Issue) -> None:
        """Record an issue once."""
        key = (issue.severity, issue.expression, issue.message)
        if key not in self._seen:
            self._seen.add(key)
            self.issues.append(issue)

    def error(self, code: str, path: str, message: str, rule: str | None = None) -> None:
        """Record an error."""
        self.add(Issue("error", code, path, message, rule=rule))

    def warning(self, code: str, path: str, message: str, rule: str | None = None) -> None:
        """Record a warning."""
        self.add(Issue("warning", code, path, message, rule=rule))

    def info(self, code: str, path: str, message: str, rule: str | None = None) -> None:
        """Record an information message."""
        self.add(Issue("information", code, path, message, rule=rule))

    def fork(self) -> Run:
        """A sub-run that collects issues separately (for slice and profile matching)."""
        sub = Run.__new__(Run)  # (no __init__: the shared tables are not built only to be replaced)
        sub.options = self.options
        sub.issues = []
        sub._seen = set()
        sub.depth = self.depth + 1
        sub.validating = self.validating
        sub.types = self.types
        sub.ext_urls = self.ext_urls
        sub.profile_results = self.profile_results
        sub.failed_targets = self.failed_targets
        return sub

    @property
    def has_errors(self) -> bool:
        """True when an error or fatal issue was recorded."""
        return any(i.is_error for i in self.issues)


def not_handled(run: Run, path: str, reason: str) -> None:
    """What the HL7 validator decides with a terminology server (TERMINOLOGY_TX_NOSVC_BOUND_REQ when it has
    none) and this validator cannot decide offline: said as such, never guessed."""
    run.add(Issue("information", "not-supported", path, f"Not handled: {reason}", rule=NOT_HANDLED))
