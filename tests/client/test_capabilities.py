"""Reading a CapabilityStatement into facts: lists are what is offered, flags may be left unstated."""

from __future__ import annotations

import re
from typing import Any

import pytest

from adapter.client import CapabilityStatementError, read_capabilities


def statement(**rest: Any) -> dict[str, Any]:
    return {
        "resourceType": "CapabilityStatement",
        "fhirVersion": "4.0.1",
        "format": ["xml", "application/fhir+json; charset=utf-8"],
        "software": {"name": "Server", "version": "2"},
        "rest": [{"mode": "server", **rest}],
    }


def test_types_interactions_parameters_and_flags_are_read() -> None:
    facts = read_capabilities(
        statement(
            interaction=[{"code": "transaction"}],
            searchParam=[{"name": "_id", "type": "token"}],
            resource=[
                {
                    "type": "Patient",
                    "interaction": [{"code": "read"}, {"code": "create"}],
                    "searchParam": [{"name": "identifier", "type": "token"}],
                    "conditionalCreate": True,
                    "conditionalUpdate": False,
                }
            ],
        )
    )
    patient = facts.of_type("Patient")
    assert patient is not None
    assert patient.interactions == {"read", "create"}
    assert patient.search_params == {"identifier", "_id"}  # rest-level parameters apply to every type
    assert (patient.conditional_create, patient.conditional_update, patient.update_create) == (
        True,
        False,
        None,
    )
    assert facts.system_interactions == {"transaction"}
    assert facts.of_type("List") is None
    assert facts.software == "Server 2" and facts.fhir_version == "4.0.1"
    assert facts.speaks_json  # a media type with parameters still counts


def test_client_mode_entries_do_not_count_and_server_entries_merge() -> None:
    data = statement(resource=[{"type": "Task", "interaction": [{"code": "read"}]}])
    data["rest"] += [
        {"mode": "client", "resource": [{"type": "List", "interaction": [{"code": "read"}]}]},
        {
            "mode": "server",
            "resource": [{"type": "Task", "interaction": [{"code": "update"}], "updateCreate": True}],
        },
    ]
    facts = read_capabilities(data)
    task = facts.of_type("Task")
    assert task is not None and task.interactions == {"read", "update"} and task.update_create is True
    assert facts.of_type("List") is None


def test_a_statement_without_json_does_not_speak_json() -> None:
    data = statement()
    data["format"] = ["xml", "application/fhir+xml"]
    assert not read_capabilities(data).speaks_json


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"resourceType": "OperationOutcome"}, "not a CapabilityStatement (got OperationOutcome)"),
        ([], "not a CapabilityStatement (got list)"),
        (
            {"resourceType": "CapabilityStatement", "rest": [{"mode": "client"}]},
            "no rest entry in server mode",
        ),
    ],
    ids=["outcome", "list", "client-only"],
)
def test_an_unusable_statement_is_an_error(data: Any, message: str) -> None:
    with pytest.raises(CapabilityStatementError, match=re.escape(message)):
        read_capabilities(data)
