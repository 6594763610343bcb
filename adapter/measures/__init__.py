"""Does the red bag work here? The pathway measures, per care home, per hospital and overall.

>>> march = Filters(start=date(2025, 3, 1), end=date(2025, 3, 31))    # doctest: +SKIP
>>> found = measure_database(outbox.db, march)                         # doctest: +SKIP
>>> found.get("length-of-stay", "mean-days", split="with").text       # doctest: +SKIP
'13.4'

Two sources, one computation: the service's store keeps a few facts per red bag, return journey and
stay as they arrive (:mod:`adapter.measures.facts`, written by the store); a FHIR server holding red bags
is read with FHIR search into a scratch database of the same facts (:mod:`adapter.measures.server`). The
same SQL counts both (:mod:`adapter.store.measure_queries`), and :mod:`adapter.measures.compute` turns
the sums into the figures :mod:`adapter.measures.definitions` defines, small numbers suppressed.
"""

from __future__ import annotations

from adapter.measures.compute import Figure, Filters, Measures, measure_database, rows_for_csv
from adapter.measures.definitions import MEASURES, Measure, Statistic
from adapter.measures.suppression import DEFAULT_THRESHOLD, Shown

__all__ = [
    "DEFAULT_THRESHOLD",
    "MEASURES",
    "Figure",
    "Filters",
    "Measure",
    "Measures",
    "Shown",
    "Statistic",
    "measure_database",
    "rows_for_csv",
]
