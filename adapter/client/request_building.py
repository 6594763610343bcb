"""Building FHIR REST requests (RESTful API, https://hl7.org/fhir/R4/http.html) -- no I/O.

Every request gets the FHIR JSON media types, the client's default headers and its timeout
(as the per-request ``timeout`` extension, so no request can wait forever), and is marked
idempotent or not for the retry policy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import httpx
import orjson

from adapter.client.errors import InvalidRequestError, Resource
from adapter.client.flow import Call

FHIR_JSON = "application/fhir+json"
FORM = "application/x-www-form-urlencoded"
# https://hl7.org/fhir/R4/datatypes.html#id and resource type names.
ID_PATTERN = re.compile(r"[A-Za-z0-9\-.]{1,64}")
TYPE_PATTERN = re.compile(r"[A-Z][A-Za-z]{1,63}")
OPERATION_PATTERN = re.compile(r"\$?[A-Za-z][A-Za-z0-9\-.]*")
SAFE_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE"})
Params = Sequence[tuple[str, str]]


def check_type(resource_type: str) -> str:
    """The resource type, if it is a plausible FHIR type name (no path tricks)."""
    if not TYPE_PATTERN.fullmatch(resource_type):
        raise InvalidRequestError(f"not a FHIR resource type: {resource_type!r}")
    return resource_type


def check_id(resource_id: str, what: str = "id") -> str:
    """The id, if it is a valid FHIR id (1-64 of A-Z a-z 0-9 - .)."""
    if not ID_PATTERN.fullmatch(resource_id):
        raise InvalidRequestError(f"not a valid FHIR {what}: {resource_id!r}")
    return resource_id


def check_operation(name: str) -> str:
    """The operation name with its leading ``$``."""
    if not OPERATION_PATTERN.fullmatch(name):
        raise InvalidRequestError(f"not a FHIR operation name: {name!r}")
    return name if name.startswith("$") else f"${name}"


def transaction_is_idempotent(bundle: Resource) -> bool:
    """True when replaying the whole Bundle cannot create duplicates: every entry is a read,
    a PUT or DELETE, or a POST with ``ifNoneExist`` (https://hl7.org/fhir/R4/http.html#trules)."""
    for entry in bundle.get("entry") or []:
        request = entry.get("request") or {}
        method = str(request.get("method", "")).upper()
        if method not in SAFE_METHODS and not (method == "POST" and request.get("ifNoneExist")):
            return False
    return True


@dataclass(frozen=True, slots=True)
class RequestFactory:
    """Turns an operation into an ``httpx.Request`` against one base URL."""

    base_url: str
    timeout: httpx.Timeout = field(default_factory=lambda: httpx.Timeout(60.0, connect=10.0))
    headers: Mapping[str, str] = field(default_factory=dict)
    max_get_url: int = 2048

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InvalidRequestError(f"not an http(s) FHIR base URL: {self.base_url!r}")
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))

    def url(self, path: str) -> str:
        """Absolute URL for a path relative to the base (``Patient/1``) or an absolute URL."""
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}" if path else self.base_url

    def resolve(self, link: str) -> str:
        """A Bundle link made absolute (servers normally send absolute ones)."""
        return urljoin(self.base_url + "/", link)

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        resource: Resource | None = None,
        form: Params | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> Call:
        """One request; ``idempotent`` defaults to what the HTTP method implies."""
        all_headers = {"Accept": FHIR_JSON, **self.headers, **(headers or {})}
        content: bytes | None = None
        if resource is not None:
            content = orjson.dumps(resource)
            all_headers["Content-Type"] = f"{FHIR_JSON}; charset=utf-8"
        elif form is not None:
            content = urlencode(list(form)).encode("ascii")
            all_headers["Content-Type"] = FORM
        request = httpx.Request(
            method,
            self.url(path),
            params=list(params) if params else None,
            content=content,
            headers=all_headers,
            extensions={"timeout": self.timeout.as_dict()},
        )
        return Call(request, method in SAFE_METHODS if idempotent is None else idempotent)

    def search(self, path: str, params: Params, headers: Mapping[str, str] | None = None) -> Call:
        """GET ``path?params``, or POST ``path/_search`` with a form body when the URL gets long
        (https://hl7.org/fhir/R4/http.html#search); either way safe to repeat."""
        get = self.call("GET", path, params=params, headers=headers)
        if len(str(get.request.url)) <= self.max_get_url:
            return get
        return self.call(
            "POST", f"{path}/_search" if path else "_search", form=params, headers=headers, idempotent=True
        )

    def get_link(self, link: str, headers: Mapping[str, str] | None = None) -> Call:
        """GET a paging link exactly as the server wrote it, but only on the same server: the
        client's credentials must not follow a link to another host."""
        url = self.resolve(link)
        if origin(url) != origin(self.base_url):
            raise InvalidRequestError(f"refusing to follow a paging link to another server: {url}")
        return self.call("GET", url, headers=headers)


def origin(url: str) -> tuple[str, str]:
    """Scheme and host:port of a URL (default ports made explicit)."""
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme, 0)
    return parts.scheme, f"{parts.hostname}:{port}"


def flatten_params(params: Mapping[str, Any] | Iterable[tuple[str, Any]] | None) -> list[tuple[str, str]]:
    """Query parameters as ``(name, text)`` pairs; list values repeat the name (AND)."""
    if params is None:
        return []
    items = params.items() if isinstance(params, Mapping) else params
    pairs: list[tuple[str, str]] = []
    for name, value in items:
        values = value if isinstance(value, list | tuple) else [value]
        pairs.extend((name, format_value(v)) for v in values)
    return pairs


def format_value(value: Any) -> str:
    """A search or operation parameter value as FHIR expects it (booleans lower case)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)
