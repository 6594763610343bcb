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
    "measures": {"errors", "fhir", "redbag", "pathway", "store", "client"},
    "report": {"errors", "measures"},
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
        "measures",
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
        "measures",
        "report",
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


def module_name(path: Path, root: Path) -> str:
    """The dotted name of a module file (a package's ``__init__.py`` is the package)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, root: Path, known: set[str]) -> set[str]:
    """Every module of ``adapter`` this file imports, wherever the import stands (top level, inside a
    function, under ``if TYPE_CHECKING``), absolute or relative; ``from pkg import name`` counts as an
    import of ``pkg.name`` when that is a module, else of ``pkg``."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in known)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            for alias in node.names:
                if f"{source}.{alias.name}" in known:
                    found.add(f"{source}.{alias.name}")
                elif source in known:
                    found.add(source)
    found.discard(name)
    return found


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Who imports whom among the modules of the ``adapter`` package under ``root``."""
    files = {module_name(p, root): p for p in (root / "adapter").rglob("*.py")}
    known = set(files)
    return {name: imported_modules(path, root, known) for name, path in files.items()}


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each as a list of names."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return cycles


def circle(graph: dict[str, set[str]], group: list[str]) -> str:
    """The shortest circle through the first module of a group (a -> b -> ... -> a), for the message."""
    start, members = group[0], set(group)
    paths = {start: [start]}
    queue = [start]
    for here in queue:  # breadth first: the first way back to the start is a shortest one
        for w in sorted(graph[here] & members):
            if w == start:
                return " -> ".join([*paths[here], start])
            if w not in paths:
                paths[w] = [*paths[here], w]
                queue.append(w)
    return ", ".join(group)


def test_no_import_cycles_anywhere_in_the_package() -> None:
    graph = import_graph()
    cycles = import_cycles(graph)
    assert not cycles, "import cycles in adapter/: " + "; ".join(circle(graph, group) for group in cycles)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"a/__init__.py": "", "a/x.py": "from adapter.a import y", "a/y.py": "import adapter.a.x"}, 1),
        ({"a/__init__.py": "", "a/x.py": "from . import y", "a/y.py": "def f():\n    from .x import g"}, 1),
        (
            {
                "a/__init__.py": "",
                "a/x.py": "import typing\nif typing.TYPE_CHECKING:\n    from adapter.a.y import Y",
                "a/y.py": "from adapter.a.x import X",
            },
            1,
        ),
        (
            {
                "a/__init__.py": "from adapter.a.x import X",
                "a/x.py": "from adapter.a.y import Y",
                "a/y.py": "",
            },
            0,
        ),
    ],
    ids=["absolute", "relative-and-lazy", "type-checking-only", "package-reexports-no-cycle"],
)
def test_the_cycle_finder_finds_cycles(tmp_path: Path, files: dict[str, str], expected: int) -> None:
    """The finder itself: any import counts (relative, inside a function, for type checking only)."""
    for rel, text in {"__init__.py": "", **files}.items():
        (tmp_path / "adapter" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "adapter" / rel).write_text(text, encoding="utf-8")
    assert len(import_cycles(import_graph(tmp_path))) == expected


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
