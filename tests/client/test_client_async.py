"""The async shell drives the same core: same requests, same retries, same paging."""

from __future__ import annotations

import asyncio

import httpx
import orjson
import pytest

from adapter.client import AsyncFhirClient, FhirClient, NotFoundError, RetryPolicy

BASE = "http://fhir.test/r4"


def handler_with_pages(seen: list[str]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url}")
        if request.url.path.endswith("/missing"):
            return httpx.Response(404, json={"resourceType": "OperationOutcome", "issue": []})
        if len(seen) == 1:
            return httpx.Response(503, headers={"Retry-After": "1"})
        page = int(request.url.params.get("page", "1"))
        links = [{"relation": "next", "url": f"{BASE}/Patient?page={page + 1}"}] if page < 3 else []
        return httpx.Response(
            200,
            content=orjson.dumps(
                {
                    "resourceType": "Bundle",
                    "type": "searchset",
                    "link": links,
                    "entry": [{"resource": {"resourceType": "Patient", "id": f"p{page}"}}],
                }
            ),
        )

    return httpx.MockTransport(handler)


def test_async_and_sync_shells_send_the_same_requests() -> None:
    sync_seen: list[str] = []
    async_seen: list[str] = []
    sleeps: list[float] = []

    async def record_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    sync_ids = [
        p["id"]
        for p in FhirClient(BASE, transport=handler_with_pages(sync_seen), sleep=lambda _: None).search(
            "Patient"
        )
    ]

    async def run() -> list[str]:
        async with AsyncFhirClient(
            BASE, transport=handler_with_pages(async_seen), sleep=record_sleep
        ) as client:
            return [p["id"] async for p in client.search("Patient")]

    assert asyncio.run(run()) == sync_ids == ["p1", "p2", "p3"]
    assert async_seen == sync_seen
    assert sleeps == [1.0]


def test_async_errors_are_the_same_classes() -> None:
    async def run() -> None:
        client = AsyncFhirClient(BASE, transport=handler_with_pages(["x"]), retry=RetryPolicy(max_attempts=1))
        await client.read("Patient", "missing")

    with pytest.raises(NotFoundError):
        asyncio.run(run())
