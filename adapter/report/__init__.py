"""The measures as a report: one self-contained HTML file with charts (inline SVG drawn by matplotlib,
which the ``report`` extra installs) and the same figures as CSV.

>>> write_report(measure_database(db), Path("out"), source="sqlite redbag.db")  # doctest: +SKIP
(PosixPath('out/measures.html'), PosixPath('out/measures.csv'))
"""

from __future__ import annotations

from adapter.report.charts import ChartsUnavailableError
from adapter.report.html import render_csv, render_report, write_report

__all__ = ["ChartsUnavailableError", "render_csv", "render_report", "write_report"]
