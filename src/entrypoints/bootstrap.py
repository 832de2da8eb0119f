"""The composition root: the one place that reads settings and chooses adapters."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import punq

from adapters.clocks import SystemClock
from adapters.route_feeds.bundled_feed import BundledRouteFeed
from adapters.route_feeds.file_feed import FileRouteFeed
from adapters.route_feeds.http_feed import HttpRouteFeed, Sleep
from adapters.route_feeds.routes_json import RoutesJsonDecoder
from entrypoints.provider_file import (
    ProviderConfig,
    ProviderFile,
    demo_providers,
    load_provider_file,
    seed_providers,
)
from entrypoints.settings import Settings
from funflights_core.circuit_breaker import CircuitBreaker
from funflights_core.clock import Clock
from funflights_core.route_catalogue import ProviderSource, RouteCatalogue
from funflights_core.route_provider import ProviderProfile, RouteProvider

USER_AGENT = "FunWithFlights-aggregator/0.1"


def configured_providers(settings: Settings, *, demo_over_http: bool) -> tuple[ProviderFile, Path]:
    """The provider file in force and the folder its relative ``file:`` URLs start from."""
    if settings.providers_file is not None:
        path = settings.providers_file
        return load_provider_file(path), path.resolve().parent
    if settings.demo:
        base = f"http://{settings.host}:{settings.port}" if demo_over_http else None
        return demo_providers(base), Path.cwd()
    return seed_providers(), Path.cwd()


def build_provider(
    config: ProviderConfig, *, client: httpx.AsyncClient, base_dir: Path, sleep: Sleep
) -> RouteProvider:
    """The adapter for one configured provider, chosen by its URL scheme."""
    decoder = RoutesJsonDecoder(config.fields)
    if config.kind == "bundled":
        return BundledRouteFeed(name=config.url.removeprefix("bundled:"), decoder=decoder)
    if config.kind == "file":
        return FileRouteFeed(path=config.file_path(base_dir), decoder=decoder)
    return HttpRouteFeed(
        url=config.url,
        client=client,
        decoder=decoder,
        timeout_s=config.timeout_s,
        retries=config.retries,
        sleep=sleep,
    )


def build_catalogue(
    providers: ProviderFile,
    *,
    client: httpx.AsyncClient,
    clock: Clock,
    max_age_s: float,
    base_dir: Path,
    sleep: Sleep = asyncio.sleep,
) -> RouteCatalogue:
    """A route catalogue over the enabled providers of a provider file."""
    sources = [
        ProviderSource(
            profile=ProviderProfile(
                name=config.name, priority=config.priority, location=config.url
            ),
            provider=build_provider(config, client=client, base_dir=base_dir, sleep=sleep),
            breaker=CircuitBreaker(
                failure_threshold=config.circuit_failures,
                reset_after_s=config.circuit_reset_s,
                clock=clock,
            ),
        )
        for config in providers.enabled
    ]
    return RouteCatalogue(sources, clock=clock, max_age_s=max_age_s)


def new_http_client() -> httpx.AsyncClient:
    """The shared outbound HTTP client (timeouts are applied per provider)."""
    return httpx.AsyncClient(
        headers={"User-Agent": USER_AGENT},
        follow_redirects=True,
        timeout=None,
        limits=httpx.Limits(max_connections=50, max_keepalive_connections=10),
    )


def bootstrap(
    settings: Settings | None = None,
    *,
    http_client: httpx.AsyncClient | None = None,
    clock: Clock | None = None,
    demo_over_http: bool = True,
    sleep: Sleep = asyncio.sleep,
) -> punq.Container:
    """Build the container from settings; tests pass their own client, clock and sleep."""
    settings = settings or Settings()
    clock = clock or SystemClock()
    client = http_client or new_http_client()
    providers, base_dir = configured_providers(settings, demo_over_http=demo_over_http)
    catalogue = build_catalogue(
        providers,
        client=client,
        clock=clock,
        max_age_s=settings.routes_max_age_s,
        base_dir=base_dir,
        sleep=sleep,
    )
    container = punq.Container()
    container.register(Settings, instance=settings)
    container.register(Clock, instance=clock)
    container.register(httpx.AsyncClient, instance=client)
    container.register(ProviderFile, instance=providers)
    container.register(RouteCatalogue, instance=catalogue)
    return container
