"""One exception tree for the whole adapter.

::

    RedbagError                      (code: "redbag")
    ├── InputError                   bad input a user can fix
    │   ├── ContractError            resident summary / discharge breaks the contract (all violations)
    │   ├── InputTooLargeError            a file or body over the size limit
    │   └── EncodingError            bytes that are not UTF-8 (or not decodable)
    ├── CompletenessError            an input item is missing from the output (hazard H1): never a warning
    ├── ShownAsMetError              a discharge need shown as met that the care home cannot meet (hazard
    │                                H23; in adapter.pathway.readiness)
    ├── MappingError                 a mapping file or CSV layout is unusable (before any row is read)
    ├── PackageError                 FHIR definitions missing from the package cache
    ├── PrintError                   a PDF could not be printed (no Chromium, or it failed)
    ├── ValidationSetupError         a profile or definition cannot be loaded
    ├── ConfigError                  settings that cannot work (bad URL, no API keys, unreadable keys file)
    ├── StoreError                   the transfer outbox failed (its own subtree lives in adapter.store)
    ├── FhirClientError              raised by adapter.client (subtree in adapter/client/errors.py)
    └── ExchangeError                push/pull of red bags (subtree in adapter/exchange/errors.py:
                                     NotOnServerError, AmbiguousResidentError, IncompleteRedBagError)

Every error has a stable ``code`` and a message that names the file, row, field or FHIRPath
location, so that a user can act on it.
"""

from __future__ import annotations

from dataclasses import dataclass


class RedbagError(Exception):
    """Base of every error the adapter raises on purpose."""

    code = "redbag"


class InputError(RedbagError):
    """Input that a user can fix."""

    code = "input"


@dataclass(frozen=True)
class Violation:
    """One broken rule: where (a JSON path such as ``$.medications[0].lastDoseGiven``) and why."""

    path: str
    message: str
    rule: str = "schema"

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ContractError(InputError):
    """The input breaks the resident-summary (or discharge) contract; carries every violation."""

    code = "contract"

    def __init__(self, violations: list[Violation], source: str | None = None) -> None:
        self.violations = violations
        self.source = source
        where = f"{source}: " if source else ""
        lines = "\n".join(f"  {v}" for v in violations)
        super().__init__(f"{where}{len(violations)} contract violation(s)\n{lines}")


class InputTooLargeError(InputError):
    """A file or request body is larger than the configured limit."""

    code = "too-large"


class EncodingError(InputError):
    """Input bytes are not valid UTF-8 (or cannot be decoded as declared)."""

    code = "encoding"


class CompletenessError(RedbagError):
    """An item of the input (medicine, allergy, condition, belonging, ...) is absent from the output."""

    code = "incomplete"

    def __init__(self, gaps: list[str], source: str | None = None) -> None:
        self.gaps = gaps
        where = f"{source}: " if source else ""
        super().__init__(f"{where}output is incomplete: " + "; ".join(gaps))


class MappingError(RedbagError):
    """A mapping or source layout cannot be used (missing file, missing column, bad mapping spec)."""

    code = "mapping"


class PackageError(RedbagError):
    """FHIR definition packages are missing from the local package cache."""

    code = "package"


class PrintError(RedbagError):
    """The PDF could not be printed (no Chromium, or Chromium failed)."""

    code = "print"


class ValidationSetupError(RedbagError):
    """A profile, ValueSet or other definition cannot be loaded."""

    code = "validation-setup"


class ConfigError(RedbagError):
    """Settings that cannot work: names the environment variable or file at fault."""

    code = "config"


class StoreError(RedbagError):
    """Base of the transfer outbox's errors (see adapter.store.errors)."""

    code = "store"


class FhirClientError(RedbagError):
    """Base of the FHIR client's errors (see adapter.client.errors)."""

    code = "client"
