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
REDBAG_DELIVERY_DEADLINE_HOURS  how long a transfer is retried (through an outage of the FHIR   24
                                server) before it is marked failed; it can then be requeued
REDBAG_DELIVERY_LEASE_SECONDS   how long a claimed transfer stays claimed by a process that    120
                                may have died (then another process takes it over)
REDBAG_DELIVERY_POLL_SECONDS    how often an idle delivery thread looks for work               1.0
REDBAG_DELIVERY_BACKOFF_SECONDS first retry delay, doubled per attempt                         2.0
REDBAG_DELIVERY_MAX_BACKOFF     longest retry delay, in seconds                                300
REDBAG_LOG_LEVEL                debug, info, warning or error                                  info
REDBAG_LOG_FORMAT               ``text`` (one line per record, values escaped) or ``json``     text
                                (one JSON object per record)
REDBAG_HL7_PORT                 port of the HL7 v2 MLLP listener ``redbag serve`` starts       (off)
                                (``redbag listen-hl7`` runs it alone)
REDBAG_HL7_HOST                 address the MLLP listener binds                                127.0.0.1
REDBAG_HL7_TIMEZONE             time zone of HL7 times that carry no offset                    Europe/London
REDBAG_HL7_FIELDS               per sending trust (MSH-4), where the source of admission and   (PV1-14,
                                discharge destination are: ``FACILITY admit-source=PV1-14      PV1-37)
                                discharge-destination=PV1-37`` entries, ``;``-separated
REDBAG_HL7_MAX_MESSAGE_BYTES    largest HL7 message accepted (AR above it)                     1048576
REDBAG_FHIR_EVENT_SOURCES       FHIR servers whose Subscription notifications are accepted,    (none)
                                ``name=base-url`` entries, ``;``-separated (notifications go
                                to ``/fhir-events/<name>``)
REDBAG_MATCH_HOURS              how long after a red bag is sent an admission still matches it 72
REDBAG_VISIT_HOURS              the care home's visit is due this many hours after admission   48
REDBAG_VISIT_SWEEP_SECONDS      how often overdue visits are looked for                        30
REDBAG_PUBLIC_URL               this service's base URL, as subscribers see it (references in  http://127.0.0.1:8000
                                notifications)
REDBAG_NOTIFY_THREADS           notification delivery threads per process (0: deliver none)    2
REDBAG_NOTIFY_TIMEOUT           seconds a subscriber has to answer a notification              10
REDBAG_NOTIFY_BACKOFF_SECONDS   first retry delay towards a subscriber that failed, doubled    2.0
REDBAG_NOTIFY_MAX_BACKOFF       longest retry delay, in seconds (retried until delivered)      300
==============================  =============================================================  ==========

