"""``redbag convert`` / ``return`` / ``to-summary`` as a user runs them."""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from adapter.cli import main

EXAMPLES = Path(__file__).parents[2] / "examples"


def test_convert_writes_both_bundles_per_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inputs = sorted(str(p) for p in EXAMPLES.glob("*.summary.json"))
    assert main(["convert", *inputs, "--out", str(tmp_path)]) == 0
    written = sorted(p.name for p in tmp_path.iterdir())
    assert len(written) == 2 * len(inputs)
    assert all(n.endswith((".document.json", ".transaction.json")) for n in written)
    assert f"converted {len(inputs)} of {len(inputs)}" in capsys.readouterr().err


def test_bad_file_is_reported_and_the_others_still_convert(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = EXAMPLES / "dementia-dnacpr.summary.json"
    data = orjson.loads(good.read_bytes())
    data["resident"]["nhsNumber"] = "9434765918"
    del data["author"]
    bad = tmp_path / "bad.summary.json"
    bad.write_bytes(orjson.dumps(data))
    latin = tmp_path / "latin1.summary.json"
    latin.write_bytes(b'{"bagNumber": "Zo\xeb"}')
    out = tmp_path / "out"
    assert main(["convert", str(bad), str(good), str(latin), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}: 2 problem(s):" in err
    assert "$.resident.nhsNumber: *******918 fails the NHS number check digit" in err
    assert "9434765918" not in err
    assert "$.author: is required" in err
    assert f"{latin}: not UTF-8 text" in err
    assert len(list(out.glob("*.json"))) == 2


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    assert main(["convert", str(tmp_path / "nope.json"), "--out", str(tmp_path)]) == 2


def test_usage_errors_exit_2() -> None:
    with pytest.raises(SystemExit) as info:
        main(["convert"])
    assert info.value.code == 2


def test_xml_format(tmp_path: Path) -> None:
    assert (
        main(
            [
                "convert",
                str(EXAMPLES / "local-id-only.summary.json"),
                "--out",
                str(tmp_path),
                "--format",
                "xml",
            ]
        )
        == 0
    )
    xml = next(tmp_path.glob("*.document.xml")).read_bytes()
    assert xml.startswith(b"<?xml") and b'<Bundle xmlns="http://hl7.org/fhir">' in xml


def test_return_and_to_summary(tmp_path: Path) -> None:
    summary = EXAMPLES / "return-journey.summary.json"
    assert (
        main(
            [
                "return",
                str(EXAMPLES / "return-journey.discharge.json"),
                "--summary",
                str(summary),
                "--out",
                str(tmp_path),
            ]
        )
        == 0
    )
    document = next(tmp_path.glob("*.return.document.json"))
    assert (
        orjson.loads(document.read_bytes())["entry"][0]["resource"]["type"]["coding"][0]["code"]
        == "373942005"
    )
    assert main(["convert", str(summary), "--out", str(tmp_path)]) == 0
    outbound = next(p for p in tmp_path.glob("*.document.json") if ".return." not in p.name)
    back = tmp_path / "back.json"
    assert main(["to-summary", str(outbound), "--out", str(back)]) == 0
    assert orjson.loads(back.read_bytes())["bagNumber"] == orjson.loads(summary.read_bytes())["bagNumber"]


@pytest.mark.parametrize("command", [[], ["convert"], ["return"], ["to-summary"]])
def test_help_shows_an_example(command: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "adapter.cli", *command, "--help"], capture_output=True, text=True, check=True
    )
    assert "example" in result.stdout and "redbag " in result.stdout


def test_convert_as_ips_writes_the_patient_summary_that_reads_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = EXAMPLES / "insulin-parkinsons.summary.json"
    assert main(["convert", str(source), "--out", str(tmp_path), "--as", "ips"]) == 0
    (written,) = tmp_path.iterdir()
    assert written.name.endswith(".ips.json")
    ips = orjson.loads(written.read_bytes())
    assert ips["entry"][0]["resource"]["type"]["coding"][0]["code"] == "60591-5"
    capsys.readouterr()
    back = tmp_path / "back.json"
    assert main(["to-summary", str(written), "--out", str(back)]) == 0
    from adapter.redbag import normalise_summary
    from adapter.redbag.contract import read_json_file

    assert orjson.loads(back.read_bytes()) == normalise_summary(read_json_file(source))


@pytest.mark.parametrize(
    "extra",
    [["--mapping", "care-home-csv", "--as", "ips"], ["--content-url", "https://records.nhs.uk/rb/"]],
    ids=["ips-with-mapping", "content-url-alone"],
)
def test_pointer_and_ips_options_misused_are_usage_errors(tmp_path: Path, extra: list[str]) -> None:
    assert (
        main(["convert", str(EXAMPLES / "dementia-dnacpr.summary.json"), "--out", str(tmp_path), *extra]) == 2
    )


def test_convert_pointer_writes_the_pdf_and_a_pointer_to_both(tmp_path: Path) -> None:
    from adapter.render import chromium_path

    if chromium_path() is None:
        pytest.skip("Chromium is not installed (scripts/install-chromium.sh): --pointer prints the PDF")
    source = EXAMPLES / "dementia-dnacpr.summary.json"
    base = "https://records.carehome.nhs.uk/redbag/"
    assert main(["convert", str(source), "--out", str(tmp_path), "--pointer", "--content-url", base]) == 0
    pointer = orjson.loads((tmp_path / "RB-VN4R7-0318.pointer.json").read_bytes())
    described = {c["attachment"]["url"]: c["attachment"] for c in pointer["content"]}
    assert set(described) == {f"{base}RB-VN4R7-0318.document.json", f"{base}RB-VN4R7-0318.pdf"}
    for url, attachment in described.items():
        data = (tmp_path / url.rsplit("/", 1)[1]).read_bytes()
        assert attachment["size"] == len(data)
        assert base64.b64decode(attachment["hash"]) == hashlib.sha1(data).digest()
    assert (tmp_path / "RB-VN4R7-0318.pdf").read_bytes().startswith(b"%PDF")
