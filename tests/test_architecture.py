"""The package's layering (ARCHITECTURE.md) and the docs stay true to the code."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from adapter.cli import build_parser

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "adapter"

#: Who may import whom. Bottom: errors/config; then fhir and redbag; then the sibling layers, which never
#: import each other; service and cli on top, imported by nothing. ``exchange`` and ``render`` orchestrate
#: the domain for the top layers.
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "config": {"errors"},
    "fhir": {"errors"},
    "redbag": {"errors", "fhir"},
    "pathway": {"errors", "fhir", "redbag"},
    "hl7v2": {"errors", "config", "fhir", "redbag", "pathway"},
    "notify": {"errors", "fhir", "redbag", "pathway"},
    "mapping": {"errors", "fhir", "redbag"},
    "validation": {"errors", "fhir"},
    "client": {"errors", "fhir"},
    "store": {"errors", "config", "fhir"},
    "render": {"errors", "fhir", "redbag"},
    "exchange": {"errors", "fhir", "redbag", "client"},
    "service": {
        "errors",
        "config",
        "fhir",
        "redbag",
        "mapping",
        "validation",
        "client",
        "store",
        "render",
        "exchange",
        "pathway",
        "hl7v2",
        "notify",
    },
    "cli": {
        "errors",
        "config",
        "fhir",
        "redbag",
        "mapping",
        "validation",
        "client",
        "store",
        "render",
        "exchange",
        "service",
        "pathway",
        "hl7v2",
        "notify",
    },
}


def layer_of(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def imported_layers(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "adapter" and len(parts) > 1:
                found.add(parts[1])
    return found


MODULES = [p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_layering(path: Path) -> None:
    layer = layer_of(path)
    assert layer in ALLOWED, f"{layer} is not a known layer: add it to ARCHITECTURE and this test"
    illegal = imported_layers(path) - ALLOWED[layer] - {layer}
    assert not illegal, f"{path.relative_to(ROOT)} ({layer}) imports {sorted(illegal)}"


def test_only_fhir_imports_fhir_resources() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in PACKAGE.rglob("*.py")
        if layer_of(p) != "fhir" and "fhir.resources" in p.read_text(encoding="utf-8")
    ]
    assert not offenders


def test_every_command_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    assert commands, "no sub-commands registered"
    missing = [name for name in commands if f"redbag {name}" not in readme]
    assert not missing, f"commands missing from README.md: {missing}"
