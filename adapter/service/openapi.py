"""The OpenAPI document: FastAPI's, plus the input contracts (the JSON Schemas
shipped with the domain, their ``$defs`` lifted into ``components``) and the FHIR shapes answered."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import orjson
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from adapter.redbag.contract import DISCHARGE_SCHEMA, SUMMARY_SCHEMA, schema_text
from adapter.redbag.readiness_contract import CAPABILITIES_SCHEMA, READINESS_SCHEMA
from adapter.service.negotiation import FHIR_JSON, FHIR_XML

Json = dict[str, Any]
_REF = re.compile(r"^(?P<file>[a-z-]+\.schema\.json)?#/\$defs/(?P<name>[A-Za-z0-9_]+)$")
_PREFIX = {
    SUMMARY_SCHEMA: "ResidentSummary_",
    DISCHARGE_SCHEMA: "Discharge_",
    READINESS_SCHEMA: "DischargeReadiness_",
    CAPABILITIES_SCHEMA: "CareHomeCapabilities_",
}
_ROOT = {
    SUMMARY_SCHEMA: "ResidentSummary",
    DISCHARGE_SCHEMA: "Discharge",
    READINESS_SCHEMA: "DischargeReadiness",
    CAPABILITIES_SCHEMA: "CareHomeCapabilities",
}


def _component(ref: str) -> str:
    return "#/components/schemas/" + ref


def _rewrite(node: Any, own: str) -> Any:
    """A schema with ``$ref``s into ``$defs`` (its own or the other file's) pointed at components."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and (m := _REF.match(value)):
                out[key] = _component(_PREFIX[m.group("file") or own] + m.group("name"))
            elif key not in ("$schema", "$id", "$defs"):
                out[key] = _rewrite(value, own)
        return out
    if isinstance(node, list):
        return [_rewrite(item, own) for item in node]
    return node


@cache
def contract_components() -> dict[str, Json]:
    """The input contracts as OpenAPI components (ResidentSummary, Discharge, DischargeReadiness,
    CareHomeCapabilities and their parts)."""
    components: dict[str, Json] = {}
    for name in _ROOT:
        schema = orjson.loads(schema_text(name))
        for key, part in (schema.get("$defs") or {}).items():
            components[_PREFIX[name] + key] = _rewrite(part, name)
        components[_ROOT[name]] = _rewrite(schema, name)
    return components


def _resource(resource_type: str, description: str) -> Json:
    return {
        "type": "object",
        "description": description,
        "required": ["resourceType"],
        "properties": {"resourceType": {"const": resource_type}},
    }


FHIR_COMPONENTS: dict[str, Json] = {
    "OperationOutcome": {
        "type": "object",
        "description": "A FHIR R4 OperationOutcome (https://hl7.org/fhir/R4/operationoutcome.html)",
        "required": ["resourceType", "issue"],
        "properties": {
            "resourceType": {"const": "OperationOutcome"},
            "issue": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["severity", "code"],
                    "properties": {
                        "severity": {"enum": ["fatal", "error", "warning", "information"]},
                        "code": {"type": "string"},
                        "diagnostics": {"type": "string"},
                        "location": {"type": "array", "items": {"type": "string"}},
                        "expression": {"type": "array", "items": {"type": "string"}},
                    },
                },
            },
        },
    },
    "Bundle": _resource("Bundle", "A FHIR R4 Bundle: a red-bag document or transaction"),
    "CapabilityStatement": _resource("CapabilityStatement", "What this service can do, in FHIR terms"),
    "Resource": {
        "type": "object",
        "description": "Any FHIR R4 resource (JSON)",
        "required": ["resourceType"],
        "properties": {"resourceType": {"type": "string", "pattern": "^[A-Z][A-Za-z]{1,63}$"}},
    },
}


def fhir_content(component: str) -> Json:
    """Response or request content: the component as FHIR JSON, or FHIR XML text."""
    return {
        FHIR_JSON: {"schema": {"$ref": _component(component)}},
        FHIR_XML: {"schema": {"type": "string"}},
    }


def json_body(component: str, description: str) -> Json:
    """``openapi_extra`` for a route reading a JSON body of this component (read by the route itself)."""
    content = {"schema": {"$ref": _component(component)}}
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {FHIR_JSON: content, "application/json": content},
        }
    }


def fhir_answer(component: str, description: str, status: int = 200) -> dict[int | str, Json]:
    """``responses`` for a route answering a FHIR resource."""
    return {status: {"description": description, "content": fhir_content(component)}}


def outcome_answer(description: str) -> Json:
    """A documented error answer (an OperationOutcome)."""
    return {"description": description, "content": fhir_content("OperationOutcome")}


#: Errors any route may answer; routes add their own.
COMMON_ERRORS: dict[int | str, Json] = {
    406: outcome_answer("the caller accepts neither FHIR JSON nor FHIR XML"),
    422: outcome_answer("a query or path parameter, or the body, is invalid (every problem listed)"),
    500: outcome_answer("an internal error (logged, with the request id)"),
    "default": outcome_answer("any other error"),
}
#: Errors of routes that need a key.
AUTH_ERRORS: dict[int | str, Json] = {
    401: outcome_answer("no API key or bearer token, or an unknown one"),
    403: outcome_answer("the key lacks the scope this needs"),
}
#: Errors of routes that read a body.
BODY_ERRORS: dict[int | str, Json] = {
    400: outcome_answer("the body is not JSON (or not UTF-8)"),
    413: outcome_answer("the body is over the size limit"),
    415: outcome_answer("the body's Content-Type is not one this route reads"),
}


def install_openapi(app: FastAPI, description: str) -> None:
    """Build the OpenAPI document once, on first request, with the contract and FHIR components."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, description=description, routes=app.routes
            )
            schemas = schema.setdefault("components", {}).setdefault("schemas", {})
            schemas.update(contract_components())
            schemas.update(FHIR_COMPONENTS)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented extension point
