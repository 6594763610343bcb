"""Property-based tests from the OpenAPI document (schemathesis), against a real ``redbag serve`` with the
real HAPI server behind it: no answer is a server error, and every answer matches what the document says
(status code, content type, headers, body schema; invalid input refused, missing auth refused).

Bounded for CI and the same every run: a fixed seed (``REDBAG_SCHEMATHESIS_SEED``, default 20261206), no
example database, ``REDBAG_SCHEMATHESIS_EXAMPLES`` examples per operation (default 50; a fifth of that for
the two operations that ask the FHIR server each time, readiness and the red-bag pull).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from adapter.service import create_app
from tests.service.helpers import headers, make_settings
from tests.service.process import ServiceProcess, service_environment

EXAMPLES = int(os.environ.get("REDBAG_SCHEMATHESIS_EXAMPLES", "50"))
SEED = int(os.environ.get("REDBAG_SCHEMATHESIS_SEED", "20261206"))

# What is checked: every default check, except that every schema-valid input be accepted (the contract
# has rules no JSON Schema can state: check digits, dates in the future, known profiles; the service
# rightly refuses those), and with 413 counted as a proper refusal of an invalid (oversized) input.
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {"max-examples": EXAMPLES, "database": "none"},
        "operations": [
            {
                "include-name": ["GET /readyz", "GET /residents/{nhsNumber}/red-bag"],
                "generation": {"max-examples": max(1, EXAMPLES // 5)},
            }
        ],
        "checks": {
            "positive_data_acceptance": {"enabled": False},
            "negative_data_rejection": {
                "expected-statuses": [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429, "5XX"]
            },
        },
    }
)
# The document as the service publishes it (building the app opens nothing; the calls go to the
# real process below).
schema = schemathesis.openapi.from_dict(
    create_app(make_settings(Path("/nonexistent"))).openapi(), config=CONFIG
)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, hapi_base_url: str) -> Iterator[ServiceProcess]:
    folder = tmp_path_factory.mktemp("schemathesis")
    env = service_environment(
        f"sqlite:///{folder / 'outbox.db'}",
        REDBAG_FHIR_SERVER=hapi_base_url,  # a real server: any 5xx is a finding
        REDBAG_FHIR_TIMEOUT="60",
        REDBAG_DELIVERY_THREADS="0",
        REDBAG_MAX_BODY_BYTES="262144",
    )
    process = ServiceProcess(env, folder / "serve.log")
    yield process
    process.stop()
    assert "Traceback" not in process.log(), process.log()[-5000:]


@pytest.mark.hapi
def test_the_published_document_is_the_one_tested(served: ServiceProcess) -> None:
    import httpx

    assert httpx.get(f"{served.base_url}/openapi.json").json() == schema.raw_schema


@pytest.mark.hapi
@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_no_500_and_every_answer_as_documented(case: schemathesis.Case[Any], served: ServiceProcess) -> None:
    case.call_and_validate(
        base_url=served.base_url,
        headers=headers("auditor"),
        timeout=60,
        additional_checks=[schemathesis.checks.ignored_auth],
    )
