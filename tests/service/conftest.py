"""Fixtures for the service tests: the app in-process (httpx's ASGI transport, lifespan run), one
validator for the session, and the session's HAPI and PostgreSQL servers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import httpx
import pytest

from adapter.config import Settings
from adapter.service import create_app
from adapter.service.state import Service, ValidatorLike
from tests.service.helpers import headers, make_settings

AppClient = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture(scope="session")
def validator() -> ValidatorLike:
    """The real profile validator, loaded once for the session."""
    from adapter.validation import Validator

    return Validator.load()


@pytest.fixture
def app_client(validator: ValidatorLike) -> AppClient:
    """``async with app_client(settings[, service]) as api``: the app in-process, started, as ehr-a."""

    @asynccontextmanager
    async def open_client(
        settings: Settings, service: Service | None = None
    ) -> AsyncIterator[httpx.AsyncClient]:
        service = service or Service(settings, validator_factory=lambda: validator)
        app = create_app(settings, service=service)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://redbag.test", headers=headers()
            ) as api:
                yield api

    return open_client


@pytest.fixture
async def api(app_client: AppClient, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The app in-process with default test settings, as caller ehr-a."""
    async with app_client(make_settings(tmp_path)) as client:
        yield client


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
