"""``redbag serve``: run the HTTP service (FastAPI on uvicorn), or make an API key for a calling client."""

from __future__ import annotations

import argparse
import os
import sys

from adapter.cli.common import OK, USAGE
from adapter.config import SCOPES, Settings
from adapter.errors import ConfigError

EPILOG = """\
examples:
  redbag serve --new-key ehr-vendor-a                # print a new key and the line to configure
  redbag serve --new-key oak-lodge --scopes subscribe,send --ods VN4R7   # a care home's key
  export REDBAG_API_KEYS="ehr-vendor-a sha256:..."   # (or REDBAG_API_KEYS_FILE=keys.txt)
  export REDBAG_FHIR_SERVER=http://127.0.0.1:8080/fhir
  redbag serve --port 8000 --workers 2

Settings come from REDBAG_* environment variables (see adapter/config.py): REDBAG_DATABASE_URL
(sqlite:///redbag.db by default, or postgresql://...), REDBAG_FHIR_SERVER, REDBAG_API_KEYS(_FILE),
REDBAG_MAX_BODY_BYTES, REDBAG_FHIR_VERIFY_TLS (on by default), ... OpenAPI docs: /docs.
With REDBAG_HL7_PORT set, every worker also listens for HL7 v2 ADT messages (MLLP) on that port
(see `redbag listen-hl7 --help`).
exit status: 0 stopped cleanly, 2 bad settings or options.
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "serve",
        help="run the HTTP service (FHIR operations, transfers outbox, audit)",
        description=__doc__,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    p.add_argument("--workers", type=int, default=1, help="worker processes (default: 1)")
    p.add_argument("--tls-cert", metavar="PEM", help="serve HTTPS with this certificate (with --tls-key)")
    p.add_argument("--tls-key", metavar="PEM", help="the certificate's private key")
    keys = p.add_argument_group("API keys")
    keys.add_argument(
        "--new-key", metavar="CLIENT", help="make a key for CLIENT, print it and its entry, exit"
    )
    keys.add_argument(
        "--scopes",
        default="send,pull",
        help=f"with --new-key: comma-separated, of {', '.join(sorted(SCOPES))}",
    )
    keys.add_argument(
        "--ods",
        metavar="CODES",
        help="with --new-key: the organisations (ODS codes, comma-separated; * for all) a key with the "
        "subscribe scope acts for",
    )
    keys.add_argument(
        "--scrypt", action="store_true", help="with --new-key: hash with scrypt (default sha256)"
    )
    p.set_defaults(func=run)


def new_key(client: str, scopes: str, use_scrypt: bool, ods: str | None = None) -> int:
    """Print a new key (once) and the entry that configures its hash."""
    from adapter.config import parse_api_keys
    from adapter.service.auth import new_key as make_key
    from adapter.service.auth import scrypt_hash, sha256_hash

    key = make_key()
    entry = f"{client} {scrypt_hash(key) if use_scrypt else sha256_hash(key)} {scopes}"
    if ods:
        entry += f" ods={ods}"
    try:
        parse_api_keys(entry, "--new-key")
    except ConfigError as exc:
        print(f"redbag serve: {exc}", file=sys.stderr)
        return USAGE
    print(f"key for {client} (give it to the client; it is not stored anywhere): {key}")
    print(f"entry for REDBAG_API_KEYS or the keys file:\n{entry}")
    return OK


def run(args: argparse.Namespace) -> int:
    if args.new_key:
        return new_key(args.new_key, args.scopes, args.scrypt, args.ods)
    if args.workers < 1 or not 0 <= args.port <= 65535 or bool(args.tls_cert) != bool(args.tls_key):
        print(
            "redbag serve: --workers >= 1, --port 0-65535, --tls-cert and --tls-key together", file=sys.stderr
        )
        return USAGE
    try:
        settings = Settings.from_environ(os.environ)  # fail here, before any worker starts
    except ConfigError as exc:
        print(f"redbag serve: {exc}", file=sys.stderr)
        return USAGE

    import uvicorn

    from adapter.service.logmask import log_config

    uvicorn.run(
        "adapter.service.main:create_app_from_environment",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=log_config(settings.log_level, settings.log_format),
        access_log=False,  # the service writes its own, masked
        server_header=False,
        ssl_certfile=args.tls_cert,
        ssl_keyfile=args.tls_key,
        timeout_graceful_shutdown=30,
    )
    return OK
