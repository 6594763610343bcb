"""The local FHIR package cache (``~/.fhir/packages``) and ``redbag packages install``.

The R4 core definitions are not published on npm as ``hl7.fhir.r4.core``; the examples package
``hl7.fhir.r4.examples@4.0.1`` holds every core StructureDefinition (with snapshot), ValueSet and
CodeSystem, so the installer keeps its conformance resources and lays them out as the standard
``hl7.fhir.r4.core#4.0.1`` package folder (https://confluence.hl7.org/display/FHIR/NPM+Package+Specification).
Tarballs are fetched with the ordinary ``npm pack`` client, so the user's npm configuration decides the
registry.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from adapter.errors import PackageError

ENV_CACHE = "FHIR_PACKAGE_CACHE"

# Resource types kept from the examples package when building the core package.
CONFORMANCE_TYPES = frozenset(
    {
        "CapabilityStatement",
        "CodeSystem",
        "CompartmentDefinition",
        "ConceptMap",
        "GraphDefinition",
        "ImplementationGuide",
        "MessageDefinition",
        "NamingSystem",
        "OperationDefinition",
        "SearchParameter",
        "StructureDefinition",
        "StructureMap",
        "TerminologyCapabilities",
        "ValueSet",
    }
)


@dataclass(frozen=True)
class PackageSpec:
    """One package to install: its name and version in the cache, and the npm package it comes from."""

    name: str
    version: str
    source: str  # npm ``name@version`` to fetch
    conformance_only: bool = False  # keep only CONFORMANCE_TYPES (and rename the package)

    @property
    def folder(self) -> str:
        """The cache folder name, ``name#version``."""
        return f"{self.name}#{self.version}"


CORE = PackageSpec("hl7.fhir.r4.core", "4.0.1", "hl7.fhir.r4.examples@4.0.1", conformance_only=True)
# The only published R4 builds of these two (checked with ``npm view NAME versions``).
TERMINOLOGY = PackageSpec("hl7.terminology.r4", "7.0.1", "hl7.terminology.r4@7.0.1")
EXTENSIONS = PackageSpec(
    "hl7.fhir.uv.extensions.r4", "5.3.0-ballot-tc1", "hl7.fhir.uv.extensions.r4@5.3.0-ballot-tc1"
)
PACKAGES = (CORE, TERMINOLOGY, EXTENSIONS)
#: The International Patient Summary (the only version on npm; its dependency hl7.fhir.uv.ipa is not there,
#: and none of its profiles need it). Installed with the others; the validator loads it when it is present,
#: so a cache without it still validates everything else.
IPS = PackageSpec("hl7.fhir.uv.ips", "2.0.0", "hl7.fhir.uv.ips@2.0.0")
GUIDES = (IPS,)

NpmRunner = Callable[[list[str], Path], None]
# The cache layout version the current HL7 package cache manager (validator, IG publisher) expects.
PACKAGES_INI = "[cache]\nversion = 4\n"


def cache_root() -> Path:
    """The package cache folder: ``$FHIR_PACKAGE_CACHE`` or ``~/.fhir/packages``."""
    override = os.environ.get(ENV_CACHE)
    return Path(override).expanduser() if override else Path.home() / ".fhir" / "packages"


def package_dir(spec: PackageSpec, root: Path | None = None) -> Path:
    """The ``package/`` folder of an installed package."""
    return (root or cache_root()) / spec.folder / "package"


def is_installed(spec: PackageSpec, root: Path | None = None) -> bool:
    """True when the package folder holds a package.json and an index."""
    folder = package_dir(spec, root)
    return (folder / "package.json").is_file() and (folder / ".index.json").is_file()


def require_installed(root: Path | None = None) -> list[Path]:
    """The package folders in load order (the implementation guides in GUIDES when installed); raise
    PackageError naming the fix when one of PACKAGES is missing."""
    missing = [spec for spec in PACKAGES if not is_installed(spec, root)]
    if missing:
        names = ", ".join(spec.folder for spec in missing)
        where = root or cache_root()
        raise PackageError(
            f"FHIR definitions missing from the package cache {where}: {names}. "
            "Run `redbag packages install` (it needs the npm client and network access once)."
        )
    return [package_dir(spec, root) for spec in PACKAGES] + [
        package_dir(spec, root) for spec in GUIDES if is_installed(spec, root)
    ]


