"""The discharge-ready notification: valid FHIR R4 (the pathway-event extension with the Discharge Ready Date
and the count of needs the home cannot meet, the Encounter with its discharge-readiness extension, and every
checklist Task against RedBagReadinessTask), the same bytes every time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from adapter.notify import notification_bundle
from adapter.pathway import Notice, NoticeKind
from adapter.pathway.readiness_tasks import parties_of, readiness_tasks, stay_of
from adapter.redbag import check_summary
from adapter.redbag.contract import read_json_file
from adapter.redbag.discharge_delay import readiness_extension
from tests.pathway.test_readiness import return_journey_readiness

Json = dict[str, Any]
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _notification() -> Json:
    summary = check_summary(read_json_file(EXAMPLES / "return-journey.summary.json"))
    _, found = return_journey_readiness()
    stay = stay_of("transfer-1", summary)
    assert stay is not None
    return notification_bundle(
        base="https://redbag.example",
        subscription_id="s1",
        event_number=3,
        notice=Notice(NoticeKind.DISCHARGE_READY, found.recorded_at),
        journey=stay,
        timestamp="2025-04-01T15:20:00.000+00:00",
        extra=readiness_tasks(parties_of(summary), found.items, found.recorded_at),
        details=[
            {"url": "dischargeReadyDate", "valueDate": found.ready_date},
            {"url": "notPossible", "valueInteger": found.not_possible},
        ],
        encounter_extensions=[readiness_extension(found.ready_date)],
    )


@pytest.fixture(scope="module")
def validator() -> Any:
    from adapter.validation import Validator

    return Validator.load()


def test_discharge_ready_notification_is_valid_fhir(validator: Any) -> None:
    bundle = _notification()
    outcome = validator.validate(bundle)
    assert [i for i in outcome["issue"] if i["severity"] in ("error", "fatal")] == []
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds == ["Parameters", "Encounter", *["Task"] * 7]
    event = bundle["entry"][0]["resource"]["parameter"][-1]["extension"][0]["extension"]
    said = {e["url"]: next(v for k, v in e.items() if k.startswith("value")) for e in event}
    assert said["code"]["code"] == "discharge-ready"
    assert (said["dischargeReadyDate"], said["notPossible"]) == ("2025-04-02", 1)
    encounter = bundle["entry"][1]["resource"]
    assert encounter["extension"][0]["extension"][0] == {"url": "readyDate", "valueDate": "2025-04-02"}
    profiles = {e["resource"]["meta"]["profile"][0] for e in bundle["entry"][2:]}
    assert profiles == {"https://redbag.dev/fhir/StructureDefinition/RedBagReadinessTask"}  # validated above


def test_the_same_readiness_is_the_same_bytes() -> None:
    assert orjson.dumps(_notification()) == orjson.dumps(_notification())
