"""The searches a pull makes, as data: pull runs them, and the capability check reads them
(:mod:`adapter.exchange.needs`), so what is checked is what is sent.

Pull relies on no ``_sort``, chain or ``_include``: a CapabilityStatement cannot say whether a server
sorts, so pull fetches every page and orders by date itself, and follows references by reads.
"""

from __future__ import annotations

from dataclasses import dataclass

from adapter.client import FhirClient, SearchSet


@dataclass(frozen=True, slots=True)
class SearchUse:
    """A search of one resource type by these parameters, in this order, for this purpose."""

    resource_type: str
    parameters: tuple[str, ...]
    purpose: str

    def on(self, client: FhirClient, *values: str) -> SearchSet:
        """The search on ``client`` with one value per parameter (nothing is sent yet)."""
        search = client.search(self.resource_type)
        for name, value in zip(self.parameters, values, strict=True):
            search = search.param(name, value)
        return search


RESIDENT = SearchUse("Patient", ("identifier",), "find the resident by NHS number")
TRANSFERS = SearchUse("Composition", ("subject", "type"), "the resident's transfer summaries")
LATER_SUMMARIES = SearchUse("Composition", ("subject", "date"), "summaries dated after the red bag")
TASKS = SearchUse("Task", ("focus",), "the transfer's workflow Task")
PROVENANCE = SearchUse("Provenance", ("target",), "who packed, handed over and received the red bag")

PULL_SEARCHES = (RESIDENT, TRANSFERS, LATER_SUMMARIES, TASKS, PROVENANCE)
