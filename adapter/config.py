"""Settings of the service (frozen), read from the environment only by the CLI and the service.

Every setting has a default except the callers' API keys. ``Settings.from_environ(os.environ)`` reads:

==============================  =============================================================  ==========
variable                        meaning                                                        default
==============================  =============================================================  ==========
REDBAG_DATABASE_URL             ``sqlite:///path.db`` (embedded) or ``postgresql://...``       sqlite:///redbag.db
REDBAG_FHIR_SERVER              base URL of the FHIR server transfers are delivered to         (none)
REDBAG_FHIR_TOKEN               bearer token sent to that server                               (none)
REDBAG_FHIR_VERIFY_TLS          verify the server's TLS certificate (``false`` only for tests) true
REDBAG_FHIR_CA_BUNDLE           a CA bundle file to verify it against instead of the system's  (none)
REDBAG_FHIR_TIMEOUT             seconds per request to the FHIR server                         30
REDBAG_API_KEYS                 callers' keys: ``client hash [scopes]`` entries, ``;``-separated (none)
REDBAG_API_KEYS_FILE            the same, one entry per line (``#`` comments)                  (none)
REDBAG_AUTH                     ``off`` serves without authentication (development only)       on
REDBAG_MAX_BODY_BYTES           largest request body accepted (413 above it)                   1048576
REDBAG_VALIDATE_TRANSFERS       validate each transfer's FHIR before queueing it               true
REDBAG_DELIVERY_THREADS         delivery threads per service process (0: this process only     2
                                accepts; another process delivers)
REDBAG_DELIVERY_MAX_ATTEMPTS    attempts before a transfer is marked failed                    10
REDBAG_DELIVERY_LEASE_SECONDS   how long a claimed transfer stays claimed by a process that    120
                                may have died (then another process takes it over)
REDBAG_DELIVERY_POLL_SECONDS    how often an idle delivery thread looks for work               1.0
REDBAG_DELIVERY_BACKOFF_SECONDS first retry delay, doubled per attempt                         2.0
REDBAG_DELIVERY_MAX_BACKOFF     longest retry delay, in seconds                                300
REDBAG_LOG_LEVEL                debug, info, warning or error                                  info
==============================  =============================================================  ==========

A key entry is ``<client> <hash> [<scope>,<scope>...]``; the hash is ``sha256:<64 hex>`` (for generated,
high-entropy keys) or ``scrypt:<n>:<r>:<p>:<salt b64>:<hash b64>``. Plain keys are never configured:
``redbag serve --new-key CLIENT`` makes a key and prints the entry to configure. Scopes: ``send``
(convert, validate, send transfers and their return journeys, follow and view its own transfers),
``pull`` (pull any resident's latest red bag from the FHIR server) and ``audit`` (read the audit trail
and every client's transfers); without scopes a key has ``send`` and ``pull``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from adapter.errors import ConfigError

DEFAULT_DATABASE_URL = "sqlite:///redbag.db"
SCOPES = frozenset({"send", "pull", "audit"})
DEFAULT_SCOPES = frozenset({"send", "pull"})
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}|scrypt:\d+:\d+:\d+:[A-Za-z0-9+/=_-]{8,}:[A-Za-z0-9+/=_-]{16,}")
_CLIENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
_LOG_LEVELS = ("debug", "info", "warning", "error")


@dataclass(frozen=True, slots=True)
class ApiKey:
    """One calling client's key, as configured: its name, the key's hash, and what it may do."""

    client: str
    digest: str
    scopes: frozenset[str] = DEFAULT_SCOPES


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    """How the outbox delivers: threads, attempts, the claim lease and the retry schedule."""

    threads: int = 2
    max_attempts: int = 10
    lease_seconds: float = 120.0
    poll_seconds: float = 1.0
    backoff_seconds: float = 2.0
    max_backoff_seconds: float = 300.0


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the service needs to run; build with ``Settings(...)`` in code or ``from_environ``."""

    database_url: str = DEFAULT_DATABASE_URL
    fhir_server: str | None = None
    fhir_token: str | None = field(default=None, repr=False)
    fhir_verify_tls: bool = True
    fhir_ca_bundle: str | None = None
    fhir_timeout: float = 30.0
    api_keys: tuple[ApiKey, ...] = ()
    auth_enabled: bool = True
    max_body_bytes: int = 1024 * 1024
    validate_transfers: bool = True
    delivery: DeliverySettings = DeliverySettings()
    log_level: str = "info"

    def __post_init__(self) -> None:
        if self.auth_enabled and not self.api_keys:
            raise ConfigError(
                "no API keys configured: set REDBAG_API_KEYS or REDBAG_API_KEYS_FILE "
                "(make one with `redbag serve --new-key CLIENT`), or REDBAG_AUTH=off for development"
            )
        if not self.database_url.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ConfigError(
                f"REDBAG_DATABASE_URL: {self.database_url.split('@')[-1]!r} is neither sqlite:///FILE "
                "nor postgresql://..."
            )
        if self.fhir_server is not None and not self.fhir_server.startswith(("http://", "https://")):
            raise ConfigError(f"REDBAG_FHIR_SERVER: {self.fhir_server!r} is not an http(s) URL")
        if self.fhir_ca_bundle is not None and not Path(self.fhir_ca_bundle).is_file():
            raise ConfigError(f"REDBAG_FHIR_CA_BUNDLE: {self.fhir_ca_bundle} is not a file")
        if self.max_body_bytes < 1024:
            raise ConfigError("REDBAG_MAX_BODY_BYTES: must be at least 1024")
        if self.log_level not in _LOG_LEVELS:
            raise ConfigError(f"REDBAG_LOG_LEVEL: {self.log_level!r} is not one of {', '.join(_LOG_LEVELS)}")
        clients = [k.client for k in self.api_keys]
        repeated = sorted({c for c in clients if clients.count(c) > 1})
        if repeated:
            raise ConfigError(f"API keys: client {repeated[0]!r} is configured more than once")

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        """Settings from ``REDBAG_*`` variables (see the module docstring); ConfigError names the culprit."""
        env = _Env(environ)
        keys = parse_api_keys(env.text("REDBAG_API_KEYS") or "", "REDBAG_API_KEYS")
        keys_file = env.text("REDBAG_API_KEYS_FILE")
        if keys_file:
            try:
                text = Path(keys_file).read_text("utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise ConfigError(f"REDBAG_API_KEYS_FILE: cannot read {keys_file}: {exc}") from exc
            keys += parse_api_keys(text, keys_file)
        defaults = DeliverySettings()
        delivery = DeliverySettings(
            threads=env.integer("REDBAG_DELIVERY_THREADS", defaults.threads, minimum=0),
            max_attempts=env.integer("REDBAG_DELIVERY_MAX_ATTEMPTS", defaults.max_attempts, minimum=1),
            lease_seconds=env.number("REDBAG_DELIVERY_LEASE_SECONDS", defaults.lease_seconds),
            poll_seconds=env.number("REDBAG_DELIVERY_POLL_SECONDS", defaults.poll_seconds),
            backoff_seconds=env.number("REDBAG_DELIVERY_BACKOFF_SECONDS", defaults.backoff_seconds),
            max_backoff_seconds=env.number("REDBAG_DELIVERY_MAX_BACKOFF", defaults.max_backoff_seconds),
        )
        return cls(
            database_url=env.text("REDBAG_DATABASE_URL") or DEFAULT_DATABASE_URL,
            fhir_server=(env.text("REDBAG_FHIR_SERVER") or "").rstrip("/") or None,
            fhir_token=env.text("REDBAG_FHIR_TOKEN"),
            fhir_verify_tls=env.flag("REDBAG_FHIR_VERIFY_TLS", True),
            fhir_ca_bundle=env.text("REDBAG_FHIR_CA_BUNDLE"),
            fhir_timeout=env.number("REDBAG_FHIR_TIMEOUT", 30.0),
            api_keys=tuple(keys),
            auth_enabled=env.flag("REDBAG_AUTH", True),
            max_body_bytes=env.integer("REDBAG_MAX_BODY_BYTES", 1024 * 1024, minimum=1024),
            validate_transfers=env.flag("REDBAG_VALIDATE_TRANSFERS", True),
            delivery=delivery,
            log_level=(env.text("REDBAG_LOG_LEVEL") or "info").lower(),
        )


def parse_api_keys(text: str, source: str) -> list[ApiKey]:
    """Key entries (``client hash [scopes]``) separated by ``;`` or newlines; ``#`` starts a comment."""
    keys = []
    entries = [line.split("#", 1)[0].strip() for chunk in text.splitlines() for line in chunk.split(";")]
    for number, entry in enumerate((e for e in entries if e), 1):
        parts = entry.split()
        where = f"{source}: entry {number}"
        if len(parts) not in (2, 3):
            raise ConfigError(f"{where}: expected `client hash [scopes]`, got {len(parts)} field(s)")
        client, digest = parts[0], parts[1]
        if not _CLIENT.fullmatch(client):
            raise ConfigError(f"{where}: {client!r} is not a client name (letters, digits, . _ @ -)")
        if not _DIGEST.fullmatch(digest):
            raise ConfigError(
                f"{where} ({client}): the key must be configured as its hash (sha256:<64 hex> or "
                "scrypt:...), never in plain; make one with `redbag serve --new-key CLIENT`"
            )
        scopes = frozenset(parts[2].split(",")) if len(parts) == 3 else DEFAULT_SCOPES
        unknown = sorted(scopes - SCOPES)
        if unknown:
            raise ConfigError(f"{where} ({client}): unknown scope {unknown[0]!r} (known: send, pull, audit)")
        keys.append(ApiKey(client, digest, scopes))
    return keys


@dataclass(frozen=True, slots=True)
class _Env:
    """Typed reads of environment variables, each error naming its variable."""

    environ: Mapping[str, str]

    def text(self, name: str) -> str | None:
        value = self.environ.get(name, "").strip()
        return value or None

    def flag(self, name: str, default: bool) -> bool:
        value = (self.text(name) or "").lower()
        if not value:
            return default
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise ConfigError(f"{name}: {value!r} is not true/false (or on/off, yes/no, 1/0)")

    def integer(self, name: str, default: int, *, minimum: int) -> int:
        value = self.text(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise ConfigError(f"{name}: {value!r} is not a whole number") from None
        if number < minimum:
            raise ConfigError(f"{name}: {number} is below the minimum {minimum}")
        return number

    def number(self, name: str, default: float) -> float:
        value = self.text(name)
        if value is None:
            return default
        try:
            number = float(value)
        except ValueError:
            raise ConfigError(f"{name}: {value!r} is not a number") from None
        if not number > 0:
            raise ConfigError(f"{name}: must be greater than 0")
        return number
