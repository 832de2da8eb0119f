"""The RouteProvider contract, run against every adapter."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from route_provider_contract import RouteProviderContract

from adapters.route_feeds.file_feed import FileRouteFeed
from adapters.route_feeds.http_feed import HttpRouteFeed
from adapters.route_feeds.in_memory_feed import InMemoryRouteFeed
from adapters.route_feeds.routes_json import RoutesJsonDecoder
from funflights_core.route_provider import RouteProvider


class TestInMemoryRouteFeedContract(RouteProviderContract):
    def provider_serving(
        self, content: object, decoder: RoutesJsonDecoder | None = None
    ) -> RouteProvider:
        return InMemoryRouteFeed(content, decoder=decoder)

    def unreachable_provider(self) -> RouteProvider:
        feed = InMemoryRouteFeed([])
        feed.fail_with("provider is down")
        return feed


class TestFileRouteFeedContract(RouteProviderContract):
    @pytest.fixture(autouse=True)
    def _folder(self, tmp_path: Path) -> None:
        self.folder = tmp_path
        self.files = 0

    def provider_serving(
        self, content: object, decoder: RoutesJsonDecoder | None = None
    ) -> RouteProvider:
        self.files += 1
        path = self.folder / f"routes-{self.files}.json"
        path.write_text(json.dumps(content), encoding="utf-8")
        return FileRouteFeed(path=path, decoder=decoder or RoutesJsonDecoder())

    def unreachable_provider(self) -> RouteProvider:
        return FileRouteFeed(path=self.folder / "missing.json", decoder=RoutesJsonDecoder())


class TestHttpRouteFeedContract(RouteProviderContract):
    URL = "http://provider.test/routes"

    @pytest.fixture(autouse=True)
    async def _clients(self) -> AsyncIterator[None]:
        self.clients: list[httpx.AsyncClient] = []
        self.delays: list[float] = []
        yield
        for client in self.clients:
            await client.aclose()

    async def _sleep(self, seconds: float) -> None:
        self.delays.append(seconds)

    def _feed(
        self, handler: httpx.MockTransport, decoder: RoutesJsonDecoder | None
    ) -> HttpRouteFeed:
        client = httpx.AsyncClient(transport=handler)
        self.clients.append(client)
        return HttpRouteFeed(
            url=self.URL,
            client=client,
            decoder=decoder or RoutesJsonDecoder(),
            timeout_s=1.0,
            retries=1,
            backoff_s=1.0,
            sleep=self._sleep,
        )

    def provider_serving(
        self, content: object, decoder: RoutesJsonDecoder | None = None
    ) -> RouteProvider:
        body = json.dumps(content).encode()

        def handler(request: httpx.Request) -> httpx.Response:
            assert str(request.url) == self.URL
            return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})

        return self._feed(httpx.MockTransport(handler), decoder)

    def unreachable_provider(self) -> RouteProvider:
        def handler(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("connection refused", request=request)

        return self._feed(httpx.MockTransport(handler), None)

    async def test_unreachable_provider_is_retried_with_the_fake_sleep(self) -> None:
        # Not part of the contract: checks the harness never sleeps for real.
        await self.test_unreachable_provider_is_unavailable()

        assert len(self.delays) == 1
        assert 1.0 <= self.delays[0] <= 2.0
