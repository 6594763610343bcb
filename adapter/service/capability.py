"""The service's CapabilityStatement (https://hl7.org/fhir/R4/capabilitystatement.html), for GET /metadata."""

from __future__ import annotations

from typing import Any

from adapter import __version__

BASE = "https://redbag.dev/fhir"


def capability_statement(date: str) -> dict[str, Any]:
    """What this service offers in FHIR terms: two operations, JSON and XML, key-based security.

    ``date`` is when this process started (the statement describes this running instance).
    """
    return {
        "resourceType": "CapabilityStatement",
        "url": f"{BASE}/CapabilityStatement/redbag-service",
        "version": __version__,
        "name": "RedbagService",
        "title": "Red bag adapter service",
        "status": "active",
        "date": date,
        "publisher": "redbag",
        "description": (
            "Turns care-home red bag summaries into validated FHIR R4 document and transaction Bundles, "
            "and delivers them to a FHIR server through a durable outbox (see the OpenAPI document at "
            "/openapi.json for the transfer endpoints)."
        ),
        "kind": "instance",
        "software": {"name": "redbag", "version": __version__},
        "implementation": {"description": "Red bag (hospital transfer pathway) adapter"},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "application/fhir+xml"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Resident summaries in, FHIR R4 out; transfers queued and delivered.",
                "security": {
                    "description": "Each calling client presents its API key as X-API-Key or as a "
                    "bearer token (Authorization: Bearer); 401 without one."
                },
                "operation": [
                    {
                        "name": "convert",
                        "definition": f"{BASE}/OperationDefinition/convert",
                        "documentation": "POST /$convert: a resident summary (JSON) -> the document "
                        "Bundle, or the transaction Bundle with ?type=transaction",
                    },
                    {
                        "name": "validate",
                        "definition": "http://hl7.org/fhir/OperationDefinition/Resource-validate",
                        "documentation": "POST /$validate: a resource or Bundle (JSON or XML), optional "
                        "?profile= -> OperationOutcome",
                    },
                ],
            }
        ],
    }
