"""`redbag validate` and `redbag packages`: output and exit codes (0 valid, 1 invalid, 2 usage)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapter.cli import main
from adapter.validation import Validator
from tests.validation.helpers import CORE, profile

NARRATIVE = {"status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml">x</div>'}


@pytest.fixture
def files(tmp_path: Path, validator: Validator) -> dict[str, Path]:
    out = {
        "good": {"resourceType": "Patient", "id": "a", "text": NARRATIVE},
        "bad": {"resourceType": "Patient", "id": "a", "gender": "nope", "text": NARRATIVE},
        "profile": profile(
            "http://example.org/sd/named", CORE + "Patient", [{"path": "Patient.name", "min": 1}]
        ),
    }
    paths = {}
    for name, content in out.items():
        paths[name] = tmp_path / f"{name}.json"
        paths[name].write_text(json.dumps(content), encoding="utf-8")
    paths["xml"] = tmp_path / "good.xml"
    paths["xml"].write_text(
        '<Patient xmlns="http://hl7.org/fhir"><id value="a"/></Patient>', encoding="utf-8"
    )
    return paths


def test_valid_file_exits_0(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(files["good"]), str(files["xml"])]) == 0
    out = capsys.readouterr().out
    assert f"{files['good']}: valid" in out and f"{files['xml']}: valid" in out


def test_invalid_file_exits_1_and_names_the_location(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(files["good"]), str(files["bad"])]) == 1
    assert "Patient.gender" in capsys.readouterr().out


def test_outcome_format(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(files["bad"]), "--format", "outcome"]) == 1
    outcome = json.loads(capsys.readouterr().out)
    assert outcome["resourceType"] == "OperationOutcome"
    assert {i["expression"][0] for i in outcome["issue"] if i["severity"] == "error"} == {"Patient.gender"}


def test_profile_from_a_file(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(files["good"]), "--profile", str(files["profile"])]) == 1
    assert "Patient.name: minimum required = 1" in capsys.readouterr().out


def test_profile_by_url_with_definitions(files: dict[str, Path]) -> None:
    args = [
        "validate",
        str(files["good"]),
        "--definitions",
        str(files["profile"]),
        "--profile",
        "http://example.org/sd/named",
    ]
    assert main(args) == 1


@pytest.mark.parametrize(
    "args",
    [
        ["validate"],
        ["validate", "missing.json"],
        ["validate", "{good}", "--profile", "http://example.org/none"],
        ["validate", "{good}", "--format", "yaml"],
    ],
    ids=["no-files", "missing-file", "unknown-profile", "bad-format"],
)
def test_usage_errors_exit_2(files: dict[str, Path], args: list[str]) -> None:
    args = [a.replace("{good}", str(files["good"])) for a in args]
    try:
        code = main(args)
    except SystemExit as exc:  # argparse
        code = int(exc.code or 0)
    assert code == 2


def test_packages_list(capsys: pytest.CaptureFixture[str], validator: Validator) -> None:
    assert main(["packages", "list"]) == 0
    assert "hl7.fhir.r4.core#4.0.1" in capsys.readouterr().out
