"""The International Patient Summary view: IPS sections and gaps the IPS way, nothing of the red bag lost,
the round trip back to the summary, and redbag's validator accepting it against IPS 2.0.0."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from adapter.errors import CompletenessError
from adapter.redbag import (
    assess_summary,
    build_bundles,
    check_summary,
    document_to_summary,
    normalise_summary,
    vocab,
)
from adapter.redbag import ips as ips_module
from adapter.redbag.contract import read_json_file
from adapter.redbag.ips import build_ips
from adapter.validation import Validator, packages
from tests.strategies import summaries

ROOT = Path(__file__).parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.summary.json"))
Json = dict[str, Any]
NOW = datetime(2026, 1, 1, tzinfo=UTC)
IPS = vocab.IPS_PROFILE


def ips_of(summary: Json) -> Json:
    return build_ips(check_summary(summary))


def sections(document: Json) -> dict[str, Json]:
    return {s["code"]["coding"][0]["code"]: s for s in document["entry"][0]["resource"]["section"]}


def resolve(document: Json, ref: Json) -> Json:
    found: Json = next(e["resource"] for e in document["entry"] if e["fullUrl"] == ref["reference"])
    return found


def items(document: Json, key: str) -> list[Json]:
    section = sections(document)[vocab.IPS_SECTIONS[key][0]]
    return [resolve(document, e) for e in section.get("entry", [])]


def empty_reason(document: Json, key: str) -> str | None:
    reason = sections(document)[vocab.IPS_SECTIONS[key][0]].get("emptyReason")
    return None if reason is None else str(reason["coding"][0]["code"])


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name.split(".")[0])
def test_every_example_reads_back_from_its_ips_view(path: Path) -> None:
    summary = read_json_file(path)
    document = ips_of(summary)
    assert document_to_summary(document) == normalise_summary(summary)
    composition = document["entry"][0]["resource"]
    assert composition["type"]["coding"][0]["code"] == "60591-5"
    assert document["meta"]["profile"][0] == f"{IPS}/Bundle-uv-ips"
    assert composition["meta"]["profile"][0] == f"{IPS}/Composition-uv-ips"
    for key in ("allergies", "medications", "problems"):  # IPS's required sections: entries or emptyReason
        section = sections(document)[vocab.IPS_SECTIONS[key][0]]
        assert bool(section.get("entry")) != bool(section.get("emptyReason")), key


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(summaries())
def test_summary_to_ips_to_summary_is_lossless(summary: Json) -> None:
    document = build_ips(assess_summary(summary, now=NOW).data)
    assert document_to_summary(document) == normalise_summary(summary)


def test_nothing_of_the_red_bag_is_left_out() -> None:
    """Every resource of the red-bag document is in the IPS one, but the Lists IPS sections stand in for."""
    for path in EXAMPLES:
        summary = check_summary(read_json_file(path))
        red, _ = build_bundles(summary)
        document = build_ips(summary)
        in_ips = {e["resource"]["id"] for e in document["entry"][1:]}
        left = [
            e["resource"]["meta"]["profile"][0].rsplit("/", 1)[1]
            for e in red["entry"][1:]
            if e["resource"]["id"] not in in_ips
        ]
        assert sorted(left) == ["RedBagAllergyList", "RedBagMedicationList", "RedBagProblemList"]
        codes = set(sections(document))
        for key in ("belongings", "contacts", "consent", "transfer", "baseline", "capabilities"):
            assert vocab.SECTIONS[key][1] in codes, f"{key}: the red bag's own section is missing"
        assert {vocab.IPS_ADVANCE_DIRECTIVES[0], vocab.IPS_FUNCTIONAL_STATUS[0]} <= codes


def base() -> Json:
    return read_json_file(ROOT / "tests" / "data" / "summary.json")


def test_gaps_are_carried_the_ips_way() -> None:
    summary = base()
    del summary["allergies"]
    del summary["medications"]
    summary["conditions"] = []
    document = ips_of(summary)
    assert (items(document, "allergies"), empty_reason(document, "allergies")) == ([], "notasked")
    assert (items(document, "medications"), empty_reason(document, "medications")) == ([], "notasked")
    assert (items(document, "problems"), empty_reason(document, "problems")) == ([], "nilknown")
    summary["medications"] = []
    summary["noKnownAllergies"] = True
    document = ips_of(summary)
    assert empty_reason(document, "medications") == "nilknown"
    (allergy,) = items(document, "allergies")
    assert allergy["code"]["coding"][0]["code"] == "716186003", "IPS's SNOMED CT concept for no known allergy"
    assert empty_reason(document, "allergies") is None
    assert document_to_summary(document) == normalise_summary(summary)


def test_required_sections_list_the_items_with_their_ips_profiles() -> None:
    document = ips_of(base())
    (statement, dose) = items(document, "medications")
    assert (statement["resourceType"], dose["resourceType"]) == (
        "MedicationStatement",
        "MedicationAdministration",
    )
    assert f"{IPS}/MedicationStatement-uv-ips" in statement["meta"]["profile"]
    assert statement["effectivePeriod"]["extension"][0]["valueCode"] == "unknown", "IPS requires effective[x]"
    (condition,) = items(document, "problems")
    assert f"{IPS}/Condition-uv-ips" in condition["meta"]["profile"]
    (flag,) = items(document, "resuscitation")
    assert f"{IPS}/Flag-alert-uv-ips" in flag["meta"]["profile"]
    patient = resolve(document, document["entry"][0]["resource"]["subject"])
    assert patient["meta"]["profile"][-1] == f"{IPS}/Patient-uv-ips"


def test_the_ips_view_is_deterministic_and_points_at_the_red_bag_document() -> None:
    summary = check_summary(base())
    assert build_ips(summary) == build_ips(summary)
    red, _ = build_bundles(summary)
    (relates,) = build_ips(summary)["entry"][0]["resource"]["relatesTo"]
    assert relates == {"code": "transforms", "targetIdentifier": red["identifier"]}


def test_h30_an_ips_view_that_loses_part_of_the_red_bag_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    drop = vocab.SECTIONS["belongings"][1]
    real = ips_module.ips_sections

    def losing(*args: Any) -> list[Json]:
        return [s for s in real(*args) if s["code"]["coding"][0]["code"] != drop]

    monkeypatch.setattr(ips_module, "ips_sections", losing)
    with pytest.raises(CompletenessError, match="IPS document"):
        ips_of(base())


def test_h30_a_gap_read_as_none_in_the_ips_view_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Medicines not recorded must stay 'not asked', never become 'none known'."""
    real = ips_module.ips_section

    def nil_known(code: Any, red: Json, entries: Any, empty: Json | None) -> Json:
        out = real(code, red, entries, empty)
        if "emptyReason" in out:
            out = copy.deepcopy(out)
            out["emptyReason"]["coding"][0]["code"] = "nilknown"
        return out

    summary = base()
    del summary["medications"]
    monkeypatch.setattr(ips_module, "ips_section", nil_known)
    with pytest.raises(CompletenessError, match="medications"):
        ips_of(summary)


