"""The adapter's HTTP service (FastAPI): FHIR operations, transfers through a durable outbox, audit.

>>> app = create_app(Settings.from_environ(os.environ))      # doctest: +SKIP

Layout: ``main`` assembles; ``routers/`` one module per area; ``deps`` (Annotated dependencies),
``auth`` (keys), ``negotiation`` (JSON/XML), ``outcome`` and ``errors`` (OperationOutcome for every
error), ``middleware`` (size limit, request envelope), ``logmask`` (no NHS numbers or names in logs),
``intake`` (accepting transfers), ``delivery`` (the worker), ``state`` (one process's service).
"""

from adapter.service.main import create_app, create_app_from_environment

__all__ = ["create_app", "create_app_from_environment"]
