"""H20: every pattern that decides whether a value is accepted takes the whole string, and a value with a
final line break is refused, by the engine that applies it.

Walks the code (every module of ``adapter``: compiled patterns and how they are used, patterns given to
pydantic) and the schemas (the resident-summary and discharge contracts, the mapping schema, the published
OpenAPI document), and proves each pattern refuses ``value + "\\n"`` for values it accepts (generated from
the pattern itself), in each engine that applies it: Python's ``re`` as the code calls it, both JSON
Schema engines (``jsonschema`` and ``jsonschema-rs``), pydantic-core.
"""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import jsonschema
import jsonschema_rs
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import StringConstraints, TypeAdapter, ValidationError

from adapter.redbag.text import END

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "adapter"
VALIDATING = frozenset({"match", "fullmatch"})
FINDING = frozenset({"search", "sub", "subn", "findall", "finditer", "split"})

#: Patterns that do not judge a whole value, by design, and why: they find or replace text inside a
#: longer text, read the start of a text (the rest is another check's business), or allow trailing white
#: space where the format does.
NOT_WHOLE = {
    "adapter.service.logmask._NHS_NUMBER": "masks NHS numbers wherever they appear in a log line",
    "adapter.service.routers.residents._NOT_HEADER_TEXT": "replaces what a header value cannot carry",
    "adapter.redbag.text._FORBIDDEN": "finds a forbidden character anywhere in a text",
    "adapter.redbag.text._CONTROL": "escapes control characters anywhere in a text",
    "adapter.redbag.dates._BEYOND_MICROSECONDS": "trims the fraction of a value already checked whole",
    "adapter.mapping.compiler._TEMPLATE": "finds {column} references in a mapping's template",
    "adapter.mapping.compiler._INDEX": "removes [n] from a JSON path",
    "adapter.hl7v2.message._SEGMENT_BREAK": "splits an HL7 message into segments",
    "adapter.client.response_reading.LOCATION": "finds Type/id in a Location header",
    "adapter.fhir.narrative_rules._STYLE_FETCH": "finds a fetch anywhere in a style attribute (refused)",
    "adapter.fhir.narrative_rules._DATA_IMAGE": "base64 may end in white space, a line break included",
    "adapter.render.pdf._PAGE": "counts the pages of a PDF",
    "adapter.render.pdf._MEDIA_BOX": "finds the page sizes of a PDF",
    "adapter.render.pdf._OBJECT_STREAM": "finds the object streams of a PDF",
    "adapter.validation.engine._INDEX": "removes [n] from a FHIRPath",
    "adapter.validation.engine._PARENT": "removes the last step of a FHIRPath",
    "adapter.validation.engine._OF_TYPE": "removes .ofType(...) from a FHIRPath",
    "adapter.validation.extensions._PARENT": "removes the last step of a FHIRPath",
    "adapter.validation.primitives._DATE_PARTS": "reads the date at the start of a date-time already checked",
    "adapter.validation.primitives._TZ": "finds a time zone at the end of a date-time already checked",
    "adapter.validation.primitives._ID_CHARS": "removes the characters an id may hold, to name the others",
    "adapter.validation.references._TYPE_ID": "finds Type/id at the end of a reference",
    "adapter.validation.narrative._SCHEME": "reads the scheme at the start of a URL",
    "adapter.validation.terminology._MIME_TYPE": "a MIME type's parameters after ';' may hold anything",
    "adapter.validation.xml_input._DOCTYPE": "finds a DOCTYPE anywhere in the first bytes",
    "adapter.validation.xml_input._ENCODING": "reads the encoding at the start of an XML document",
    "adapter.validation.xml_input._STATED_ENCODING": "rewrites the encoding in an XML declaration",
}


@dataclass(frozen=True)
class CodePattern:
    """A compiled pattern of the package and the methods the code calls on it."""

    name: str  # module.attribute
    pattern: re.Pattern[Any]
    uses: frozenset[str]


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "__main__.py":
            continue
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        yield module, ast.parse(path.read_text("utf-8"))


def _uses(module: str, tree: ast.Module) -> dict[tuple[str, str], set[str]]:
    """``NAME.method(...)`` calls in a module: the methods called on each (defining module, name); a name
    imported from another module of the package counts there; ``x.NAME.method`` counts as ("*", NAME)."""
    imported = {
        alias.asname or alias.name: node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
    }
    found: dict[tuple[str, str], set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = node.func.value
            if isinstance(target, ast.Name):
                key = (imported.get(target.id, module), target.id)
            elif isinstance(target, ast.Attribute):
                key = ("*", target.attr)
            else:
                continue
            found.setdefault(key, set()).add(node.func.attr)
    return found


def code_patterns() -> list[CodePattern]:
    """Every module-level compiled pattern of the package, with how any module uses it."""
    uses: dict[tuple[str, str], set[str]] = {}
    modules = list(_modules())
    for module, tree in modules:
        for key, methods in _uses(module, tree).items():
            uses.setdefault(key, set()).update(methods)
    found = []
    for module, _ in modules:
        loaded = importlib.import_module(module)
        for name, value in vars(loaded).items():
            if isinstance(value, re.Pattern):
                methods = uses.get((module, name), set()) | uses.get(("*", name), set())
                known = frozenset(methods & (VALIDATING | FINDING))
                found.append(CodePattern(f"{module}.{name}", value, known))
    return found


def direct_calls() -> list[tuple[str, str, str]]:
    """``re.fullmatch("...", x)`` and the like: (where, method, pattern) for literal patterns."""
    found = []
    for module, tree in _modules():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "re"
                and node.func.attr in VALIDATING | FINDING
                and node.args
            ):
                first = node.args[0]
                where = f"{module}:{node.lineno}"
                pattern = first.value if isinstance(first, ast.Constant) else None
                found.append((where, node.func.attr, pattern))
    return found


