"""What a care home can manage, in the resident-summary contract and in FHIR: wrong input refused naming the
field, the example's HealthcareService read back whole, and the "What we can manage" section always there."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from adapter.errors import ContractError
from adapter.redbag import assess_summary, build_bundles, document_to_summary, normalise_summary
from adapter.redbag.readiness_contract import capabilities_violations
from tests.redbag.test_field_policy import _example

Json = dict[str, Any]


def _with(**block: Any) -> Json:
    summary = _example("return-journey.summary.json")
    summary["careHome"]["capabilities"] = block
    return summary


@pytest.mark.parametrize(
    ("block", "path", "words"),
    [
        ({"care": ["bowel-care", "juggling"]}, "$.careHome.capabilities.care[1]", "must be one of"),
        ({"equipment": ["hoist", "hoist"]}, "$.careHome.capabilities.equipment", "non-unique"),
        ({"discharge": ["hoist"]}, "$.careHome.capabilities.discharge[0]", "must be one of"),
        ({"returns": []}, "$.careHome.capabilities.returns", "should be non-empty"),
        (
            {"returns": [{"days": ["mon"], "from": "8:00", "until": "17:00"}]},
            "$.careHome.capabilities.returns[0].from",
            "time of day",
        ),
        (
            {"returns": [{"days": ["mon"], "from": "09:00", "until": "24:00"}]},
            "$.careHome.capabilities.returns[0].until",
            "time of day",
        ),
        (
            {"returns": [{"days": ["mon"], "from": "17:00", "until": "09:00"}]},
            "$.careHome.capabilities.returns[0].until",
            "a window ends after it starts",
        ),
        (
            {"returns": [{"days": ["funday"], "from": "09:00", "until": "17:00"}]},
            "$.careHome.capabilities.returns[0].days[0]",
            "must be one of",
        ),
        (
            {"returns": [{"from": "09:00", "until": "17:00"}]},
            "$.careHome.capabilities.returns[0].days",
            "required",
        ),
        ({"confirmedOn": "2025-02-30"}, "$.careHome.capabilities.confirmedOn", "calendar"),
        ({"confirmedOn": "2099-01-01"}, "$.careHome.capabilities.confirmedOn", "future"),
        ({"note": "we are lovely"}, "$.careHome.capabilities.note", "not a field"),
    ],
)
def test_wrong_capabilities_are_refused_naming_the_field(block: Json, path: str, words: str) -> None:
    with pytest.raises(ContractError) as refused:
        assess_summary(_with(**block))
    found = {v.path: v.message for v in refused.value.violations}
    assert path in found and words in found[path], found


def test_the_published_block_is_checked_the_same_way() -> None:
    found = capabilities_violations({"care": ["juggling"], "confirmedOn": "2099-01-01"})
    assert [v.path for v in found] == ["$.care[0]"]  # the schema first, then the rules
    assert [v.path for v in capabilities_violations({"confirmedOn": "2099-01-01"})] == ["$.confirmedOn"]
    assert capabilities_violations(_example("care-home-capabilities.json")) == []


@pytest.mark.parametrize("confirmed", ["2025", "2025-03", "2025-03-03"])
def test_a_list_dated_by_month_or_year_travels_as_written(confirmed: str) -> None:
    summary = _with(confirmedOn=confirmed, care=["bowel-care"])
    document, _ = build_bundles(assess_summary(summary).data)
    assert document_to_summary(document)["careHome"]["capabilities"]["confirmedOn"] == confirmed


def test_the_example_reads_back_whole_and_the_section_is_always_there() -> None:
    summary = _example("return-journey.summary.json")
    document, transaction = build_bundles(assess_summary(summary).data)
    assert document_to_summary(document) == normalise_summary(summary)
    section = document["entry"][0]["resource"]["section"][-1]
    assert section["title"] == "What we can manage" and len(section["entry"]) == 1
    requests = [
        e["request"] for e in transaction["entry"] if e["resource"]["resourceType"] == "HealthcareService"
    ]
    assert requests == [
        {
            "method": "PUT",
            "url": "HealthcareService?identifier=https://redbag.dev/fhir/Id/care-home-capabilities|VR8D2",
        }
    ], "one record per care home, updated to what the latest red bag says"
    without = copy.deepcopy(summary)
    del without["careHome"]["capabilities"]
    document, _ = build_bundles(assess_summary(without).data)
    assert document["entry"][0]["resource"]["section"][-1]["title"] == "What we can manage"
    assert "capabilities" not in document_to_summary(document)["careHome"]


def test_the_capabilities_and_the_checklist_are_valid_by_our_validator() -> None:
    """The example's HealthcareService (in the document and the transaction) and the resulting checklist's
    Tasks claim their profiles and carry no error by our validator (the HL7 validator's cross-check of the
    same: scripts/hl7-crosscheck.sh); a return window that ends before it starts is refused (rb-cap-1)."""
    from adapter.cli.readiness import checklist_bundle
    from adapter.validation import Validator
    from tests.pathway.test_readiness import return_journey_readiness

    summary, found = return_journey_readiness()
    document, transaction = build_bundles(assess_summary(summary).data)
    checklist = checklist_bundle(summary, found)
    validator = Validator.load()
    claimed = {
        (e["resource"]["resourceType"], *e["resource"].get("meta", {}).get("profile", []))
        for bundle, kind in ((document, "HealthcareService"), (checklist, "Task"))
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == kind
    }
    assert claimed == {
        (
            "HealthcareService",
            "https://redbag.dev/fhir/StructureDefinition/RedBagCareHomeCapabilities",
            "https://fhir.hl7.org.uk/StructureDefinition/UKCore-HealthcareService",
        ),
        (
            "Task",
            "https://redbag.dev/fhir/StructureDefinition/RedBagReadinessTask",
            "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Task",
        ),
    }
    for bundle in (document, transaction, checklist):
        issues = validator.validate(bundle)["issue"]
        assert [i for i in issues if i["severity"] in ("error", "fatal")] == [], bundle["type"]
    broken = copy.deepcopy(document)
    (service,) = (
        e["resource"] for e in broken["entry"] if e["resource"]["resourceType"] == "HealthcareService"
    )
    window = service["availableTime"][0]
    window["availableStartTime"], window["availableEndTime"] = (
        window["availableEndTime"],
        window["availableStartTime"],
    )
    errors = [i for i in validator.validate(broken)["issue"] if i["severity"] == "error"]
    assert any("rb-cap-1" in i.get("diagnostics", "") for i in errors), errors