# --- redbag's validator, against IPS 2.0.0 ------------------------------------------------------------------


@cache
def validator() -> Validator:
    if not packages.is_installed(packages.IPS):
        pytest.skip(f"{packages.IPS.folder} is not in the package cache: run `redbag packages install`")
    return Validator.load()


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name.split(".")[0])
def test_redbag_s_validator_accepts_the_ips_view(path: Path) -> None:
    outcome = validator().validate(ips_of(read_json_file(path)))
    errors = [i for i in outcome["issue"] if i["severity"] in ("error", "fatal")]
    assert not errors, errors[:5]


def test_redbag_s_validator_refuses_an_ips_view_without_its_required_sections() -> None:
    document = ips_of(base())
    composition = document["entry"][0]["resource"]
    composition["section"] = [
        s for s in composition["section"] if s["code"]["coding"][0]["code"] != "48765-2"
    ]
    outcome = validator().validate(document)
    assert any(
        "sectionAllergies" in i["details"]["text"] for i in outcome["issue"] if i["severity"] == "error"
    )


@pytest.mark.parametrize("profile", ["edd", "outcome", "status"])
def test_no_red_bag_observation_is_an_ips_pregnancy_observation(profile: str) -> None:
    """What the HL7 validator cannot decide offline (scripts/hl7-crosscheck.sh, --offline-limit), redbag's
    validator does: the pregnancy profiles' required code bindings leave out every observation we write."""
    url = f"{IPS}/Observation-pregnancy-{profile}-uv-ips"
    for path in EXAMPLES:
        document = ips_of(read_json_file(path))
        for e in document["entry"]:
            if e["resource"]["resourceType"] == "Observation":
                outcome = validator().validate(e["resource"], profile=url)
                codes = [
                    i
                    for i in outcome["issue"]
                    if i["severity"] == "error" and "code" in str(i.get("expression"))
                ]
                assert codes, f"{path.name}: {e['resource']['code']} might be a pregnancy observation"
