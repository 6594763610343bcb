"""FHIR R4 REST client on httpx: a sans-I/O core shared by a blocking and an asyncio shell.

Layout: :mod:`~adapter.client.flow` (the step protocol), :mod:`~adapter.client.request_building`
and :mod:`~adapter.client.response_reading` (pure), :mod:`~adapter.client.retry` (retry policy),
:mod:`~adapter.client.search` (immutable search builder), :mod:`~adapter.client.core` (every
operation as a flow), :mod:`~adapter.client.sync` / :mod:`~adapter.client.aio` (the shells),
:mod:`~adapter.client.auth` (bearer, basic, SMART Backend Services), :mod:`~adapter.client.capabilities`
(a CapabilityStatement read into facts), :mod:`~adapter.client.errors`.
"""

from adapter.client.aio import AsyncFhirClient, AsyncSearchSet
from adapter.client.auth import BasicAuth, BearerAuth, SmartBackendAuth
from adapter.client.capabilities import ServerCapabilities, TypeCapabilities, read_capabilities
from adapter.client.errors import (
    AuthError,
    BadRequestError,
    CapabilityStatementError,
    ConflictError,
    FhirHttpError,
    FhirResponseError,
    FhirTimeoutError,
    FhirTransportError,
    GoneError,
    InvalidRequestError,
    NotFoundError,
    PreconditionFailedError,
    Resource,
    ServerError,
    TooManyRequestsError,
    UnprocessableError,
)
from adapter.client.response_reading import MethodOutcome
from adapter.client.retry import RetryPolicy
from adapter.client.search import SearchQuery
from adapter.client.sync import FhirClient, SearchSet
from adapter.errors import FhirClientError

__all__ = [
    "AsyncFhirClient",
    "AsyncSearchSet",
    "AuthError",
    "BadRequestError",
    "BasicAuth",
    "BearerAuth",
    "CapabilityStatementError",
    "ConflictError",
    "FhirClient",
    "FhirClientError",
    "FhirHttpError",
    "FhirResponseError",
    "FhirTimeoutError",
    "FhirTransportError",
    "GoneError",
    "InvalidRequestError",
    "MethodOutcome",
    "NotFoundError",
    "PreconditionFailedError",
    "Resource",
    "RetryPolicy",
    "SearchQuery",
    "SearchSet",
    "ServerCapabilities",
    "ServerError",
    "SmartBackendAuth",
    "TooManyRequestsError",
    "TypeCapabilities",
    "UnprocessableError",
    "read_capabilities",
]
