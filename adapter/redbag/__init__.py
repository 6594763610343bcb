"""The red-bag domain: the resident-summary contract, summary <-> FHIR R4, and the return journey.

>>> checked = assess_summary(summary)   # ContractError when wrong; checked.warnings name the gaps
>>> document, transaction = build_bundles(checked.data)
>>> document_to_summary(document) == normalise_summary(summary)
True
"""

from adapter.redbag.bundles import build_bundles, build_document
from adapter.redbag.contract import (
    Checked,
    assess_discharge,
    assess_summary,
    check_discharge,
    check_summary,
    discharge_violations,
    summary_violations,
)
from adapter.redbag.discharge import build_return_bundles, reconcile_belongings
from adapter.redbag.reading import document_to_summary, normalise_summary

__all__ = [
    "Checked",
    "assess_discharge",
    "assess_summary",
    "build_bundles",
    "build_document",
    "build_return_bundles",
    "check_discharge",
    "check_summary",
    "discharge_violations",
    "document_to_summary",
    "normalise_summary",
    "reconcile_belongings",
    "summary_violations",
]
