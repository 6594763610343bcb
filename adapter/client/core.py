"""The sans-I/O core: every operation as a flow (see :mod:`adapter.client.flow`).

The core builds the requests, runs the retry loop, reads the answers and follows paging links;
the sync and async shells only perform the steps it yields.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import httpx

from adapter import __version__
from adapter.client.errors import (
    BadRequestError,
    FhirResponseError,
    InvalidRequestError,
    PreconditionFailedError,
    Resource,
    UnprocessableError,
)
from adapter.client.flow import Call, Emit, Flow, Reply, Send, Sleep, Stream, T
from adapter.client.request_building import (
    RequestFactory,
    check_id,
    check_operation,
    check_type,
    flatten_params,
    transaction_is_idempotent,
)
from adapter.client.response_reading import (
    MethodOutcome,
    accept,
    entry_resources,
    next_link,
    parse_json,
    resource_of,
)
from adapter.client.retry import RetryPolicy
from adapter.client.search import SearchQuery

Condition = str | Mapping[str, Any]
USER_AGENT = f"redbag/{__version__}"
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
# Search results must reflect writes made a moment ago (HAPI, for one, reuses cached searches).
NO_CACHE = {"Cache-Control": "no-cache"}
# A parameter the server does not know must fail the search, not be dropped from it: a lenient server
# would answer a wider search than asked, e.g. every Patient for an unknown identifier parameter
# (https://hl7.org/fhir/R4/search.html#errors; hazard H3).
STRICT_SEARCH = {"Prefer": "handling=strict"}
PREFER = {
    "representation": "return=representation",
    "minimal": "return=minimal",
    "OperationOutcome": "return=OperationOutcome",
}


def condition_query(condition: Condition) -> str:
    """A conditional-operation query (``identifier=system|value``) from text or a mapping."""
    if isinstance(condition, str):
        return condition.lstrip("?")
    return urlencode(flatten_params(condition), safe="|:/,$")


def prefer_header(prefer: str | None) -> dict[str, str]:
    """The ``Prefer`` header for a write (https://hl7.org/fhir/R4/http.html#ops)."""
    if prefer is None:
        return {}
    if prefer not in PREFER:
        raise InvalidRequestError(f"prefer must be one of {sorted(PREFER)}, not {prefer!r}")
    return {"Prefer": PREFER[prefer]}


def resource_type_of(resource: Resource) -> str:
    """The resource's ``resourceType``, checked."""
    return check_type(str(resource.get("resourceType", "")))


class FhirCore:
    """Operations of the FHIR RESTful API as flows, shared by :class:`FhirClient` and
    :class:`AsyncFhirClient`."""

    def __init__(self, factory: RequestFactory, retry: RetryPolicy, fresh_searches: bool = True) -> None:
        self.factory = factory
        self.retry = retry
        self.search_headers = {**STRICT_SEARCH, **(NO_CACHE if fresh_searches else {})}

    # -- the exchange loop: the only place that decides about retries --------------------------

    def exchange(self, call: Call) -> Flow[httpx.Response]:
        """Send, and repeat while the retry policy allows; return the successful response."""
        attempt, waited = 0, 0.0
        while True:
            reply: Reply = yield Send(call.request)
            if reply is None:
                raise RuntimeError("the shell must reply to Send with a response or an httpx error")
            delay = self.retry.delay(reply, call.idempotent, attempt, waited)
            if delay is None:
                return accept(call.request, reply)
            attempt, waited = attempt + 1, waited + delay
            yield Sleep(delay)

    def fetch_resource(self, call: Call) -> Flow[Resource]:
        """Exchange and return the body as a resource."""
        response = yield from self.exchange(call)
        return resource_of(call.request, response)

    def write(self, call: Call) -> Flow[MethodOutcome]:
        """Exchange and return what the write answered."""
        response = yield from self.exchange(call)
        return MethodOutcome.of(call.request, response)

    def pages(self, call: Call) -> Stream[Resource]:
        """Emit each Bundle page, following ``next`` links until there is none (or one repeats)."""
        followed = {str(call.request.url)}
        while True:
            response = yield from self.exchange(call)
            bundle = resource_of(call.request, response)
            yield Emit(bundle)
            link = next_link(bundle)
            if link is None:
                return
            next_call = self.factory.get_link(link, headers=self.search_headers)
            if str(next_call.request.url) in followed:
                raise FhirResponseError(f"paging loops back to {link}", call.request, response)
            followed.add(str(next_call.request.url))
            call = next_call

    def resources(self, pages: Stream[Resource], modes: frozenset[str] | None) -> Stream[Resource]:
        """Emit the entries' resources of every page of ``pages``."""
        reply: Reply = None
        while True:
            try:
                step = pages.send(reply)
            except StopIteration:
                return
            reply = None
            if isinstance(step, Emit):
                for resource in entry_resources(step.item, modes):
                    yield Emit(resource)
            else:
                reply = yield step

    def collect(self, stream: Stream[T]) -> Flow[list[T]]:
        """Run a stream inside a flow and return everything it emitted."""
        items: list[T] = []
        reply: Reply = None
        while True:
            try:
                step = stream.send(reply)
            except StopIteration:
                return items
            reply = None
            if isinstance(step, Emit):
                items.append(step.item)
            else:
                reply = yield step

    # -- whole-server ---------------------------------------------------------------------------

    def capabilities(self) -> Flow[Resource]:
        """GET [base]/metadata: the CapabilityStatement."""
        return self.fetch_resource(self.factory.call("GET", "metadata"))

    def transaction(self, bundle: Resource, prefer: str | None = None) -> Flow[Resource]:
        """POST a transaction Bundle: all entries succeed or none (https://hl7.org/fhir/R4/http.html#transaction)."""
        return self._bundle(bundle, "transaction", prefer)

    def batch(self, bundle: Resource, prefer: str | None = None) -> Flow[Resource]:
        """POST a batch Bundle: entries succeed or fail one by one."""
        return self._bundle(bundle, "batch", prefer)

    def _bundle(self, bundle: Resource, kind: str, prefer: str | None) -> Flow[Resource]:
        if bundle.get("resourceType") != "Bundle" or bundle.get("type") != kind:
            raise InvalidRequestError(
                f"expected a Bundle of type {kind!r}, got {bundle.get('resourceType')}/{bundle.get('type')}"
            )
        call = self.factory.call(
            "POST",
            "",
            resource=bundle,
            headers=prefer_header(prefer),
            idempotent=transaction_is_idempotent(bundle),
        )
        return self.fetch_resource(call)

    # -- instance and type level ----------------------------------------------------------------

    def create(
        self,
        resource: Resource,
        if_none_exist: Condition | None = None,
        prefer: str | None = "representation",
    ) -> Flow[MethodOutcome]:
        """POST [type], conditional with ``If-None-Exist`` (then safe to repeat)."""
        headers = prefer_header(prefer)
        if if_none_exist is not None:
            headers["If-None-Exist"] = condition_query(if_none_exist)
        call = self.factory.call(
            "POST",
            resource_type_of(resource),
            resource=resource,
            headers=headers,
            idempotent=if_none_exist is not None,
        )
        return self.write(call)

    def read(self, resource_type: str, resource_id: str, elements: tuple[str, ...] = ()) -> Flow[Resource]:
        """GET [type]/[id]."""
        params = [("_elements", ",".join(elements))] if elements else None
        path = f"{check_type(resource_type)}/{check_id(resource_id)}"
        return self.fetch_resource(self.factory.call("GET", path, params=params))

    def vread(self, resource_type: str, resource_id: str, version_id: str) -> Flow[Resource]:
        """GET [type]/[id]/_history/[vid]."""
        version = check_id(version_id, "version id")
        path = f"{check_type(resource_type)}/{check_id(resource_id)}/_history/{version}"
        return self.fetch_resource(self.factory.call("GET", path))

    def update(
        self,
        resource: Resource,
        condition: Condition | None = None,
        if_match: str | None = None,
        prefer: str | None = "representation",
    ) -> Flow[MethodOutcome]:
        """PUT [type]/[id], or PUT [type]?condition (conditional update); ``if_match`` is a version id."""
        resource_type = resource_type_of(resource)
        if condition is not None:
            path = f"{resource_type}?{condition_query(condition)}"
        elif resource.get("id"):
            path = f"{resource_type}/{check_id(str(resource['id']))}"
        else:
            raise InvalidRequestError(f"update needs {resource_type}.id or a condition")
        headers = prefer_header(prefer)
        if if_match is not None:
            headers["If-Match"] = f'W/"{if_match}"'
        return self.write(self.factory.call("PUT", path, resource=resource, headers=headers))

    def delete(
        self, resource_type: str, resource_id: str | None = None, condition: Condition | None = None
    ) -> Flow[MethodOutcome]:
        """DELETE [type]/[id] or DELETE [type]?condition."""
        if (resource_id is None) == (condition is None):
            raise InvalidRequestError("delete needs exactly one of an id or a condition")
        path = check_type(resource_type)
        if resource_id is not None:
            path += f"/{check_id(resource_id)}"
        else:
            path += f"?{condition_query(condition or '')}"
        return self.write(self.factory.call("DELETE", path))

    def history(
        self,
        resource_type: str | None = None,
        resource_id: str | None = None,
        since: str | None = None,
        page_size: int | None = None,
    ) -> Stream[Resource]:
        """Pages of ``_history`` at system, type or instance level."""
        parts = [check_type(resource_type)] if resource_type else []
        if resource_id is not None:
            if not parts:
                raise InvalidRequestError("instance history needs a resource type")
            parts.append(check_id(resource_id))
        params = flatten_params(
            {k: v for k, v in (("_since", since), ("_count", page_size)) if v is not None}
        )
        return self.pages(self.factory.call("GET", "/".join([*parts, "_history"]), params=params))

    # -- search ---------------------------------------------------------------------------------

    def search_call(self, query: SearchQuery) -> Call:
        """The request for a search's first page (GET, or POST _search when long)."""
        return self.factory.search(query.path, query.params, headers=self.search_headers)

    def search_pages(self, query: SearchQuery) -> Stream[Resource]:
        """Every page of the search."""
        return self.pages(self.search_call(query))

    def search_resources(
        self, query: SearchQuery, modes: frozenset[str] | None = frozenset({"match"})
    ) -> Stream[Resource]:
        """Every matching resource over every page (``modes=None`` adds included ones)."""
        return self.resources(self.search_pages(query), modes)

    def search_first_page(self, query: SearchQuery) -> Flow[list[Resource]]:
        """The matches on the first page only."""
        bundle = yield from self.fetch_resource(self.search_call(query))
        return list(entry_resources(bundle))

    def search_first(self, query: SearchQuery) -> Flow[Resource | None]:
        """The first match, or None."""
        matches = yield from self.search_first_page(query.replace("_count", "1"))
        return matches[0] if matches else None

    def search_count(self, query: SearchQuery) -> Flow[int]:
        """How many resources match (``_summary=count``; counted page by page if no total)."""
        bundle = yield from self.fetch_resource(
            self.search_call(query.replace("_summary", "count").replace("_total", "accurate"))
        )
        if isinstance(bundle.get("total"), int):
            return int(bundle["total"])
        ids_only = self.search_resources(query.replace("_elements", "id"))
        return len((yield from self.collect(ids_only)))

    # -- operations -----------------------------------------------------------------------------

    def validate(
        self,
        resource: Resource,
        profile: str | None = None,
        mode: str | None = None,
        resource_id: str | None = None,
    ) -> Flow[Resource]:
        """POST [type]/$validate (https://hl7.org/fhir/R4/resource-operation-validate.html): the
        OperationOutcome, whether or not it reports errors. The resource is the body and ``profile``
        and ``mode`` go in the query: servers accept that form widely, while HAPI 8.8 misreads a
        ``profile`` wrapped in a Parameters body."""
        params = [(k, v) for k, v in (("profile", profile), ("mode", mode)) if v is not None]
        path = (
            resource_type_of(resource) + (f"/{check_id(resource_id)}" if resource_id else "") + "/$validate"
        )
        call = self.factory.call("POST", path, params=params, resource=resource, idempotent=True)
        try:
            return (yield from self.fetch_resource(call))
        except (BadRequestError, PreconditionFailedError, UnprocessableError) as exc:
            if exc.outcome is None:
                raise
            return exc.outcome

    def everything(self, patient_id: str, params: Mapping[str, Any] | None = None) -> Stream[Resource]:
        """Pages of Patient/[id]/$everything (https://hl7.org/fhir/R4/patient-operation-everything.html)."""
        call = self.factory.call(
            "GET",
            f"Patient/{check_id(patient_id)}/$everything",
            params=flatten_params(params),
            headers=self.search_headers,
        )
        return self.pages(call)

    def operation(
        self,
        name: str,
        resource_type: str | None = None,
        resource_id: str | None = None,
        parameters: Resource | None = None,
        params: Mapping[str, Any] | None = None,
        method: str = "POST",
        idempotent: bool | None = None,
    ) -> Flow[Resource | None]:
        """Any named operation at system, type or instance level; POST sends ``parameters``
        (a Parameters resource, or any resource the operation takes), GET sends ``params``."""
        parts = [check_type(resource_type)] if resource_type else []
        if resource_id is not None:
            parts.append(check_id(resource_id))
        parts.append(check_operation(name))
        method = method.upper()
        if method not in ("GET", "POST"):
            raise InvalidRequestError(f"operations are invoked with GET or POST, not {method}")
        call = self.factory.call(
            method,
            "/".join(parts),
            params=flatten_params(params),
            resource=parameters if method == "POST" else None,
            idempotent=(method == "GET") if idempotent is None else idempotent,
        )
        response = yield from self.exchange(call)
        return parse_json(call.request, response)


def make_core(
    base_url: str,
    timeout: float | httpx.Timeout,
    retry: RetryPolicy | None,
    headers: Mapping[str, str] | None,
    max_get_url: int,
    fresh_searches: bool,
) -> FhirCore:
    """The core both shells build from their constructor arguments."""
    factory = RequestFactory(
        base_url,
        timeout=timeout
        if isinstance(timeout, httpx.Timeout)
        else httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        # gzip also spares HAPI's many small chunks when it streams an uncompressed answer.
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate", **(headers or {})},
        max_get_url=max_get_url,
    )
    return FhirCore(factory, retry or RetryPolicy(), fresh_searches)
