"""The service as deployed: ``redbag serve`` (uvicorn) in its own process, called over loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from adapter.cli import main
from tests.service.helpers import example, headers
from tests.service.process import ServiceProcess, service_environment


@pytest.fixture(params=[1, 2], ids=["1-worker", "2-workers"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServiceProcess]:
    env = service_environment(
        f"sqlite:///{tmp_path / 'served.db'}",
        REDBAG_FHIR_SERVER="http://127.0.0.1:9/fhir",
        REDBAG_DELIVERY_THREADS="0",
    )
    process = ServiceProcess(env, tmp_path / "serve.log", workers=request.param)
    yield process
    assert process.stop() in (0, -15)  # uvicorn re-raises SIGTERM once it has shut down cleanly
    log = process.log()
    assert "Application shutdown complete" in log
    assert "Traceback" not in log


def test_converts_over_http_and_logs_nothing_personal(served: ServiceProcess) -> None:
    summary = example("dementia-dnacpr")
    nhs = summary["resident"]["nhsNumber"]
    with httpx.Client(base_url=served.base_url, headers=headers(), timeout=30) as http:
        converted = http.post(
            "/$convert", content=orjson.dumps(summary), headers={"Content-Type": "application/fhir+json"}
        )
        assert converted.status_code == 200
        assert converted.json()["type"] == "document"
        sent = http.post("/transfers", json=summary, headers={"Content-Type": "application/json"})
        assert sent.status_code == 202
        assert http.get(sent.headers["location"]).json()["status"] == "queued"  # any worker sees it
        assert http.get(f"/residents/{nhs}/red-bag").status_code == 502  # nothing listens there
        assert http.get("/transfers", headers={"X-API-Key": "nope"}).status_code == 401
        assert http.get("/metadata").json()["resourceType"] == "CapabilityStatement"
    log = served.log()
    assert '"POST /$convert" 200' in log and f"/residents/*******{nhs[-3:]}/red-bag" in log
    assert nhs not in log
    for name in summary["resident"]["name"]["given"]:
        assert name not in log


def test_serve_refuses_bad_settings_before_starting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("REDBAG_API_KEYS", raising=False)
    monkeypatch.delenv("REDBAG_API_KEYS_FILE", raising=False)
    monkeypatch.delenv("REDBAG_AUTH", raising=False)
    assert main(["serve", "--port", "0"]) == 2
    assert "no API keys configured" in capsys.readouterr().err
    assert main(["serve", "--workers", "0"]) == 2


def test_new_key_prints_a_key_and_only_its_hash_for_the_settings(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--new-key", "ehr-c", "--scopes", "send"]) == 0
    out = capsys.readouterr().out.splitlines()
    key = out[0].rsplit(" ", 1)[1]
    client, digest, scopes = out[-1].split()
    assert (client, scopes) == ("ehr-c", "send")
    assert digest.startswith("sha256:") and key not in out[-1]
    assert main(["serve", "--new-key", "bad name"]) == 2