def _run_npm(args: list[str], cwd: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise PackageError("`npm` was not found on PATH; install Node.js/npm to fetch FHIR packages")
    try:
        proc = subprocess.run([npm, *args], cwd=cwd, capture_output=True, text=True, timeout=900, check=False)
    except subprocess.TimeoutExpired as exc:
        raise PackageError(f"`npm {' '.join(args)}` timed out after 900 s") from exc
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
        raise PackageError(f"`npm {' '.join(args)}` failed (exit {proc.returncode}):\n{tail}")


def _index_entry(filename: str, res: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "filename": filename,
        "resourceType": res.get("resourceType"),
        "id": res.get("id"),
    }
    for key in ("url", "version", "kind", "type", "supplements", "content"):
        if isinstance(res.get(key), str):
            entry[key] = res[key]
    return entry


def write_index(folder: Path) -> int:
    """Write ``.index.json`` (index-version 2) for every resource file in a package folder."""
    files = []
    for path in sorted(folder.glob("*.json")):
        if path.name in ("package.json", ".index.json"):
            continue
        try:
            res = orjson.loads(path.read_bytes())
        except orjson.JSONDecodeError:
            continue
        if isinstance(res, dict) and isinstance(res.get("resourceType"), str):
            files.append(_index_entry(path.name, res))
    (folder / ".index.json").write_bytes(
        orjson.dumps({"index-version": 2, "files": files}, option=orjson.OPT_INDENT_2)
    )
    return len(files)


def _safe_members(tar: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    for member in tar.getmembers():
        name = member.name
        if member.isfile() and not name.startswith("/") and ".." not in Path(name).parts:
            yield member


def _unpack(tarball: Path, dest: Path) -> Path:
    with tarfile.open(tarball, "r:gz") as tar:
        tar.extractall(dest, members=_safe_members(tar), filter="data")
    inner = dest / "package"
    if not inner.is_dir():
        raise PackageError(f"{tarball.name} has no package/ folder; is it a FHIR package?")
    return inner


def _keep_conformance(unpacked: Path, target: Path, spec: PackageSpec) -> None:
    target.mkdir(parents=True)
    for path in unpacked.glob("*.json"):
        if path.name == "package.json":
            continue
        data = path.read_bytes()
        try:
            res = orjson.loads(data)
        except orjson.JSONDecodeError:
            continue
        if isinstance(res, dict) and res.get("resourceType") in CONFORMANCE_TYPES:
            (target / path.name).write_bytes(data)
    source = orjson.loads((unpacked / "package.json").read_bytes())
    manifest = {
        "name": spec.name,
        "version": spec.version,
        "fhirVersions": [spec.version],
        "type": "Core",
        "license": source.get("license", "CC0-1.0"),
        "canonical": source.get("canonical", "http://hl7.org/fhir"),
        "url": source.get("url", "http://hl7.org/fhir/R4"),
        "title": "FHIR R4 core definitions (conformance resources of hl7.fhir.r4.examples)",
        "description": f"Built by `redbag packages install` from {spec.source}",
        "author": source.get("author", "HL7 Inc"),
        "dependencies": {},
    }
    (target / "package.json").write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))


def ensure_cache_ini(root: Path) -> None:
    """Write ``packages.ini`` when absent: the HL7 Java tools empty a cache folder that lacks it."""
    root.mkdir(parents=True, exist_ok=True)
    ini = root / "packages.ini"
    if not ini.exists():
        ini.write_text(PACKAGES_INI, encoding="utf-8")


def install_package(spec: PackageSpec, root: Path | None = None, npm: NpmRunner = _run_npm) -> bool:
    """Install one package into the cache; False when it was already there (idempotent)."""
    root = root or cache_root()
    ensure_cache_ini(root)
    if is_installed(spec, root):
        return False
    with tempfile.TemporaryDirectory(prefix=".redbag-", dir=root) as tmp_name:
        tmp = Path(tmp_name)
        npm(["pack", spec.source, "--pack-destination", str(tmp), "--silent"], tmp)
        tarballs = sorted(tmp.glob("*.tgz"))
        if not tarballs:
            raise PackageError(f"`npm pack {spec.source}` produced no tarball")
        unpacked = _unpack(tarballs[0], tmp / "unpacked")
        staged = tmp / "staged" / "package"
        if spec.conformance_only:
            _keep_conformance(unpacked, staged, spec)
        else:
            staged.parent.mkdir(parents=True)
            shutil.move(str(unpacked), str(staged))
        if not (staged / ".index.json").is_file():
            write_index(staged)
        final = root / spec.folder
        if final.exists():
            shutil.rmtree(final)
        shutil.move(str(staged.parent), str(final))
    return True


def install_all(
    root: Path | None = None, npm: NpmRunner = _run_npm, progress: Callable[[str], None] | None = None
) -> list[tuple[PackageSpec, bool]]:
    """Install every package the validator needs, and the guides; returns (spec, newly installed) pairs."""
    done = []
    for spec in (*PACKAGES, *GUIDES):
        if progress:
            progress(
                f"{spec.folder}: " + ("present" if is_installed(spec, root) else f"fetching {spec.source}")
            )
        done.append((spec, install_package(spec, root, npm)))
    return done
