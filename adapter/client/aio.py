"""The asyncio client: performs the core's steps with ``httpx.AsyncClient`` and ``asyncio.sleep``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any, Self, cast

import httpx

from adapter.client.core import DEFAULT_TIMEOUT, Condition, make_core
from adapter.client.errors import Resource
from adapter.client.flow import Emit, Flow, R, Reply, Sleep, Step, Stream, T
from adapter.client.response_reading import MethodOutcome
from adapter.client.retry import RetryPolicy
from adapter.client.search import SearchBuilder, SearchQuery


class AsyncFhirClient:
    """The asyncio twin of :class:`adapter.client.FhirClient` (same operations, awaited)."""

    def __init__(
        self,
        base_url: str,
        *,
        auth: httpx.Auth | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        max_get_url: int = 2048,
        fresh_searches: bool = True,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self._core = make_core(base_url, timeout, retry, headers, max_get_url, fresh_searches)
        self._http = http or httpx.AsyncClient(
            auth=auth, transport=transport, timeout=self._core.factory.timeout
        )
        self._sleep = sleep

    @property
    def base_url(self) -> str:
        """The server's base URL (no trailing slash)."""
        return self._core.factory.base_url

    # -- driving flows: the only I/O ----------------------------------------------------------

    async def _perform(self, step: Step) -> Reply:
        if isinstance(step, Sleep):
            await self._sleep(step.seconds)
            return None
        try:
            return await self._http.send(step.request)
        except httpx.RequestError as exc:
            return exc

    async def _run(self, flow: Flow[R]) -> R:
        reply: Reply = None
        while True:
            try:
                step = flow.send(reply)
            except StopIteration as stop:
                return cast(R, stop.value)
            reply = await self._perform(step)

    async def _iterate(self, stream: Stream[T]) -> AsyncIterator[T]:
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
                reply = await self._perform(step)

    # -- operations (each one line: the logic is in the core) ---------------------------------

    async def capabilities(self) -> Resource:
        """The server's CapabilityStatement."""
        return await self._run(self._core.capabilities())

    async def create(
        self,
        resource: Resource,
        *,
        if_none_exist: Condition | None = None,
        prefer: str | None = "representation",
    ) -> MethodOutcome:
        """Create; with ``if_none_exist`` only when nothing matches (``created`` tells which)."""
        return await self._run(self._core.create(resource, if_none_exist, prefer))

    async def read(self, resource_type: str, resource_id: str, *, elements: tuple[str, ...] = ()) -> Resource:
        """Read the current version."""
        return await self._run(self._core.read(resource_type, resource_id, elements))

    async def vread(self, resource_type: str, resource_id: str, version_id: str) -> Resource:
        """Read one version."""
        return await self._run(self._core.vread(resource_type, resource_id, version_id))

    async def update(
        self,
        resource: Resource,
        *,
        condition: Condition | None = None,
        if_match: str | None = None,
        prefer: str | None = "representation",
    ) -> MethodOutcome:
        """Update (or create with a client id) by id, or by ``condition``; ``if_match`` a version id."""
        return await self._run(self._core.update(resource, condition, if_match, prefer))

    async def delete(
        self, resource_type: str, resource_id: str | None = None, *, condition: Condition | None = None
    ) -> MethodOutcome:
        """Delete by id or by condition."""
        return await self._run(self._core.delete(resource_type, resource_id, condition))

    def history(
        self,
        resource_type: str | None = None,
        resource_id: str | None = None,
        *,
        since: str | None = None,
        page_size: int | None = None,
    ) -> AsyncIterator[Resource]:
        """Every version in the history (newest first), over all pages."""
        pages = self._core.history(resource_type, resource_id, since, page_size)
        return self._iterate(self._core.resources(pages, None))

    def search(self, resource_type: str | None = None) -> AsyncSearchSet:
        """A search builder (nothing is sent until a terminal verb)."""
        return AsyncSearchSet(self, SearchQuery(resource_type))

    async def transaction(self, bundle: Resource, *, prefer: str | None = None) -> Resource:
        """Send a transaction Bundle; returns the transaction-response Bundle."""
        return await self._run(self._core.transaction(bundle, prefer))

    async def batch(self, bundle: Resource, *, prefer: str | None = None) -> Resource:
        """Send a batch Bundle; returns the batch-response Bundle."""
        return await self._run(self._core.batch(bundle, prefer))

    async def validate(
        self,
        resource: Resource,
        *,
        profile: str | None = None,
        mode: str | None = None,
        resource_id: str | None = None,
    ) -> Resource:
        """Server-side $validate; the OperationOutcome (check its issues' severities)."""
        return await self._run(self._core.validate(resource, profile, mode, resource_id))

    def everything(self, patient_id: str, params: Mapping[str, Any] | None = None) -> AsyncIterator[Resource]:
        """Every resource of Patient/[id]/$everything, over all pages."""
        return self._iterate(self._core.resources(self._core.everything(patient_id, params), None))

    async def operation(
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
        return await self._run(
            self._core.operation(name, resource_type, resource_id, parameters, params, method, idempotent)
        )

    # -- lifecycle ------------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.aclose()


class AsyncSearchSet(SearchBuilder[AsyncFhirClient]):
    """A search bound to an :class:`AsyncFhirClient`; ``async for`` visits every match on every page."""

    __slots__ = ()

    def __aiter__(self) -> AsyncIterator[Resource]:
        return self._client._iterate(self._client._core.search_resources(self.query))

    def pages(self) -> AsyncIterator[Resource]:
        """Each Bundle page (with included resources), following ``next`` links."""
        return self._client._iterate(self._client._core.search_pages(self.query))

    def resources(self) -> AsyncIterator[Resource]:
        """Every resource of every page, matches and ``_include``/``_revinclude`` ones."""
        return self._client._iterate(self._client._core.search_resources(self.query, None))

    async def fetch(self) -> list[Resource]:
        """The matches on the first page."""
        return await self._client._run(self._client._core.search_first_page(self.query))

    async def fetch_all(self) -> list[Resource]:
        """Every match, over all pages."""
        return [resource async for resource in self]

    async def first(self) -> Resource | None:
        """The first match, or None."""
        return await self._client._run(self._client._core.search_first(self.query))

    async def count(self) -> int:
        """How many resources match."""
        return await self._client._run(self._client._core.search_count(self.query))
