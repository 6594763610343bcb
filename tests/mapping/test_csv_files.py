"""Reading exports as spreadsheets and care systems write them: encodings, line ends, order, line numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapter.errors import MappingError
from adapter.mapping import csvfiles
from adapter.mapping.csvfiles import PrepareOrder, partition, prepare, read_range
from adapter.mapping.join import join


def prepared(
    path: Path, tmp_path: Path, *, key: str = "id", unique: tuple[str, ...] = ()
) -> csvfiles.Prepared:
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    return prepare(PrepareOrder(path.stem, str(path), ",", key, unique, str(work)))


def rows(
    source: csvfiles.PreparedSource, low: str | None = None, high: str | None = None
) -> list[tuple[str, int, list[str]]]:
    return list(read_range(source, low, high))


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("id,name\r\n1,Zoë £5\r\n".encode(), "utf-8"),
        (b"\xef\xbb\xbf" + "id,name\r\n1,Zoë £5\r\n".encode(), "utf-8"),  # Excel's "CSV UTF-8"
        ("id,name\r\n1,Zoë £5\r\n".encode("cp1252"), "cp1252"),  # Excel's plain "CSV"
        ("id,name\n1,Zoë £5\n".encode(), "utf-8"),
    ],
    ids=["utf-8", "utf-8-bom", "windows-1252", "lf"],
)
def test_encodings_and_line_ends(tmp_path: Path, data: bytes, encoding: str) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(data)
    source = prepared(path, tmp_path).source
    assert source.encoding == encoding
    assert source.header == ("id", "name")
    assert rows(source) == [("1", 2, ["1", "Zoë £5"])]


def test_windows_1252_detected_late_in_a_file(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    body = "".join(f"{i:04d},plain\r\n" for i in range(5000))
    path.write_bytes(("id,name\r\n" + body + "9999,Siobhán\r\n").encode("cp1252"))
    source = prepared(path, tmp_path).source
    assert source.encoding == "cp1252"
    assert rows(source, "9999") == [("9999", 5002, ["9999", "Siobhán"])]


def test_utf16_is_refused_with_advice(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes("id,name\r\n1,x\r\n".encode("utf-16"))
    with pytest.raises(MappingError, match=r"UTF-16 .* save the file as CSV UTF-8"):
        prepared(path, tmp_path)


def test_quoted_line_breaks_keep_line_numbers_true(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_bytes(b'id,note\r\n1,"two\r\nlines"\r\n\r\n2,"three\nlines\nhere"\r\n3,plain\r\n')
    source = prepared(path, tmp_path).source
    assert rows(source) == [
        ("1", 2, ["1", "two\r\nlines"]),
        ("2", 5, ["2", "three\nlines\nhere"]),  # line 4 is blank
        ("3", 8, ["3", "plain"]),
    ]


def test_cells_and_header_names_are_trimmed(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(b" id , name \r\n 1 ,  Ann  \r\n")
    source = prepared(path, tmp_path).source
    assert source.header == ("id", "name")
    assert rows(source) == [("1", 2, ["1", "Ann"])]


def test_out_of_order_file_is_sorted_on_disk_with_its_line_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csvfiles, "SORT_RUN", 7)  # several runs, merged
    monkeypatch.setattr(csvfiles, "INDEX_EVERY", 4)
    keys = [f"R{(i * 37) % 50:03d}" for i in range(60)]
    path = tmp_path / "meds.csv"
    path.write_text("id,n\n" + "".join(f"{k},{i}\n" for i, k in enumerate(keys)), encoding="utf-8")
    source = prepared(path, tmp_path).source
    assert source.sorted_copy and source.rows == 60
    got = rows(source)
    assert [k for k, _, _ in got] == sorted(keys)
    for key, line, cells in got:
        assert keys[line - 2] == key and cells == [key, str(line - 2)]  # the line is the original line
    lines_by_key = [(k, ln) for k, ln, _ in got]
    assert lines_by_key == sorted(lines_by_key)  # rows of one key keep their file order
    # Any key range reads exactly its rows, by seeking through the sparse index.
    assert [k for k, _, _ in rows(source, "R010", "R020")] == [
        k for k in sorted(keys) if "R010" <= k < "R020"
    ]


def test_sorted_file_is_read_in_place_and_seeks_by_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csvfiles, "INDEX_EVERY", 3)
    path = tmp_path / "r.csv"
    path.write_text("id,v\n" + "".join(f'K{i:03d},"v\n{i}"\n' for i in range(40)), encoding="utf-8")
    source = prepared(path, tmp_path).source
    assert not source.sorted_copy and len(source.index) == 14
    got = rows(source, "K017", "K021")
    assert [(k, ln) for k, ln, _ in got] == [("K017", 36), ("K018", 38), ("K019", 40), ("K020", 42)]


def test_partition_covers_every_key_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csvfiles, "INDEX_EVERY", 2)
    path = tmp_path / "r.csv"
    path.write_text("id\n" + "".join(f"K{i:03d}\n" for i in range(30)), encoding="utf-8")
    source = prepared(path, tmp_path).source
    ranges = partition(source, 3)
    assert len(ranges) == 3 and ranges[0][0] is None and ranges[-1][1] is None
    seen = [k for low, high in ranges for k, _, _ in rows(source, low, high)]
    assert seen == [f"K{i:03d}" for i in range(30)]
    assert partition(source, 1) == [(None, None)]


def test_join_groups_every_source_by_key(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("id,x\n1,a\n2,b\n4,d\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("id,y\n2,p\n2,q\n3,r\n", encoding="utf-8")
    a = prepared(tmp_path / "a.csv", tmp_path).source
    b = prepared(tmp_path / "b.csv", tmp_path).source
    groups = [(g.key, {n: [ln for ln, _ in r] for n, r in g.rows.items()}) for g in join([a, b], None, None)]
    assert groups == [("1", {"a": [2]}), ("2", {"a": [3], "b": [2, 3]}), ("3", {"b": [4]}), ("4", {"a": [4]})]


def test_unique_columns_find_every_row_sharing_a_value(tmp_path: Path) -> None:
    path = tmp_path / "residents.csv"
    path.write_text("id,bag\nR1,B1\nR2,B2\nR3,B1\nR4,\nR5,\n", encoding="utf-8")
    found = prepared(path, tmp_path, unique=("bag",)).duplicates
    assert sorted(found) == [
        ("R1", 2, "bag", "duplicate bag: also on line 4 (resident 'R3')"),
        ("R3", 4, "bag", "duplicate bag: also on line 2 (resident 'R1')"),
    ]  # empty values are not duplicates of each other


def test_missing_file_and_blank_header_are_clear(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="no such file"):
        prepared(tmp_path / "nope.csv", tmp_path)
    (tmp_path / "blank.csv").write_bytes(b"\r\n1,2\r\n")
    with pytest.raises(MappingError, match="blank header"):
        prepared(tmp_path / "blank.csv", tmp_path)
