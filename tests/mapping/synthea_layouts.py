"""Synthea CSV exports in either layout, written by the tests from an export in the current layout.

The earlier layout (Synthea's CSV data dictionary of March 2019, the revision cited in mappings/synthea.yaml)
lacks ``MIDDLE``, ``FIPS`` and ``INCOME`` in patients.csv, ``SYSTEM`` in conditions.csv, and ``SYSTEM``,
``TYPE``, ``CATEGORY``, ``REACTION1``/``2``, ``DESCRIPTION1``/``2``, ``SEVERITY1``/``2`` in allergies.csv.
Its allergy codes were all SNOMED CT, so a current export's RxNorm allergy rows have no earlier-layout form:
:func:`write_layout` leaves them out of that layout (and says how many it left out).
"""

from __future__ import annotations

import csv
from pathlib import Path

#: The files the synthea mapping reads.
FILES = ("patients.csv", "conditions.csv", "medications.csv", "allergies.csv", "devices.csv")
#: Columns the earlier layout does not have, per file.
EARLIER_LACKS: dict[str, frozenset[str]] = {
    "patients.csv": frozenset({"MIDDLE", "FIPS", "INCOME"}),
    "conditions.csv": frozenset({"SYSTEM"}),
    "allergies.csv": frozenset(
        {
            "SYSTEM",
            "TYPE",
            "CATEGORY",
            "REACTION1",
            "DESCRIPTION1",
            "SEVERITY1",
            "REACTION2",
            "DESCRIPTION2",
            "SEVERITY2",
        }
    ),
}
LAYOUTS = ("current", "earlier")

ROOT = Path(__file__).parents[2]


def write_layout(source: Path, folder: Path, layout: str) -> int:
    """Write the export in ``source`` (current layout) to ``folder`` in ``layout``; return how many rows had
    no form in that layout (RxNorm allergies, for the earlier one)."""
    folder.mkdir(parents=True, exist_ok=True)
    left_out = 0
    for name in FILES:
        with (source / name).open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        header, body = rows[0], rows[1:]
        if layout == "earlier":
            if name == "allergies.csv":
                system = header.index("SYSTEM")
                kept = [r for r in body if r[system] == "SNOMED-CT"]
                left_out += len(body) - len(kept)
                body = kept
            keep = [i for i, column in enumerate(header) if column not in EARLIER_LACKS.get(name, ())]
            header = [header[i] for i in keep]
            body = [[r[i] for i in keep] for r in body]
        with (folder / name).open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow(header)
            writer.writerows(body)
    return left_out
