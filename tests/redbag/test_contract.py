"""The input contract: every violation reported with its JSON path, all at once."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from adapter.errors import ContractError, EncodingError, InputError, InputTooLargeError
from adapter.redbag import check_discharge, check_summary, discharge_violations, summary_violations
from adapter.redbag.contract import assess_summary, read_json_file

NOW = datetime(2026, 1, 1, tzinfo=UTC)
SAMPLE = Path(__file__).parent.parent / "data" / "summary.json"


@pytest.fixture
def summary() -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads(SAMPLE.read_bytes())
    return data


def paths(data: Any) -> dict[str, str]:
    return {v.path: v.message for v in summary_violations(data, now=NOW)}


def test_sample_is_valid(summary: dict[str, Any]) -> None:
    assert summary_violations(summary, now=NOW) == []


def test_invalid_nhs_number_is_named(summary: dict[str, Any]) -> None:
    summary["resident"]["nhsNumber"] = "9434765918"
    assert "modulus 11" in paths(summary)["$.resident.nhsNumber"]


def warnings(data: Any) -> dict[str, str]:
    return {v.path: v.message for v in assess_summary(data, now=NOW).warnings}


@pytest.mark.parametrize("section", ["bagNumber", "createdAt", "careHome", "resident", "transfer", "author"])
def test_missing_required_section(summary: dict[str, Any], section: str) -> None:
    del summary[section]
    assert paths(summary)[f"$.{section}"] == "is required"


@pytest.mark.parametrize(
    "section", ["contacts", "baseline", "medications", "resuscitation", "belongings", "consentToShare"]
)
def test_missing_section_travels_with_a_warning(summary: dict[str, Any], section: str) -> None:
    del summary[section]
    if section != "consentToShare":
        summary["consentToShare"] = {"given": True, "by": "resident"}  # 'lpa' would need an LPA contact
    assert paths(summary) == {}
    assert "not recorded" in warnings(summary)[f"$.{section}"]


def test_wrong_types_reported_with_paths(summary: dict[str, Any]) -> None:
    summary["medications"][0]["timeCritical"] = "yes"
    summary["belongings"][0]["quantity"] = "one"
    summary["contacts"] = {}
    found = paths(summary)
    assert "boolean" in found["$.medications[0].timeCritical"]
    assert "integer" in found["$.belongings[0].quantity"]
    assert "array" in found["$.contacts"]


def test_future_dates_are_rejected(summary: dict[str, Any]) -> None:
    summary["createdAt"] = "2026-03-01T10:00:00+00:00"
    summary["medications"][0]["lastDoseGiven"] = "2026-01-01T01:00:00+01:00"  # 00:00Z = now: allowed
    summary["conditions"][0]["onset"] = "2027"
    found = paths(summary)
    assert found["$.createdAt"].startswith("is in the future")
    assert found["$.conditions[0].onset"].startswith("is in the future")
    assert "$.medications[0].lastDoseGiven" not in found


def test_allergies_and_no_known_allergies_together(summary: dict[str, Any]) -> None:
    summary["noKnownAllergies"] = True
    assert "one or the other" in paths(summary)["$.noKnownAllergies"]


def test_neither_allergies_nor_no_known_allergies_travels_with_a_warning(summary: dict[str, Any]) -> None:
    del summary["allergies"]
    assert paths(summary) == {}
    assert "no known allergies" in warnings(summary)["$.allergies"]


def test_time_critical_medicine_without_last_dose_travels_with_a_warning(summary: dict[str, Any]) -> None:
    summary["medications"][0]["timeCritical"] = True
    del summary["medications"][0]["lastDoseGiven"]
    assert paths(summary) == {}
    assert "time-critical" in warnings(summary)["$.medications[0].lastDoseGiven"]


def test_last_dose_of_an_ordinary_medicine_is_optional(summary: dict[str, Any]) -> None:
    summary["medications"][0]["timeCritical"] = False
    del summary["medications"][0]["lastDoseGiven"]
    assert "$.medications[0].lastDoseGiven" not in warnings(summary)


def test_strict_refuses_on_warnings(summary: dict[str, Any]) -> None:
    del summary["baseline"]
    assert assess_summary(summary, now=NOW).warnings
    with pytest.raises(ContractError) as caught:
        assess_summary(summary, now=NOW, strict=True)
    assert [v.path for v in caught.value.violations] == ["$.baseline"]
    assert "--strict" in str(caught.value)


def test_unknown_nhs_number_needs_local_id_and_reason(summary: dict[str, Any]) -> None:
    del summary["resident"]["nhsNumber"]
    del summary["resident"]["nhsNumberVerified"]
    found = paths(summary)
    assert set(found) == {"$.resident.localId", "$.resident.nhsNumberUnavailableReason"}


def test_all_violations_at_once(summary: dict[str, Any]) -> None:
    summary["resident"]["nhsNumber"] = "1234567890"
    summary["careHome"]["odsCode"] = "lower"
    summary["unexpected"] = 1
    summary["belongings"].append(copy.deepcopy(summary["belongings"][0]))
    summary["medications"][0]["code"]["code"] = "322236008"  # one digit off: Verhoeff fails
    with pytest.raises(ContractError) as info:
        check_summary(summary, source="x.json", now=NOW)
    found = {v.path for v in info.value.violations}
    assert found == {
        "$.resident.nhsNumber",
        "$.careHome.odsCode",
        "$.unexpected",
        "$.belongings[2].item",
        "$.medications[0].code.code",
    }
    assert str(info.value).startswith("x.json: 5 contract violation(s)")


def test_discharge_must_follow_transfer(summary: dict[str, Any]) -> None:
    discharge = {
        "bagNumber": summary["bagNumber"],
        "dischargedAt": "2025-10-26T01:00:00+00:00",
        "dischargeDestination": {"odsCode": "VN4R7", "name": "Beech House"},
        "dischargeSummary": "Home.",
        "medicationChanges": [],
        "belongingsReturned": [{"item": "Spare glasses", "status": "returned"}],
    }
    found = {v.path: v.message for v in discharge_violations(discharge, summary, now=NOW)}
    assert "not after the transfer departed" in found["$.dischargedAt"]
    assert "did not go out" in found["$.belongingsReturned[0].item"]
    discharge["dischargedAt"] = "2025-11-02T11:00:00+00:00"
    discharge["belongingsReturned"] = []
    assert check_discharge(discharge, summary, now=NOW) is discharge


def test_non_utf8_bytes_are_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.json"
    bad.write_bytes('{"name": "Zoë"}'.encode("latin-1"))
    with pytest.raises(EncodingError, match=r"latin1\.json: not UTF-8 text \(byte 0xeb"):
        read_json_file(bad)


def test_malformed_json_names_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text('{\n  "bagNumber": "x",\n  oops\n}')
    with pytest.raises(InputError, match=r"broken\.json: malformed JSON at line 3, column 3"):
        read_json_file(bad)


def test_fifty_megabyte_file_is_rejected_by_size(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as f:
        f.write(b'{"padding": "')
        f.write(b"x" * (50 * 1024 * 1024))
        f.write(b'"}')
    with pytest.raises(
        InputTooLargeError, match=r"big\.json: 52,428,815 bytes is over the 10,485,760-byte limit"
    ):
        read_json_file(big)
