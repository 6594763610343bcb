"""Mapping files are data, checked when loaded: every mistake is named before any row is read."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from adapter.errors import MappingError
from adapter.mapping import builtin_names, load
from adapter.mapping.compiler import referenced_columns
from adapter.mapping.spec import BUILTIN_DIR
from adapter.mapping.transforms import Context
from adapter.redbag import policy
from tests.mapping.care_home_export import COLUMNS

BASE: dict[str, Any] = yaml.safe_load((BUILTIN_DIR / "care-home-csv.yaml").read_text(encoding="utf-8"))


def context(spec: Any) -> Context:
    return Context(spec.zone(), datetime(2026, 4, 1, tzinfo=UTC), spec.maps)


def write_mapping(tmp_path: Path, data: dict[str, Any]) -> Path:
    (tmp_path / "codes").mkdir(exist_ok=True)
    for name in ("code-systems.yaml", "gender.yaml"):
        (tmp_path / "codes" / name).write_bytes((BUILTIN_DIR / "codes" / name).read_bytes())
    path = tmp_path / "layout.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def check(tmp_path: Path, data: dict[str, Any], options: dict[str, str] | None = None) -> dict[str, set[str]]:
    spec = load(str(write_mapping(tmp_path, data)))
    values = spec.option_values(options or {})
    return referenced_columns(spec, context(spec), {**values, "as_of": "2026-04-01T00:00:00+00:00"})


def test_the_shipped_mappings_load_and_name_their_columns() -> None:
    assert {"care-home-csv", "synthea"} <= set(builtin_names())
    spec = load("care-home-csv")
    columns = referenced_columns(spec, context(spec), {"as_of": "2026-04-01T00:00:00+00:00"})
    assert columns["medications"] == {
        "resident_id", "dmd_code", "display", "dose", "route", "frequency", "status", "time_critical",
        "last_dose_given", "sent_in_bag",
    }  # fmt: skip
    # Every column the layout documents (docs/care-home-csv.md), and no other.
    assert columns == {name.removesuffix(".csv"): set(cols) for name, cols in COLUMNS.items()}
    synthea = load("synthea")
    assert synthea.options["care_home_type"].default == "nursing"
    assert synthea.timezone == "UTC"


def test_a_mapping_file_path_works_like_a_name(tmp_path: Path) -> None:
    assert check(tmp_path, BASE)["belongings"] == {"resident_id", "item", "kind", "quantity", "note"}


def _edit(path: list[str], value: Any) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(yaml.safe_dump(BASE))
    target = data
    for part in path[:-1]:
        target = target[part]
    if value is None:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (["summary", "bagNumer"], {"column": "bag_number"}, "bagNumer: not a field of the resident summary"),
        (["summary", "careHome", "type"], {"column": "x", "transform": "nonsense"},
         "unknown transform 'nonsense'"),
        (["summary", "resident", "gender"], {"column": "gender", "transform": {"map": "sex"}},
         "no code map named 'sex'"),
        (["summary", "contacts"], {"each": "kin", "item": {"name": "name"}}, "no source named 'kin'"),
        (["summary", "author", "name"], {"option": "who"}, "option 'who' is not declared"),
        (["root"], "patients", "root 'patients' is not one of the sources"),
        (["sources", "residents", "file"], "../residents.csv", "does not match"),
        (["summary", "transfer", "reason"], {"column": "x", "colour": "red"}, "not valid"),
        (["timezone"], "Mars/Olympus", "unknown time zone"),
        (["maps", "gender"], {"file": "codes/nope.yaml"}, "cannot read"),
    ],
    ids=["unknown field", "unknown transform", "unknown map", "unknown source", "undeclared option",
         "bad root", "file outside the folder", "unknown key", "bad time zone", "missing code map file"],
)  # fmt: skip
def test_mistakes_are_named(tmp_path: Path, path: list[str], value: Any, message: str) -> None:
    with pytest.raises(MappingError, match=message):
        check(tmp_path, _edit(path, value))


def test_nested_rows_are_refused(tmp_path: Path) -> None:
    data = _edit(["summary", "conditions", "item", "note"], {"each": "contacts", "item": "name"})
    with pytest.raises(MappingError, match="only be gathered at the resident level"):
        check(tmp_path, data)


def test_options_unknown_required_and_checked(tmp_path: Path) -> None:
    synthea = load("synthea")
    with pytest.raises(MappingError, match="unknown --set name\\(s\\) care_home"):
        synthea.option_values({"care_home": "x"})
    data = _edit(["options"], {"home": {"required": True}})
    data["summary"]["careHome"]["name"] = {"option": "home"}
    with pytest.raises(MappingError, match="give --set home=VALUE"):
        check(tmp_path, data)
    assert check(tmp_path, data, {"home": "Oak Lodge"})
    data["summary"]["consentToShare"]["given"] = {"option": "home", "transform": "boolean"}
    with pytest.raises(MappingError, match="--set home='Oak Lodge': not a yes/no value"):
        check(tmp_path, data, {"home": "Oak Lodge"})


def test_unknown_mapping_names_are_listed(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="no mapping named 'care-home' \\(built in: care-home-csv"):
        load("care-home")
    with pytest.raises(MappingError, match="no such mapping file"):
        load(str(tmp_path / "missing.yaml"))
    (tmp_path / "broken.yaml").write_text("name: [unclosed", encoding="utf-8")
    with pytest.raises(MappingError, match="not valid YAML"):
        load(str(tmp_path / "broken.yaml"))


def _optional(source: str, *columns: str) -> dict[str, Any]:
    return _edit(["sources", source, "optional_columns"], list(columns))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_optional("contacts", "resident_id"), "sources.contacts: resident_id cannot be optional"),
        (_optional("residents", "bag_number"), "sources.residents: bag_number cannot be optional"),
        (_optional("residents", "author_name"), "author.name \\(required\\): column\\(s\\) author_name"),
        (
            _edit(["summary", "transfer", "symptoms"],
                  {"column": "transfer_symptoms", "without_column": {"const": "x"}}),
            "`without_column` is for a value read from optional columns",
        ),
        (
            {**_optional("conditions", "onset"),
             "sources": {**BASE["sources"], "conditions": {**BASE["sources"]["conditions"],
                         "optional_columns": ["onset"], "where": {"active_on": {"start": "onset"}}}}},
            "active_on: column\\(s\\) onset",
        ),
    ],
    ids=["join key", "unique column", "required value", "without_column, column not optional", "active_on"],
)  # fmt: skip
def test_optional_column_mistakes_are_named(tmp_path: Path, data: dict[str, Any], message: str) -> None:
    with pytest.raises(MappingError, match=message):
        check(tmp_path, data)


def test_optional_columns_are_read_but_not_needed(tmp_path: Path) -> None:
    from adapter.mapping.compiler import needed_columns

    spec = load(str(write_mapping(tmp_path, _optional("belongings", "note"))))
    options = {"as_of": "2026-04-01T00:00:00+00:00"}
    assert "note" in referenced_columns(spec, context(spec), options)["belongings"]
    assert needed_columns(spec, context(spec), options)["belongings"] == {
        "resident_id",
        "item",
        "kind",
        "quantity",
    }


def _required_fields(node: Any, path: str) -> Iterator[str]:
    """The summary fields a mapping marks ``required: true`` (policy-table paths: ``medications[].dose``)."""
    if isinstance(node, list):
        for item in node:
            yield from _required_fields(item, f"{path}[]")
    elif isinstance(node, dict):
        if "each" in node:
            yield from _required_fields(node["item"], f"{path}[]")
        elif any(k in node for k in ("column", "const", "option", "template", "count")):
            if node.get("required"):
                yield path
        elif not any(k in node for k in ("any", "none")):
            for name, sub in node.items():
                if not name.startswith("$"):
                    yield from _required_fields(sub, f"{path}.{name}" if path else name)


@pytest.mark.parametrize("name", ["care-home-csv", "synthea"])
def test_shipped_mappings_refuse_only_what_the_field_policy_refuses(name: str) -> None:
    """A mapping's ``required: true`` holds a resident back on an empty cell: only for fields the policy
    refuses absent. A field that travels absent (a dose, a birth date, a criticality) must not be required."""
    table = {rule.path: rule for rule in policy.rules("summary")}
    required = list(_required_fields(load(name).summary, ""))
    assert required
    for field in required:
        row = field
        while row not in table:  # code.code is covered by the code's own row
            row = row.rpartition(".")[0]
        assert table[row].absent == "refused", (
            f"{name}: {field} is required, but the policy says {table[row].absent}"
        )
