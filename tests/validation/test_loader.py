"""Definitions: the profiles folder, extra files (JSON and XML), precedence and the on-disk cache."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from adapter.errors import PackageError, ValidationSetupError
from adapter.validation import Validator
from adapter.validation.loader import Definitions
from tests.validation.helpers import CORE, errors, patient, profile

URL = "http://example.org/fhir/StructureDefinition/needs-name"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("REDBAG_CACHE_DIR", str(folder))
    return folder


def _profiles(tmp_path: Path) -> Path:
    folder = tmp_path / "profiles"
    (folder / "fsh-generated" / "resources").mkdir(parents=True)
    (folder / "node_modules" / "x").mkdir(parents=True)
    sd = profile(URL, CORE + "Patient", [{"path": "Patient.name", "min": 1}])
    (folder / "fsh-generated" / "resources" / "StructureDefinition-needs-name.json").write_text(
        json.dumps(sd)
    )
    (folder / "sushi-config.json").write_text('{"name": "not a resource"}')
    (folder / "node_modules" / "x" / "package.json").write_text("{}")
    return folder


def _load(**kw: object) -> Definitions:
    try:
        return Definitions.load(**kw)  # type: ignore[arg-type]
    except PackageError as exc:
        pytest.skip(f"FHIR packages are not installed: {exc}")


def test_profiles_folder_is_read_recursively_and_snapshots_generated(tmp_path: Path, cache: Path) -> None:
    defs = _load(profiles_dir=_profiles(tmp_path))
    info = defs.structure(URL)
    assert info is not None and info.root.by_name["name"].min == 1
    v = Validator(defs)
    assert [i.expression for i in errors(v.validate_issues(patient(), URL))] == ["Patient"]


def test_warm_load_uses_the_cache(tmp_path: Path, cache: Path) -> None:
    folder = _profiles(tmp_path)
    _load(profiles_dir=folder)
    assert len(list(cache.glob("definitions-*.pickle"))) == 1
    started = time.perf_counter()
    defs = _load(profiles_dir=folder)
    assert time.perf_counter() - started < 2.0
    assert defs.structure(URL) is not None
    # a changed profile is a new cache key
    sd_file = next(folder.rglob("StructureDefinition-*.json"))
    sd = json.loads(sd_file.read_text())
    sd["differential"]["element"][0]["min"] = 2
    sd_file.write_text(json.dumps(sd))
    assert _load(profiles_dir=folder).structure(URL).root.by_name["name"].min == 2  # type: ignore[union-attr]
    assert len(list(cache.glob("definitions-*.pickle"))) == 2


def test_extra_xml_definitions(tmp_path: Path, cache: Path) -> None:
    xml = tmp_path / "vs.xml"
    xml.write_text("""<ValueSet xmlns="http://hl7.org/fhir"><url value="http://example.org/vs/x"/>
      <status value="active"/><compose><include><system value="http://example.org/cs"/>
      <concept><code value="a"/></concept></include></compose></ValueSet>""")
    defs = _load(extra=[xml], profiles_dir=None)
    vs = defs.value_set("http://example.org/vs/x")
    assert vs is not None and vs["compose"]["include"][0]["concept"] == [{"code": "a"}]


def test_extra_definitions_must_be_readable(tmp_path: Path, cache: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValidationSetupError, match=r"bad\.json"):
        _load(extra=[bad], profiles_dir=None)
    with pytest.raises(ValidationSetupError, match="does not exist"):
        _load(extra=[tmp_path / "missing.json"], profiles_dir=None)


def test_extra_definitions_take_precedence_over_core(tmp_path: Path, cache: Path) -> None:
    vs = {
        "resourceType": "ValueSet",
        "url": "http://hl7.org/fhir/ValueSet/administrative-gender",
        "status": "active",
        "compose": {
            "include": [
                {"system": "http://hl7.org/fhir/administrative-gender", "concept": [{"code": "other"}]}
            ]
        },
    }
    f = tmp_path / "gender.json"
    f.write_text(json.dumps(vs))
    v = Validator(_load(extra=[f], profiles_dir=None))
    assert errors(v.validate_issues(patient(gender="male")))
    assert not errors(v.validate_issues(patient(gender="other")))
