"""The blocking client: performs the core's steps with ``httpx.Client`` and ``time.sleep``."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from types import TracebackType
from typing import Any, Self, cast

import httpx

from adapter.client.core import DEFAULT_TIMEOUT, Condition, make_core
from adapter.client.errors import Resource
from adapter.client.flow import Emit, Flow, R, Reply, Sleep, Step, Stream, T
from adapter.client.response_reading import MethodOutcome
from adapter.client.retry import RetryPolicy
from adapter.client.search import SearchBuilder, SearchQuery


class FhirClient:
    """A FHIR R4 REST client (blocking). ``transport`` is the test seam (e.g. ``httpx.MockTransport``).

    >>> with FhirClient("http://127.0.0.1:8080/fhir") as fhir:          # doctest: +SKIP
    ...     patient = fhir.search("Patient").where(identifier=f"{NHS}|9434765919").first()
    """

    def __init__(
        self,
        base_url: str,
        *,
        auth: httpx.Auth | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        max_get_url: int = 2048,
        fresh_searches: bool = True,
        sleep: Callable[[float], None] = time.sleep,
        http: httpx.Client | None = None,
    ) -> None:
        self._core = make_core(base_url, timeout, retry, headers, max_get_url, fresh_searches)
        self._http = http or httpx.Client(auth=auth, transport=transport, timeout=self._core.factory.timeout)
        self._sleep = sleep

    @property
    def base_url(self) -> str:
        """The server's base URL (no trailing slash)."""
        return self._core.factory.base_url

    # -- driving flows: the only I/O ----------------------------------------------------------

    def _perform(self, step: Step) -> Reply:
        if isinstance(step, Sleep):
            self._sleep(step.seconds)
            return None
        try:
            return self._http.send(step.request)
        except httpx.RequestError as exc:
            return exc

    def _run(self, flow: Flow[R]) -> R:
        reply: Reply = None
        while True:
            try:
                step = flow.send(reply)
            except StopIteration as stop:
                return cast(R, stop.value)
            reply = self._perform(step)

    def _iterate(self, stream: Stream[T]) -> Iterator[T]:
        reply: Reply = None
        while True:
            try:
                step = stream.send(reply)
            except StopIteration:
                return
            if isinstance(step, Emit):
                reply = None
                yield step.item
            else:
                reply = self._perform(step)

    # -- operations (each one line: the logic is in the core) ---------------------------------

    def capabilities(self) -> Resource:
        """The server's CapabilityStatement."""
        return self._run(self._core.capabilities())

    def create(
        self,
        resource: Resource,
        *,
        if_none_exist: Condition | None = None,
        prefer: str | None = "representation",
    ) -> MethodOutcome:
        """Create; with ``if_none_exist`` only when nothing matches (``created`` tells which)."""
        return self._run(self._core.create(resource, if_none_exist, prefer))

    def read(self, resource_type: str, resource_id: str, *, elements: tuple[str, ...] = ()) -> Resource:
        """Read the current version."""
        return self._run(self._core.read(resource_type, resource_id, elements))

    def vread(self, resource_type: str, resource_id: str, version_id: str) -> Resource:
        """Read one version."""
        return self._run(self._core.vread(resource_type, resource_id, version_id))

    def update(
        self,
        resource: Resource,
        *,
        condition: Condition | None = None,
        if_match: str | None = None,
        prefer: str | None = "representation",
    ) -> MethodOutcome:
        """Update (or create with a client id) by id, or by ``condition``; ``if_match`` a version id."""
        return self._run(self._core.update(resource, condition, if_match, prefer))

    def delete(
        self, resource_type: str, resource_id: str | None = None, *, condition: Condition | None = None
    ) -> MethodOutcome:
        """Delete by id or by condition."""
        return self._run(self._core.delete(resource_type, resource_id, condition))

    def history(
        self,
        resource_type: str | None = None,
        resource_id: str | None = None,
        *,
        since: str | None = None,
        page_size: int | None = None,
    ) -> Iterator[Resource]:
        """Every version in the history (newest first), over all pages."""
        pages = self._core.history(resource_type, resource_id, since, page_size)
        return self._iterate(self._core.resources(pages, None))

    def search(self, resource_type: str | None = None) -> SearchSet:
        """A search builder (nothing is sent until a terminal verb)."""
        return SearchSet(self, SearchQuery(resource_type))

    def transaction(self, bundle: Resource, *, prefer: str | None = None) -> Resource:
        """Send a transaction Bundle; returns the transaction-response Bundle."""
        return self._run(self._core.transaction(bundle, prefer))

    def batch(self, bundle: Resource, *, prefer: str | None = None) -> Resource:
        """Send a batch Bundle; returns the batch-response Bundle."""
        return self._run(self._core.batch(bundle, prefer))

    def validate(
        self,
        resource: Resource,
        *,
        profile: str | None = None,
        mode: str | None = None,
        resource_id: str | None = None,
    ) -> Resource:
        """Server-side $validate; the OperationOutcome (check its issues' severities)."""
        return self._run(self._core.validate(resource, profile, mode, resource_id))

    def everything(self, patient_id: str, params: Mapping[str, Any] | None = None) -> Iterator[Resource]:
        """Every resource of Patient/[id]/$everything, over all pages."""
        return self._iterate(self._core.resources(self._core.everything(patient_id, params), None))

    def operation(
        self,
        name: str,
        *,
        resource_type: str | None = None,
        resource_id: str | None = None,
        parameters: Resource | None = None,
        params: Mapping[str, Any] | None = None,
        method: str = "POST",
        idempotent: bool | None = None,
    ) -> Resource | None:
        """Invoke any named operation; returns its output (a resource) or None."""
        return self._run(
            self._core.operation(name, resource_type, resource_id, parameters, params, method, idempotent)
        )

    # -- lifecycle ------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


class SearchSet(SearchBuilder[FhirClient]):
    """A search bound to a :class:`FhirClient`; iterating it visits every match on every page."""

    __slots__ = ()

    def __iter__(self) -> Iterator[Resource]:
        return self._client._iterate(self._client._core.search_resources(self.query))

    def pages(self) -> Iterator[Resource]:
        """Each Bundle page (with included resources), following ``next`` links."""
        return self._client._iterate(self._client._core.search_pages(self.query))

    def resources(self) -> Iterator[Resource]:
        """Every resource of every page, matches and ``_include``/``_revinclude`` ones."""
        return self._client._iterate(self._client._core.search_resources(self.query, None))

    def fetch(self) -> list[Resource]:
        """The matches on the first page."""
        return self._client._run(self._client._core.search_first_page(self.query))

    def fetch_all(self) -> list[Resource]:
        """Every match, over all pages."""
        return list(self)

    def first(self) -> Resource | None:
        """The first match, or None."""
        return self._client._run(self._client._core.search_first(self.query))

    def count(self) -> int:
        """How many resources match."""
        return self._client._run(self._client._core.search_count(self.query))
