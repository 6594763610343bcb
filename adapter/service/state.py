"""What one service process holds: settings, keys, the outbox, the validator, the delivery worker.

Created by :func:`adapter.service.main.create_app` (never at import time) and kept on
``app.state.service``; the outbox opens and the worker starts when the app starts, and both stop with it.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from adapter.client import BearerAuth, FhirClient, RetryPolicy
from adapter.config import Settings
from adapter.errors import ConfigError
from adapter.exchange import push_transaction
from adapter.measures.catch_up import catch_up
from adapter.service.auth import KeyRing
from adapter.service.delivery import DeliveryWorker, Sender
from adapter.service.pathway import PathwayService
from adapter.store import Outbox, open_outbox
from adapter.store.errors import DatabaseError

# Within one delivery attempt the client repeats only what is quick to repeat; the outbox does the
# long-haul retrying (with its own backoff), so one attempt stays well inside the claim's lease.
ATTEMPT_RETRY = RetryPolicy(max_attempts=2, backoff=0.5, max_total_delay=5.0)


class ValidatorLike(Protocol):
    """What the service needs of :class:`adapter.validation.Validator`."""

    def validate(self, source: Any, profile: Any = None) -> dict[str, Any]: ...


def load_validator() -> ValidatorLike:
    """The profile validator, loaded once per process (it reads every definition)."""
    from adapter.validation import Validator

    return Validator.load()


@dataclass
class Service:
    """One process's service: built from settings; ``start``/``stop`` bracket its life."""

    settings: Settings
    clock: Callable[[], float] = time.time
    validator_factory: Callable[[], ValidatorLike] = load_validator
    outbox_factory: Callable[[str], Outbox] = open_outbox
    keyring: KeyRing = field(init=False)
    outbox: Outbox | None = field(default=None, init=False)
    worker: DeliveryWorker | None = field(default=None, init=False)
    pathway: PathwayService | None = field(default=None, init=False)
    _validator: ValidatorLike | None = field(default=None, init=False)
    _validator_lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self.keyring = KeyRing(self.settings.api_keys)

    # -- life ----------------------------------------------------------------------------------

    def start(self, *, deliver: bool = True) -> None:
        """Open the outbox (creating its tables) and start delivering when a FHIR server is set."""
        self.outbox = self.outbox_factory(self.settings.database_url)
        catch_up(self.outbox.db)  # the measures' facts of what an older database held
        self.pathway = PathwayService(self.settings, self.outbox.db, clock=self.clock)
        self.pathway.start(deliver=deliver)
        if deliver and self.settings.fhir_server and self.settings.delivery.threads > 0:
            self.worker = DeliveryWorker(
                self.outbox, self.make_sender, self.settings.delivery, clock=self.clock
            )
            self.worker.start()

    def stop(self) -> None:
        """Stop delivering (letting deliveries in flight finish) and close the outbox."""
        if self.worker is not None:
            self.worker.stop()
            self.worker = None
        if self.pathway is not None:
            self.pathway.stop()
            self.pathway = None
        if self.outbox is not None:
            self.outbox.close()
            self.outbox = None

    # -- what the routes use -------------------------------------------------------------------

    def require_outbox(self) -> Outbox:
        """The open outbox (DatabaseError, hence 503, before start-up or after shut-down)."""
        if self.outbox is None:
            raise DatabaseError("the transfer outbox is not open")
        return self.outbox

    def require_pathway(self) -> PathwayService:
        """The pathway's stores and event writer (DatabaseError, hence 503, while the outbox is closed)."""
        if self.pathway is None:
            raise DatabaseError("the pathway store is not open")
        return self.pathway

    def validate(self, resource: Any, profile: str | None = None) -> dict[str, Any]:
        """An OperationOutcome for a resource (loading the validator on first use).

        One validation at a time per process: the validator fills shared caches as it goes.
        """
        with self._validator_lock:
            if self._validator is None:
                self._validator = self.validator_factory()
            return self._validator.validate(resource, profile)

    def fhir_client(self, *, timeout: float | None = None, retry: RetryPolicy = ATTEMPT_RETRY) -> FhirClient:
        """A client on the configured FHIR server (TLS verified unless configured otherwise)."""
        base = self.settings.fhir_server
        if base is None:
            raise ConfigError("no FHIR server configured (REDBAG_FHIR_SERVER)")
        token = self.settings.fhir_token
        http = httpx.Client(verify=self.tls_verification(), auth=BearerAuth(token) if token else None)
        return FhirClient(base, http=http, timeout=timeout or self.settings.fhir_timeout, retry=retry)

    def tls_verification(self) -> bool | ssl.SSLContext:
        """How the FHIR server's certificate is checked: the system's CAs, a configured bundle, or (only
        when switched off explicitly) not at all."""
        if not self.settings.fhir_verify_tls:
            return False
        if self.settings.fhir_ca_bundle:
            return ssl.create_default_context(cafile=self.settings.fhir_ca_bundle)
        return True

    def make_sender(self) -> Sender:
        """A sender for one delivery thread (its own connection pool)."""
        return TransactionSender(self.fhir_client())

    def wake_delivery(self) -> None:
        """Tell this process's delivery threads that work has just arrived."""
        if self.worker is not None:
            self.worker.wake()


class TransactionSender:
    """Delivers a transfer's transaction Bundle with :func:`adapter.exchange.push_transaction`."""

    def __init__(self, client: FhirClient) -> None:
        self.client = client

    def __call__(self, transaction: dict[str, Any]) -> dict[str, Any]:
        result = push_transaction(self.client, transaction, "outbox")
        return {
            "entries": result.entries,
            "created": result.created,
            "statuses": dict(result.counts),
            "locations": list(result.locations),
        }

    def close(self) -> None:
        self.client.close()
