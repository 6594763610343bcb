"""Connecting the commands to a FHIR server: options, bearer token, SMART Backend Services."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path

import httpx

from adapter.client import BearerAuth, FhirClient, SmartBackendAuth

TOKEN_VARIABLE = "REDBAG_FHIR_TOKEN"
AUTH_HELP = f"""\
auth: set {TOKEN_VARIABLE} to send a bearer token, or give --smart-token-url, --smart-client-id,
  --smart-key and --smart-key-id to use SMART Backend Services (signed JWT, RS384 or ES384)."""


def add_server_options(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    """``--server``, ``--timeout`` and the SMART Backend Services options."""
    parser.add_argument(
        "--server", required=required, metavar="URL", help="FHIR R4 base URL, e.g. http://127.0.0.1:8080/fhir"
    )
    parser.add_argument(
        "--timeout", type=float, default=60.0, metavar="SECONDS", help="timeout of each request (default: 60)"
    )
    smart = parser.add_argument_group("SMART Backend Services")
    smart.add_argument("--smart-token-url", metavar="URL", help="the server's token endpoint")
    smart.add_argument("--smart-client-id", metavar="ID", help="registered client id")
    smart.add_argument("--smart-key", type=Path, metavar="PEM", help="private key file (RSA or EC P-384)")
    smart.add_argument("--smart-key-id", metavar="KID", help="the key's id (kid) in the registered JWKS")
    smart.add_argument("--smart-alg", choices=("RS384", "ES384"), default="RS384", help="signing algorithm")
    smart.add_argument(
        "--smart-scope", default="system/*.rs", help="scopes to ask for (default: system/*.rs)"
    )


def add_force_option(parser: argparse.ArgumentParser, what: str) -> None:
    """``--force``: go on when the server's CapabilityStatement lacks something essential."""
    parser.add_argument(
        "--force",
        action="store_true",
        help=f"{what} even when the server's CapabilityStatement lacks something a red bag needs "
        "(or cannot be read)",
    )


def auth_from(args: argparse.Namespace, environ: Mapping[str, str]) -> httpx.Auth | None:
    """SMART when its options are given, else a bearer token from the environment, else none."""
    smart = (args.smart_token_url, args.smart_client_id, args.smart_key, args.smart_key_id)
    if any(smart):
        if not all(smart):
            raise ValueError(
                "SMART needs --smart-token-url, --smart-client-id, --smart-key and --smart-key-id"
            )
        return SmartBackendAuth(
            args.smart_token_url,
            args.smart_client_id,
            args.smart_key.read_bytes(),
            key_id=args.smart_key_id,
            algorithm=args.smart_alg,
            scope=args.smart_scope,
        )
    token = environ.get(TOKEN_VARIABLE)
    return BearerAuth(token) if token else None


def open_client(args: argparse.Namespace, environ: Mapping[str, str]) -> FhirClient:
    """The client the command's options describe."""
    return FhirClient(args.server, auth=auth_from(args, environ), timeout=args.timeout)
