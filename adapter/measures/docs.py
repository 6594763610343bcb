"""docs/measures.md, written from the definitions (``scripts/measures-doc.py``; a test checks it is
current), so that what the documentation says a measure counts is what the code counts."""

from __future__ import annotations

from adapter.measures.definitions import MEASURES, Form
from adapter.measures.suppression import DEFAULT_THRESHOLD
from adapter.store.measure_queries import READMISSION_DAYS

_FORMS = {
    Form.COUNT: "count",
    Form.PERCENT: "percentage",
    Form.PER_100: "per 100 transfers",
    Form.MEAN: "mean",
}

INTRO = f"""# Pathway measures: what each one counts

Generated from `adapter/measures/definitions.py` by `scripts/measures-doc.py`; do not edit by hand.

`redbag report` (and `adapter.measures.measure_database`) gives every measure below per care home, per
hospital and overall, for a period, a care home or a hospital.

## What is counted

- **A stay** is one resident's time in hospital: a journey (the hospital's admission, discharge and other
  events, issue 15) with the red bag that went with it, or a red bag sent that no admission event
  reached. A red bag and its admission are one stay; an admission the hospital cancelled (A11) is none.
- **A stay belongs to the period** of the day it started in England: the red bag's departure, else the
  admission; a stay with neither (a return without a departure time, as a FHIR server may hold) by the
  day it ended.
- **Two sources, one count.** The service keeps a few facts per red bag, return journey and journey as
  they arrive (`adapter/store/stay_facts.py`), read from the FHIR it sends (`adapter/measures/facts.py`).
  `redbag report --server` reads the same facts from any FHIR server holding red bags, by FHIR search
  only (transfer Encounters with `_include` of their Patient and hospital, care-home Locations by `_id`,
  discharge summaries with `_include=Composition:entry`, medicines by `_id`), in slices of
  `_lastUpdated` read at once, paged with `_count`, page by page into a scratch database. The same SQL
  counts both (`adapter/store/measure_queries.py`): the stays are built once into a temporary table,
  classified and summed per care home and hospital in the database; Python adds up a few hundred rows.
  Why SQL in the service's own database and not DuckDB over the NDJSON output: the facts are kept
  current as transfers and events arrive, so the measures need no export step, run on SQLite and
  PostgreSQL alike, and are as fresh as the live board. 100,000 transfers take about 1.5 s of CPU
  (`benchmarks/measures.py`).
- **Not recorded is not zero.** What a source does not hold (on a FHIR server that holds only red bags
  and return journeys: admissions without a red bag, visits, and the Discharge Ready Date of a resident
  still in hospital; belongings before any return journey) is shown as "not recorded", never as 0.

## Small numbers

A count from 1 to N-1 is shown as `<N`, and any figure that would reveal one is withheld ("suppressed"):
a percentage when its numerator, denominator or their difference is small, a rate per 100 when its
numerator or denominator is, a mean over fewer than N stays. N is {DEFAULT_THRESHOLD} by default
(`redbag report --suppress-below N`; 1 shows every number, only for people who may see the residents'
records). Zero is shown. The report and its CSV name no resident, no NHS number and no bag number; a read
from a FHIR server keeps NHS numbers only as a keyed hash, in a temporary file (hazards H9, H26).

## Discharge Ready Date

The ready date comes from issue 16 (discharge readiness). The measure reads `ready_day` (the ready date as
days since 1970-01-01) from `journey_facts` (a journey's facts, `adapter/measures/facts.journey_facts`) or
`transfer_facts` (a red bag's or its return journey's, `ReturnFacts.ready_day`), whichever is set; until a
stay has one, the measure says "not recorded".
"""


def measures_markdown() -> str:
    """docs/measures.md."""
    parts = [INTRO]
    for m in MEASURES:
        parts.append(f"## {m.title} (`{m.id}`)\n")
        parts.append(f"**What it counts.** {m.definition}\n")
        parts.append(f"**What it cannot count.** {m.cannot_count}\n")
        splits = {
            ("all",): "",
            ("all", "with", "without"): " Each also with and without a red bag.",
        }.get(m.splits, "")
        if m.id == "belongings":
            splits = " Each also by kind of item (hearing aids, dentures and glasses always shown)."
        parts.append(f"Figures:{splits}\n")
        parts.extend(f"- `{s.id}`: {s.label} ({_FORMS[s.form]})" for s in m.statistics)
        parts.append("")
    parts.append(
        f"Readmissions look {READMISSION_DAYS} days after each discharge, over every stay held, so a "
        "readmission after the end of the period is found.\n"
    )
    return "\n".join(parts)