A key entry is ``<client> <hash> [<scope>,<scope>...] [ods=<code>,<code>...]``; the hash is
``sha256:<64 hex>`` (for generated, high-entropy keys) or ``scrypt:<n>:<r>:<p>:<salt b64>:<hash b64>``.
Plain keys are never configured: ``redbag serve --new-key CLIENT`` makes a key and prints the entry to
configure. Without scopes a key has ``send`` and ``pull``. What each scope may do (README, "The HTTP
service", has the same table, route by route; tests/service/test_scopes.py checks both against the code):

=========  ========================================================================================
scope      powers
=========  ========================================================================================
send       convert and validate (``$convert``, ``$validate``); send red bags (``POST /transfers``)
           and the return journeys of its own transfers; list, follow and view its own transfers
pull       pull any resident's latest red bag from the FHIR server (``GET /residents/{n}/red-bag``)
audit      read the audit trail (``GET /audit``); list, follow and view every client's transfers
           (read only: it sends nothing, returns nothing, requeues nothing)
admin      requeue any client's failed transfer (``POST /transfers/{id}/requeue``)
events     a hospital system: post pathway events (``POST /events``, ``/fhir-events/{source}``)
subscribe  a care home, GP practice or community team: subscriptions, journeys, the 48-hour visit,
           registrations, limited to the organisations its ``ods=`` lists (required with this
           scope; ``ods=*`` for every organisation, such as a regional hub): it subscribes to those
           care homes and practices, or to a resident registered with one of them (or whose latest red
           bag or stay names one); it reads and records visits of stays at them; it registers residents
           with them
=========  ========================================================================================

Keys file example::

    # client      hash                scopes               organisations
    ehr-vendor-a  sha256:9f86d08...   send,pull
    oak-lodge     sha256:60303ae...   subscribe,send       ods=VN4R7
    audit-team    scrypt:16384:8:1:...  audit
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from adapter.errors import ConfigError

DEFAULT_DATABASE_URL = "sqlite:///redbag.db"
SCOPES = frozenset({"send", "pull", "audit", "admin", "events", "subscribe"})
DEFAULT_SCOPES = frozenset({"send", "pull"})
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}|scrypt:\d+:\d+:\d+:[A-Za-z0-9+/=_-]{8,}:[A-Za-z0-9+/=_-]{16,}")
_CLIENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
_LOG_LEVELS = ("debug", "info", "warning", "error")
_LOG_FORMATS = ("text", "json")
_HL7_FIELD = re.compile(r"PV[12]-[1-9][0-9]?(\.[1-9])?")
_SOURCE_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
_ODS = re.compile(r"[A-Z0-9]{3,10}")
#: Settings no longer read, and what replaced them (set, they would otherwise be silently ignored).
_RETIRED = {
    "REDBAG_DELIVERY_MAX_ATTEMPTS": "a transfer is retried until REDBAG_DELIVERY_DEADLINE_HOURS (24 by "
    "default) have passed, then failed until requeued",
}


@dataclass(frozen=True, slots=True)
class ApiKey:
    """One calling client's key, as configured: its name, the key's hash, what it may do, and for which
    organisations (ODS codes; None: every one) it subscribes and reads journeys."""

    client: str
    digest: str
    scopes: frozenset[str] = DEFAULT_SCOPES
    organisations: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    """How the outbox delivers: threads, how long to keep trying, the claim lease and the retry schedule."""

    threads: int = 2
    deadline_hours: float = 24.0
    lease_seconds: float = 120.0
    poll_seconds: float = 1.0
    backoff_seconds: float = 2.0
    max_backoff_seconds: float = 300.0


@dataclass(frozen=True, slots=True)
class TrustFields:
    """Where one sending trust (MSH-4, ``*`` for any other) puts the source of admission and the
    discharge destination: ``PV1-14``, ``PV1-37.1``, ``PV2-...``."""

    facility: str = "*"
    admit_source: str = "PV1-14"
    discharge_destination: str = "PV1-37"


@dataclass(frozen=True, slots=True)
class Hl7Settings:
    """The HL7 v2 MLLP listener: where it listens, and how each trust's messages are read."""

    port: int | None = None
    host: str = "127.0.0.1"
    timezone: str = "Europe/London"
    trusts: tuple[TrustFields, ...] = ()
    max_message_bytes: int = 1024 * 1024

    def fields_for(self, facility: str) -> TrustFields:
        """The field locations of a sending facility (the ``*`` entry, or PV1-14/PV1-37, otherwise)."""
        by_name = {t.facility: t for t in self.trusts}
        return by_name.get(facility) or by_name.get("*") or TrustFields()


