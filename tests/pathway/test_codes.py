"""Every UK Core code redbag knows is in UK Core (read from the corpus when it is there)."""

from __future__ import annotations

import re

import pytest

from adapter.pathway.codes import (
    ADMIT_SOURCE_SYSTEM,
    ADMIT_SOURCES,
    CARE_HOME_CODES,
    DISCHARGE_DESTINATION_SYSTEM,
    DISCHARGE_DESTINATIONS,
)
from tests.corpora import ukcore

CORPUS = ukcore() / "codesystems"
pytestmark = pytest.mark.corpus


def uk_core(name: str) -> tuple[str, dict[str, str]]:
    path = CORPUS / f"CodeSystem-{name}.xml"
    if not path.exists():
        pytest.skip(f"the UK Core corpus is not at {CORPUS}")
    text = path.read_text("utf-8")
    url = re.search(r'<url value="([^"]+)"', text)
    assert url is not None
    concepts = re.findall(r'<concept>\s*<code value="([^"]*)"\s*/>\s*<display value="([^"]*)"\s*/>', text)
    return url.group(1), dict(concepts)


@pytest.mark.parametrize(
    ("name", "system", "ours"),
    [
        ("UKCore-SourceOfAdmissionEngland", ADMIT_SOURCE_SYSTEM, ADMIT_SOURCES),
        ("UKCore-DischargeDestinationEngland", DISCHARGE_DESTINATION_SYSTEM, DISCHARGE_DESTINATIONS),
    ],
)
def test_codes_are_uk_cores(name: str, system: str, ours: dict[str, str]) -> None:
    url, theirs = uk_core(name)
    assert url == system
    assert set(ours) == set(theirs), "the same codes, every one"
    for code, display in ours.items():
        assert theirs[code].startswith(display), f"{code}: {display!r} is not how UK Core's display begins"


def test_care_home_codes_mean_care_homes() -> None:
    _, admit = uk_core("UKCore-SourceOfAdmissionEngland")
    for code in CARE_HOME_CODES:
        assert "Care Home" in admit[code] or "residential accommodation" in admit[code]
