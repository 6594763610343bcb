"""`redbag packages install`: the package cache layout, idempotence and clear failures.

npm itself is replaced by a runner that writes a real tarball (the network is not part of these tests).
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from adapter.errors import PackageError
from adapter.validation import Validator, packages

FILES = {
    "package/package.json": {"name": "hl7.fhir.r4.examples", "version": "4.0.1", "license": "CC0-1.0"},
    "package/StructureDefinition-Thing.json": {
        "resourceType": "StructureDefinition",
        "id": "Thing",
        "url": "http://hl7.org/fhir/StructureDefinition/Thing",
    },
    "package/ValueSet-colours.json": {
        "resourceType": "ValueSet",
        "id": "colours",
        "url": "http://hl7.org/fhir/ValueSet/colours",
    },
    "package/Patient-example.json": {"resourceType": "Patient", "id": "example"},
}


class FakeNpm:
    """Writes a tarball with FILES where ``npm pack`` would."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, args: list[str], cwd: Path) -> None:
        self.calls.append(args)
        dest = Path(args[args.index("--pack-destination") + 1])
        with tarfile.open(dest / "pkg-1.0.0.tgz", "w:gz") as tar:
            for name, content in FILES.items():
                data = json.dumps(content).encode()
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))


def test_core_is_built_from_the_examples_package(tmp_path: Path) -> None:
    npm = FakeNpm()
    assert packages.install_package(packages.CORE, tmp_path, npm) is True
    folder = packages.package_dir(packages.CORE, tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == [
        ".index.json",
        "StructureDefinition-Thing.json",
        "ValueSet-colours.json",
        "package.json",
    ]
    manifest = json.loads((folder / "package.json").read_text())
    assert (manifest["name"], manifest["version"]) == ("hl7.fhir.r4.core", "4.0.1")
    index = json.loads((folder / ".index.json").read_text())
    assert {f["url"] for f in index["files"]} == {
        "http://hl7.org/fhir/StructureDefinition/Thing",
        "http://hl7.org/fhir/ValueSet/colours",
    }
    assert npm.calls[0][:2] == ["pack", "hl7.fhir.r4.examples@4.0.1"]
    assert (tmp_path / "packages.ini").read_text().startswith("[cache]")


def test_install_is_idempotent(tmp_path: Path) -> None:
    npm = FakeNpm()
    packages.install_package(packages.TERMINOLOGY, tmp_path, npm)
    assert packages.install_package(packages.TERMINOLOGY, tmp_path, npm) is False
    assert len(npm.calls) == 1
    kept = packages.package_dir(packages.TERMINOLOGY, tmp_path)
    assert (kept / "Patient-example.json").is_file()  # non-core packages are kept whole


def test_npm_failure_is_a_package_error(tmp_path: Path) -> None:
    def failing(args: list[str], cwd: Path) -> None:
        raise PackageError("`npm pack` failed (exit 1): E404 not found")

    with pytest.raises(PackageError, match="E404"):
        packages.install_package(packages.CORE, tmp_path, failing)
    assert not packages.is_installed(packages.CORE, tmp_path)


def test_missing_npm_is_explained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PackageError, match="npm"):
        packages.install_package(packages.CORE, tmp_path)


def test_missing_definitions_tell_the_user_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(PackageError, match="redbag packages install"):
        Validator.load(package_root=tmp_path, profiles_dir=None, use_cache=False)


def test_cache_root_honours_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(packages.ENV_CACHE, str(tmp_path))
    assert packages.cache_root() == tmp_path