@dataclass(frozen=True, slots=True)
class PathwaySettings:
    """Events in, notifications out: matching, the 48-hour visit, delivery to subscribers."""

    match_hours: float = 72.0
    visit_hours: float = 48.0
    visit_sweep_seconds: float = 30.0
    public_url: str = "http://127.0.0.1:8000"
    fhir_sources: tuple[tuple[str, str], ...] = ()  # (name, base URL) of servers that notify us
    notify_threads: int = 2
    notify_timeout: float = 10.0
    notify_backoff_seconds: float = 2.0
    notify_max_backoff_seconds: float = 300.0

    def fhir_source(self, name: str) -> str | None:
        """The base URL of a configured FHIR event source."""
        return dict(self.fhir_sources).get(name)


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
    log_format: str = "text"
    hl7: Hl7Settings = Hl7Settings()
    pathway: PathwaySettings = PathwaySettings()

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
        if self.log_format not in _LOG_FORMATS:
            raise ConfigError(f"REDBAG_LOG_FORMAT: {self.log_format!r} is not text or json")
        clients = [k.client for k in self.api_keys]
        repeated = sorted({c for c in clients if clients.count(c) > 1})
        if repeated:
            raise ConfigError(f"API keys: client {repeated[0]!r} is configured more than once")

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        """Settings from ``REDBAG_*`` variables (see the module docstring); ConfigError names the culprit."""
        env = _Env(environ)
        for retired, instead in _RETIRED.items():
            if env.text(retired):
                raise ConfigError(f"{retired} is no longer read: {instead}")
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
            deadline_hours=env.number("REDBAG_DELIVERY_DEADLINE_HOURS", defaults.deadline_hours),
            lease_seconds=env.number("REDBAG_DELIVERY_LEASE_SECONDS", defaults.lease_seconds),
            poll_seconds=env.number("REDBAG_DELIVERY_POLL_SECONDS", defaults.poll_seconds),
            backoff_seconds=env.number("REDBAG_DELIVERY_BACKOFF_SECONDS", defaults.backoff_seconds),
            max_backoff_seconds=env.number("REDBAG_DELIVERY_MAX_BACKOFF", defaults.max_backoff_seconds),
        )
        port = env.text("REDBAG_HL7_PORT")
        hl7 = Hl7Settings(
            port=env.integer("REDBAG_HL7_PORT", 0, minimum=0) if port else None,
            host=env.text("REDBAG_HL7_HOST") or "127.0.0.1",
            timezone=_time_zone(env.text("REDBAG_HL7_TIMEZONE") or "Europe/London"),
            trusts=parse_trust_fields(env.text("REDBAG_HL7_FIELDS") or ""),
            max_message_bytes=env.integer("REDBAG_HL7_MAX_MESSAGE_BYTES", 1024 * 1024, minimum=1024),
        )
        paths = PathwaySettings()
        pathway = PathwaySettings(
            match_hours=env.number("REDBAG_MATCH_HOURS", paths.match_hours),
            visit_hours=env.number("REDBAG_VISIT_HOURS", paths.visit_hours),
            visit_sweep_seconds=env.number("REDBAG_VISIT_SWEEP_SECONDS", paths.visit_sweep_seconds),
            public_url=(env.text("REDBAG_PUBLIC_URL") or paths.public_url).rstrip("/"),
            fhir_sources=parse_fhir_sources(env.text("REDBAG_FHIR_EVENT_SOURCES") or ""),
            notify_threads=env.integer("REDBAG_NOTIFY_THREADS", paths.notify_threads, minimum=0),
            notify_timeout=env.number("REDBAG_NOTIFY_TIMEOUT", paths.notify_timeout),
            notify_backoff_seconds=env.number("REDBAG_NOTIFY_BACKOFF_SECONDS", paths.notify_backoff_seconds),
            notify_max_backoff_seconds=env.number(
                "REDBAG_NOTIFY_MAX_BACKOFF", paths.notify_max_backoff_seconds
            ),
        )
        return cls(
            hl7=hl7,
            pathway=pathway,
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
            log_format=(env.text("REDBAG_LOG_FORMAT") or "text").lower(),
        )


