"""Outbound TLS is verified by default: a FHIR server with a certificate nobody vouches for is refused,
unless its CA bundle is configured (or verification is switched off, for tests only)."""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from adapter.exchange.needs import red_bag_needs
from tests.capability_statements import statement_offering
from tests.service.conftest import AppClient
from tests.service.helpers import make_settings

pytestmark = pytest.mark.anyio


class _Metadata(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        # A statement offering what red bags need: readiness also checks capabilities.
        body = json.dumps(statement_offering(red_bag_needs())).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def self_signed_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An HTTPS FHIR 'server' (just /metadata) with a self-signed certificate; its URL and certificate."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Metadata)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.handle_error = lambda *_: None  # type: ignore[method-assign]  # refused handshakes
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}/fhir", cert
    server.shutdown()
    server.server_close()


async def test_an_unverifiable_certificate_is_refused_by_default(
    app_client: AppClient, tmp_path: Path, self_signed_server: tuple[str, Path]
) -> None:
    url, _ = self_signed_server
    async with app_client(make_settings(tmp_path, fhir_server=url)) as api:
        answer = await api.get("/readyz")
    assert answer.status_code == 503
    assert "CERTIFICATE_VERIFY_FAILED" in answer.json()["issue"][0]["diagnostics"]


async def test_a_configured_ca_bundle_is_trusted_and_verification_can_be_switched_off(
    app_client: AppClient, tmp_path: Path, self_signed_server: tuple[str, Path]
) -> None:
    url, cert = self_signed_server
    async with app_client(make_settings(tmp_path, fhir_server=url, fhir_ca_bundle=str(cert))) as api:
        answer = await api.get("/readyz")
    assert answer.status_code == 200, answer.text
    async with app_client(make_settings(tmp_path, fhir_server=url, fhir_verify_tls=False)) as api:
        assert (await api.get("/readyz")).status_code == 200
