"""Property: any valid summaries, written as a care-home CSV export in any of the ways exports come, read back
as the same summaries (as far as the layout can say them)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapter.mapping import ConvertRequest
from adapter.mapping.batch import assess_export
from tests.mapping.care_home_export import expressible, resident_id_of, write_export
from tests.strategies import summaries

Json = dict[str, Any]


def _with_line_breaks(summary: Json, where: int) -> Json:
    """Some free text spans lines, as notes typed into a care system do."""
    if summary.get("belongings") and where % 2:
        summary["belongings"][0]["note"] = "kept in the\nblue case"
    summary.setdefault("baseline", {})["normalForMe"] = "Chatty in the morning.\r\nTired after lunch."
    return summary


exports = st.lists(summaries(), min_size=1, max_size=4, unique_by=(
    lambda s: s["bagNumber"], lambda s: s["resident"].get("localId") or s["bagNumber"]))  # fmt: skip


def _encoding(texts: list[Json], wanted: str) -> str:
    if wanted != "cp1252":
        return wanted
    try:
        repr_text = str(texts)
        repr_text.encode("cp1252")
        for s in texts:
            str(s).encode("cp1252")
    except UnicodeEncodeError:
        return "utf-8-sig"
    return "cp1252"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    drawn=exports,
    style=st.sampled_from(["true", "yes", "yn", "10"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
    newline=st.sampled_from(["\r\n", "\n"]),
    extra_columns=st.booleans(),
    row_order=st.sampled_from(["sorted", "reversed", "interleaved"]),
    where=st.integers(0, 3),
)
def test_generated_exports_round_trip(
    drawn: list[Json],
    style: str,
    encoding: str,
    newline: str,
    extra_columns: bool,
    row_order: str,
    where: int,
) -> None:
    drawn = [_with_line_breaks(s, where + n) for n, s in enumerate(drawn)]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "export"
        write_export(
            folder,
            drawn,
            style=style,
            encoding=_encoding(drawn, encoding),
            newline=newline,
            extra_columns=extra_columns,
            row_order=row_order,
        )
        read = {a.key: a for a in assess_export(ConvertRequest("care-home-csv", folder, Path(tmp) / "out"))}
    assert len(read) == len(drawn)
    for n, summary in enumerate(drawn):
        got = read[resident_id_of(summary, n)]
        assert got.status == "ok", got.problems
        assert got.summary == expressible(summary)