def parse_api_keys(text: str, source: str) -> list[ApiKey]:
    """Key entries (``client hash [scopes] [ods=codes]``) separated by ``;`` or newlines; ``#`` starts a
    comment."""
    keys = []
    entries = [line.split("#", 1)[0].strip() for chunk in text.splitlines() for line in chunk.split(";")]
    for number, entry in enumerate((e for e in entries if e), 1):
        parts = entry.split()
        where = f"{source}: entry {number}"
        bound = [p for p in parts[2:] if p.startswith("ods=")]
        rest = [p for p in parts[2:] if not p.startswith("ods=")]
        if len(parts) < 2 or len(rest) > 1 or len(bound) > 1:
            raise ConfigError(f"{where}: expected `client hash [scopes] [ods=CODE,...]`, got {entry[:40]!r}")
        client, digest = parts[0], parts[1]
        if not _CLIENT.fullmatch(client):
            raise ConfigError(f"{where}: {client!r} is not a client name (letters, digits, . _ @ -)")
        if not _DIGEST.fullmatch(digest):
            raise ConfigError(
                f"{where} ({client}): the key must be configured as its hash (sha256:<64 hex> or "
                "scrypt:...), never in plain; make one with `redbag serve --new-key CLIENT`"
            )
        scopes = frozenset(rest[0].split(",")) if rest else DEFAULT_SCOPES
        unknown = sorted(scopes - SCOPES)
        if unknown:
            known = ", ".join(sorted(SCOPES))
            raise ConfigError(f"{where} ({client}): unknown scope {unknown[0]!r} (known: {known})")
        keys.append(ApiKey(client, digest, scopes, _organisations(bound, scopes, f"{where} ({client})")))
    return keys


def _organisations(bound: list[str], scopes: frozenset[str], where: str) -> frozenset[str] | None:
    """The ODS codes of an ``ods=`` field (None for ``ods=*``); required with the subscribe scope."""
    if not bound:
        if "subscribe" in scopes:
            raise ConfigError(
                f"{where}: a key with the subscribe scope names its organisations: ods=CODE[,CODE...] "
                "(or ods=* for every organisation)"
            )
        return None
    codes = bound[0].removeprefix("ods=")
    if codes == "*":
        return None
    found = frozenset(codes.split(","))
    wrong = sorted(c for c in found if not _ODS.fullmatch(c))
    if wrong:
        raise ConfigError(f"{where}: {wrong[0]!r} is not an ODS code (3 to 10 upper-case letters and digits)")
    return found


def parse_trust_fields(text: str) -> tuple[TrustFields, ...]:
    """``FACILITY admit-source=PV1-14 discharge-destination=PV1-37`` entries, ``;``-separated."""
    found = []
    for number, entry in enumerate((e.strip() for e in text.split(";") if e.strip()), 1):
        facility, *pairs = entry.split()
        values = {}
        for pair in pairs:
            name, _, field_at = pair.partition("=")
            if name not in ("admit-source", "discharge-destination") or not _HL7_FIELD.fullmatch(field_at):
                raise ConfigError(
                    f"REDBAG_HL7_FIELDS: entry {number} ({facility}): {pair!r} is not admit-source=PV1-n "
                    "or discharge-destination=PV1-n (PV1 or PV2, optionally .component)"
                )
            values[name.replace("-", "_")] = field_at
        found.append(TrustFields(facility, **values))
    facilities = [t.facility for t in found]
    repeated = sorted({f for f in facilities if facilities.count(f) > 1})
    if repeated:
        raise ConfigError(f"REDBAG_HL7_FIELDS: facility {repeated[0]!r} is configured more than once")
    return tuple(found)


def parse_fhir_sources(text: str) -> tuple[tuple[str, str], ...]:
    """``name=base-url`` entries, ``;``-separated."""
    found = []
    for entry in (e.strip() for e in text.split(";") if e.strip()):
        name, _, url = entry.partition("=")
        if not _SOURCE_NAME.fullmatch(name.strip()) or not url.strip().startswith(("http://", "https://")):
            raise ConfigError(
                f"REDBAG_FHIR_EVENT_SOURCES: {entry!r} is not name=http(s)://base (name: lower-case letters, "
                "digits and -)"
            )
        found.append((name.strip(), url.strip().rstrip("/")))
    return tuple(found)


def _time_zone(name: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"REDBAG_HL7_TIMEZONE: {name!r} is not a time zone (such as Europe/London)"
        ) from None
    return name


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