def pydantic_patterns() -> list[tuple[str, str]]:
    """Every ``pattern=`` given to pydantic or FastAPI (a literal, or a module constant)."""
    found = []
    for module, tree in _modules():
        loaded = None
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "pattern":
                if isinstance(node.value, ast.Constant):
                    found.append((f"{module}:{node.value.lineno}", node.value.value))
                elif isinstance(node.value, ast.Name):
                    loaded = loaded or importlib.import_module(module)
                    found.append((f"{module}:{node.value.id}", getattr(loaded, node.value.id)))
    return found


def _schema_patterns(node: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield where, value
            elif key == "patternProperties" and isinstance(value, dict):
                yield from ((f"{where}/patternProperties", k) for k in value)
            yield from _schema_patterns(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _schema_patterns(value, f"{where}/{i}")


def schema_patterns() -> list[tuple[str, str]]:
    """Every pattern of the shipped JSON Schemas and of the published OpenAPI document."""
    from adapter.service import create_app
    from tests.service.helpers import make_settings

    files = [
        PACKAGE / "redbag" / "schemas" / "resident-summary.schema.json",
        PACKAGE / "redbag" / "schemas" / "discharge.schema.json",
        PACKAGE / "mapping" / "schemas" / "mapping.schema.json",
    ]
    found = []
    for path in files:
        found += list(_schema_patterns(orjson.loads(path.read_bytes()), path.name))
    found += list(_schema_patterns(create_app(make_settings(Path("/nonexistent"))).openapi(), "openapi"))
    return sorted(set(found))


CODE = code_patterns()
VALIDATORS = [p for p in CODE if p.uses & VALIDATING and p.name not in NOT_WHOLE]
EXAMPLES = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)


def _accepted(pattern: str | bytes, flags: int = 0) -> st.SearchStrategy[Any]:
    return st.from_regex(re.compile(pattern, flags), fullmatch=True)


def test_h20_every_pattern_of_the_code_is_known_as_a_validator_or_a_finder() -> None:
    """A pattern used to search or replace, or that reads only the start of a text, is listed with its
    reason; every other one judges a whole value (and is tested below); none is unused or used in a way
    this walk cannot see."""
    names = {p.name for p in CODE}
    assert set(NOT_WHOLE) <= names, f"NOT_WHOLE names patterns that are gone: {set(NOT_WHOLE) - names}"
    finders = {p.name for p in CODE if p.uses & FINDING}
    unexplained = finders - set(NOT_WHOLE)
    assert not unexplained, f"search or replace without a reason in NOT_WHOLE: {unexplained}"
    unseen = [p.name for p in CODE if not p.uses]
    assert not unseen, f"compiled patterns whose use the walk cannot see: {unseen}"
    assert len(VALIDATORS) >= 20


@pytest.mark.parametrize("found", VALIDATORS, ids=lambda p: p.name)
@EXAMPLES
@given(data=st.data())
def test_h20_every_validating_pattern_refuses_a_final_line_break(
    found: CodePattern, data: st.DataObject
) -> None:
    value = data.draw(_accepted(found.pattern.pattern, found.pattern.flags))
    line_break = "\n" if isinstance(value, str) else b"\n"
    for method in found.uses & VALIDATING:
        assert getattr(found.pattern, method)(value) is not None or method == "match"
        assert getattr(found.pattern, method)(value + line_break) is None, (method, value)


def test_h20_direct_calls_take_the_whole_value() -> None:
    """``re.match``/``re.fullmatch`` with a literal pattern: whole-string; no dynamic validating pattern."""
    for where, method, pattern in direct_calls():
        if method in VALIDATING:
            assert pattern is not None, f"{where}: a validating pattern built at run time"
            assert method == "fullmatch" or pattern.endswith(r"\Z"), f"{where}: re.{method}({pattern!r})"


SCHEMA = schema_patterns()


def test_h20_every_schema_pattern_is_written_whole() -> None:
    """``^...$(?!\\n)``: both JSON Schema engines read it alike (see adapter/redbag/text.py)."""
    assert len(SCHEMA) >= 25
    loose = [(where, p) for where, p in SCHEMA if not (p.startswith("^") and p.endswith(END))]
    assert not loose, loose


@pytest.mark.parametrize(("where", "pattern"), SCHEMA, ids=[f"{w}:{p[:30]}" for w, p in SCHEMA])
@EXAMPLES
@given(data=st.data())
def test_h20_every_schema_pattern_refuses_a_final_line_break_in_both_engines(
    where: str, pattern: str, data: st.DataObject
) -> None:
    schema = {"type": "string", "pattern": pattern}
    engines = [jsonschema.Draft202012Validator(schema), jsonschema_rs.validator_for(schema)]
    value = data.draw(_accepted(pattern))
    for engine in engines:
        assert engine.is_valid(value), (type(engine).__name__, value)
        assert not engine.is_valid(value + "\n"), (type(engine).__name__, value)


PYDANTIC = pydantic_patterns()


@pytest.mark.parametrize(("where", "pattern"), PYDANTIC, ids=[w for w, _ in PYDANTIC])
@EXAMPLES
@given(data=st.data())
def test_h20_every_pydantic_pattern_refuses_a_final_line_break(
    where: str, pattern: str, data: st.DataObject
) -> None:
    """As FastAPI and pydantic apply them (pydantic-core's engine, where ``$`` is the end of the text)."""
    field = TypeAdapter(Annotated[str, StringConstraints(pattern=pattern)])
    value = data.draw(_accepted(pattern))
    assert field.validate_python(value) == value
    with pytest.raises(ValidationError):
        field.validate_python(value + "\n")
