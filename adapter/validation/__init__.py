"""Profile validator: FHIR R4 core + packages + red-bag profiles, checked the way the HL7 validator does.

::

    from adapter.validation import Validator
    v = Validator.load()
    outcome = v.validate("bundle.json", profile="https://example.org/StructureDefinition/x")
"""

from adapter.validation.context import Options
from adapter.validation.outcome import Issue, error_count, operation_outcome
from adapter.validation.validator import Validator

__all__ = ["Issue", "Options", "Validator", "error_count", "operation_outcome"]
