"""The Litestar application factory: ``create_app(container)``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import httpx
import punq
from litestar import Litestar
from litestar.di import Provide
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin

from entrypoints.http.demo_feeds_controller import demo_feed
from entrypoints.http.health_controller import health, ready
from entrypoints.http.problems import EXCEPTION_HANDLERS
from entrypoints.http.query_guard import reject_unknown_query_parameters
from entrypoints.http.route_pages import RoutePages
from entrypoints.http.routes_controller import RoutesController
from entrypoints.settings import Settings
from funflights_core.route_catalogue import RouteCatalogue

_log = logging.getLogger(__name__)


async def _keep_routes_fresh(catalogue: RouteCatalogue, interval_s: float) -> None:
    # The first refresh runs once the server listens (the demo feeds are served by this
    # very app); after that the catalogue is refreshed on a timer, so readers never wait.
    while True:
        try:
            await catalogue.refresh()
        except Exception:
            _log.exception("route refresh failed")
        await asyncio.sleep(interval_s)


def create_app(container: punq.Container, *, refresh_in_background: bool = True) -> Litestar:
    """The HTTP API over a container built by ``bootstrap`` (or one filled with fakes)."""
    settings: Settings = container.resolve(Settings)
    catalogue: RouteCatalogue = container.resolve(RouteCatalogue)
    client: httpx.AsyncClient = container.resolve(httpx.AsyncClient)

    route_pages = RoutePages(catalogue)

    def provide_route_pages() -> RoutePages:
        return route_pages

    @contextlib.asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        refresher = (
            asyncio.create_task(_keep_routes_fresh(catalogue, settings.routes_max_age_s))
            if refresh_in_background
            else None
        )
        try:
            yield
        finally:
            if refresher is not None:
                refresher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await refresher
            await catalogue.aclose()
            await client.aclose()

    handlers: list[object] = [RoutesController, health, ready]
    if settings.demo:
        handlers.append(demo_feed)
    return Litestar(
        route_handlers=handlers,  # type: ignore[arg-type]
        # One dependency: Litestar resolves two or more in a task group, which costs
        # more than the rest of a cached GET /routes.
        dependencies={"route_pages": Provide(provide_route_pages, sync_to_thread=False)},
        before_request=reject_unknown_query_parameters,
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=[lifespan],
        openapi_config=OpenAPIConfig(
            title="FunWithFlights API",
            version="0.1.0",
            description="Flight route aggregation across providers. Errors are RFC 9457 "
            "problem+json documents with a stable `type`.",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin()],
        ),
        # Logging belongs to the process (``funflights serve`` configures it from
        # FUNFLIGHTS_LOG_LEVEL); Litestar's default config would reset the root level.
        logging_config=None,
        debug=False,
    )
