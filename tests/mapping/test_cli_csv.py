"""``redbag convert DIR --mapping ...`` as a user runs it: exit codes, messages, the options."""

from __future__ import annotations

import builtins
import shutil
from pathlib import Path
from typing import Any

import orjson
import pytest

from adapter.cli import main

ROOT = Path(__file__).parents[2]
EXAMPLE_EXPORT = ROOT / "examples" / "csv"
SYNTHEA = ROOT / "tests" / "data" / "csv" / "synthea"


def test_convert_an_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["convert", str(EXAMPLE_EXPORT), "--mapping", "care-home-csv", "--out", str(tmp_path)])
    assert code == 0
    err = capsys.readouterr().err
    assert (
        "converted 10 of 10 resident(s) (care-home-csv): 0 held back, 0 row error(s), "
        "3 converted with 3 warning(s)" in err
    )
    assert "\r" not in err  # no progress line when stderr is not a terminal
    assert len(list(tmp_path.glob("*.document.json"))) == 10
    lines = (tmp_path / "errors.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "severity,file,line,column,value,reason,resident"
    assert all(line.startswith("warning,") for line in lines[1:])  # gaps that travel: exit status 0


def test_failing_rows_exit_1_and_are_listed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    export = tmp_path / "export"
    shutil.copytree(EXAMPLE_EXPORT, export)
    meds = export / "medications.csv"
    meds.write_bytes(meds.read_bytes().replace(b",active,", b",actve,", 1))
    code = main(["convert", str(export), "--mapping", "care-home-csv", "--out", str(tmp_path / "out")])
    assert code == 1
    err = capsys.readouterr().err
    assert "medications.csv line 2, status: unknown value (expected one of: active" in err
    assert "converted 9 of 10 resident(s) (care-home-csv): 1 held back, 1 row error(s)" in err


def test_layout_problems_exit_2_before_any_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    export = tmp_path / "export"
    shutil.copytree(EXAMPLE_EXPORT, export)
    (export / "contacts.csv").unlink()
    out = tmp_path / "out"
    assert main(["convert", str(export), "--mapping", "care-home-csv", "--out", str(out)]) == 2
    assert "contacts.csv: no such file" in capsys.readouterr().err
    assert not list(out.glob("*.json"))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--mapping", "care-home-csv", "--set", "nope=1"], "unknown --set name(s) nope"),
        (["--mapping", "synthea", "--set", "care_home_type"], "--set 'care_home_type': give NAME=VALUE"),
        (
            ["--mapping", "synthea", "--set", "care_home_type=hotel"],
            "--set care_home_type='hotel': unknown value",
        ),
        (["--mapping", "synthea", "--as-of", "soon"], "--as-of 'soon'"),
        (["--mapping", "no-such-layout"], "no mapping named 'no-such-layout'"),
        (["--ndjson"], "go with --mapping"),
        (
            ["--mapping", "care-home-csv", "--ndjson", "--format", "xml"],
            "cannot be combined with --format xml",
        ),
    ],
)
def test_usage_errors_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    export = SYNTHEA if "synthea" in argv else EXAMPLE_EXPORT
    assert main(["convert", str(export), "--out", str(tmp_path), *argv]) == 2
    assert message in capsys.readouterr().err


def test_one_folder_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "convert",
        str(EXAMPLE_EXPORT),
        str(SYNTHEA),
        "--mapping",
        "care-home-csv",
        "--out",
        str(tmp_path),
    ]
    assert main(argv) == 2
    assert "give one folder (got 2 inputs)" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(
            [
                "convert",
                str(EXAMPLE_EXPORT),
                "--mapping",
                "care-home-csv",
                "--out",
                str(tmp_path),
                "--jobs",
                "0",
            ]
        )
    assert info.value.code == 2


def test_synthea_constants_reach_the_red_bag(tmp_path: Path) -> None:
    argv = ["convert", str(SYNTHEA), "--mapping", "synthea", "--as-of", "2026-04-01", "--out", str(tmp_path),
            "--set", "care_home_ods_code=vab12", "--set", "care_home_name=Oak Lodge",
            "--set", "bag_prefix=RB-OAK", "--ndjson"]  # fmt: skip
    main(argv)  # exit 1 until the contract takes RxNorm medicines; the patient without medicines converts
    locations = [orjson.loads(line) for line in (tmp_path / "Location.ndjson").read_bytes().splitlines()]
    assert [loc["name"] for loc in locations] == ["Oak Lodge"]
    lists = [orjson.loads(line) for line in (tmp_path / "List.ndjson").read_bytes().splitlines()]
    bags = {
        i["value"] for lst in lists for i in lst.get("identifier", []) if i["system"].endswith("bag-number")
    }
    assert "RB-OAK-0b2f7c1e-0003-4a6e-9d1a-000000000003" in bags
    organizations = (tmp_path / "Organization.ndjson").read_bytes()
    assert b'"VAB12"' in organizations


def test_validate_without_the_validator_is_a_clear_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real_import = builtins.__import__

    def no_validation(name: str, *args: Any, **kwargs: Any) -> Any:  # fault injection: validator missing
        if name == "adapter.validation" or name.startswith("adapter.validation."):
            raise ImportError("No module named 'adapter.validation'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_validation)
    argv = [
        "convert",
        str(EXAMPLE_EXPORT),
        "--mapping",
        "care-home-csv",
        "--validate",
        "--out",
        str(tmp_path),
    ]
    assert main(argv) == 2
    assert (
        "--validate needs the validator (adapter.validation), which is not available"
        in capsys.readouterr().err
    )
    assert not list(tmp_path.glob("*.json"))


def test_json_path_is_unchanged(tmp_path: Path) -> None:
    summary = ROOT / "examples" / "no-known-allergies.summary.json"
    assert main(["convert", str(summary), "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "RB-VL9P3-1042.document.json",
        "RB-VL9P3-1042.transaction.json",
    ]


def test_progress_is_drawn_on_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(["convert", str(EXAMPLE_EXPORT), "--mapping", "care-home-csv", "--out", str(tmp_path)]) == 0
    assert "\rconverting: 10 of 10 residents" in capsys.readouterr().err


def test_an_unwritable_output_folder_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "out"
    blocker.write_text("a file, not a folder", encoding="utf-8")
    assert main(["convert", str(EXAMPLE_EXPORT), "--mapping", "care-home-csv", "--out", str(blocker)]) == 1
    assert f"convert {EXAMPLE_EXPORT}:" in capsys.readouterr().err
