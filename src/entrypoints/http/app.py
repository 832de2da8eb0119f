"""The Litestar application factory: ``create_app(container)``."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import msgspec
import punq
from litestar import Litestar, Request, Response
from litestar.di import Provide
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.routes import HTTPRoute
from litestar.types import BeforeRequestHookHandler

from adapters.page_stores.redis_page_store import RedisPageStore
from entrypoints.bootstrap import BookingParts, InventoryParts, PricingParts
from entrypoints.http import bookings_wire, identity_wire
from entrypoints.http.api_context import ApiServices, api_context_provider
from entrypoints.http.api_keys_controller import ApiKeysController
from entrypoints.http.auth_controller import AuthController
from entrypoints.http.bookings_controller import BookingsController
from entrypoints.http.coupons_controller import CouponsController
from entrypoints.http.demo_feeds_controller import demo_feed
from entrypoints.http.demo_payments_controller import InvoicePaymentIn, pay_bitcoin_invoice
from entrypoints.http.flights_admin_controller import (
    CabinIn,
    FareIn,
    FlightIn,
    FlightPatchIn,
    FlightsAdminController,
    LegIn,
)
from entrypoints.http.flights_controller import FiltersIn, FlightsController, SearchIn, SliceIn
from entrypoints.http.flights_wire import Places
from entrypoints.http.health_controller import health, ready
from entrypoints.http.imports_controller import ImportsController
from entrypoints.http.margin_rules_controller import MarginRulesController
from entrypoints.http.offers_controller import OfferIn, OffersController
from entrypoints.http.payments_controller import PaymentsController
from entrypoints.http.pricing_controller import PricingController
from entrypoints.http.pricing_wire import (
    CouponIn,
    CouponPatchIn,
    MarginRuleIn,
    MarginRulePatchIn,
    ProviderQuoteIn,
    QuoteIn,
)
from entrypoints.http.problems import EXCEPTION_HANDLERS
from entrypoints.http.query_guard import reject_unknown_query_parameters
from entrypoints.http.repeated_failures import RepeatedFailures
from entrypoints.http.request_context import CallerResolver, TenantDirectory
from entrypoints.http.route_pages import RoutePages
from entrypoints.http.routes_controller import RoutesController
from entrypoints.http.search_pages import SearchPages
from entrypoints.http.search_warmer import keep_searches_warm, search_warmer
from entrypoints.http.tenants_controller import TenantsController
from entrypoints.http.users_controller import UsersController
from entrypoints.settings import Settings
from entrypoints.worker import run_worker
from funflights_core.accounts import AccountService
from funflights_core.api_key import Scope
from funflights_core.api_keys import ApiKeyService
from funflights_core.clock import Clock
from funflights_core.customer_import import CustomerImporter
from funflights_core.identity import IdentityService
from funflights_core.margin_books import MarginBooks
from funflights_core.route_catalogue import RouteCatalogue
from funflights_core.search_cache import InventoryVersions, SearchCache
from funflights_core.tenant_admin import TenantAdmin
from funflights_core.unit_of_work import UnitOfWorkFactory

_log = logging.getLogger(__name__)
SEARCHES_UNBOUNDED = 1 << 30
"""More searches than one date ever has: a serving process's warmer never reads windows."""

_REQUEST_STRUCTS: dict[str, type[msgspec.Struct]] = {
    struct.__name__: struct
    for struct in (
        identity_wire.RegisterIn,
        identity_wire.LoginIn,
        identity_wire.OidcLoginIn,
        identity_wire.RefreshIn,
        identity_wire.CodeIn,
        identity_wire.PasswordResetIn,
        identity_wire.PasswordResetConfirmIn,
        identity_wire.TotpCodeIn,
        identity_wire.ProfilePatchIn,
        identity_wire.OidcIn,
        identity_wire.TenantPatchIn,
        identity_wire.TenantIn,
        identity_wire.ApiKeyIn,
        identity_wire.TierIn,
        identity_wire.RefundTierIn,
        MarginRuleIn,
        MarginRulePatchIn,
        CouponIn,
        CouponPatchIn,
        QuoteIn,
        ProviderQuoteIn,
        SearchIn,
        SliceIn,
        FiltersIn,
        OfferIn,
        FlightIn,
        FlightPatchIn,
        LegIn,
        CabinIn,
        FareIn,
        bookings_wire.HoldIn,
        bookings_wire.TravellerIn,
        bookings_wire.DocumentIn,
        bookings_wire.SeatIn,
        bookings_wire.BagsIn,
        bookings_wire.PaymentIn,
        bookings_wire.ContinueIn,
        bookings_wire.ChangeIn,
        bookings_wire.CancellationQuoteIn,
        bookings_wire.CancelIn,
        InvoicePaymentIn,
    )
}


def _set_aside_long_lived() -> None:
    # What lives as long as the process (the app, airports, reference data, the route
    # snapshot: ~230,000 objects) is moved out of the collector's sight: a full collection
    # walking it all took ~200 ms, stalling every request in flight, which set the search
    # p99. Counting still frees these objects; only cycles among them would stay.
    gc.freeze()


async def _keep_routes_fresh(catalogue: RouteCatalogue, interval_s: float) -> None:
    # The first refresh runs once the server listens (the demo feeds are served by this
    # very app); after that the catalogue is refreshed on a timer, so readers never wait.
    while True:
        try:
            await catalogue.refresh()
            _set_aside_long_lived()
        except Exception:
            _log.exception("route refresh failed")
        await asyncio.sleep(interval_s)


async def _follow_margin_rules(books: MarginBooks, interval_s: float) -> None:
    # Rules changed by another process (or the CLI) reach this one at the next poll.
    failures = RepeatedFailures("checking for margin-rule changes", _log)
    while True:
        await asyncio.sleep(interval_s)
        try:
            await books.poll()
        except Exception:
            failures.failed()
        else:
            failures.succeeded()


async def _copy_shared_pages(store: RedisPageStore) -> None:
    try:
        copied = await store.follow()
        if copied:
            _set_aside_long_lived()
            _log.info("search pages copied from Redis: %d", copied)
    except Exception:
        _log.exception("copying search pages from Redis failed")


async def _mirror_shared_pages(store: RedisPageStore, interval_s: float) -> None:
    # The warmer fills Redis; each process copies what it lacks, so warmed searches are
    # answered from memory (a round trip costs a request a second turn of the event loop).
    while True:
        await asyncio.sleep(interval_s)
        await _copy_shared_pages(store)


async def _follow_inventory(versions: InventoryVersions, interval_s: float) -> None:
    # Searches then read the version from memory (a change shows within ``interval_s``).
    failures = RepeatedFailures("checking the inventory version", _log)
    while True:
        try:
            await versions.poll()
        except Exception:
            failures.failed()
        else:
            failures.succeeded()
        await asyncio.sleep(interval_s)


def create_app(container: punq.Container, *, refresh_in_background: bool = True) -> Litestar:
    """The HTTP API over a container built by ``bootstrap`` (or one filled with fakes)."""
    settings: Settings = container.resolve(Settings)
    catalogue: RouteCatalogue = container.resolve(RouteCatalogue)
    client: httpx.AsyncClient = container.resolve(httpx.AsyncClient)
    database: UnitOfWorkFactory = container.resolve(UnitOfWorkFactory)
    identity: IdentityService = container.resolve(IdentityService)
    api_keys: ApiKeyService = container.resolve(ApiKeyService)
    tenants = TenantDirectory(database)
    clock: Clock = container.resolve(Clock)
    inventory: InventoryParts = container.resolve(InventoryParts)
    booking_parts: BookingParts = container.resolve(BookingParts)
    services = ApiServices(
        identity=identity,
        accounts=container.resolve(AccountService),
        api_keys=api_keys,
        tenant_admin=container.resolve(TenantAdmin),
        importer=container.resolve(CustomerImporter),
        tenants=tenants,
        clock=clock,
        resolver=CallerResolver(identity, api_keys, tenants, clock),
        pricing=container.resolve(PricingParts),
        inventory=inventory,
        pages=SearchPages(
            search=inventory.search,
            places=Places(inventory.airports, inventory.reference),
            local=SearchCache(
                max_entries=settings.search_cache_entries,
                ttl_s=settings.search_cache_s,
                clock=clock,
            ),
            shared=inventory.pages,
        ),
        bookings=booking_parts.bookings,
        bookings_payments=booking_parts.payments,
        idempotency=booking_parts.idempotency,
    )

    route_pages = RoutePages(catalogue)

    def provide_route_pages() -> RoutePages:
        return route_pages

    @contextlib.asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        _set_aside_long_lived()
        tasks = []
        if refresh_in_background:
            tasks.append(
                asyncio.create_task(_keep_routes_fresh(catalogue, settings.routes_max_age_s))
            )
        tasks.append(
            asyncio.create_task(
                _follow_margin_rules(services.pricing.books, settings.margin_rules_poll_s)
            )
        )
        if refresh_in_background:
            # Tests write flights and search at once: they read the version per search.
            tasks.append(
                asyncio.create_task(
                    _follow_inventory(services.inventory.versions, settings.inventory_poll_s)
                )
            )
        if (
            refresh_in_background
            and settings.search_warm_routes
            and not settings.redis_url
            and inventory.pages is not None
        ):
            # Pages kept in this process: it warms its own. With Redis, pages are shared and
            # `funflights search warm --every` warms them once for every process.
            tasks.append(
                asyncio.create_task(
                    keep_searches_warm(
                        # Each search reads only what it needs, so requests go on between
                        # its reads; reading a window of days at once stalled them seconds.
                        search_warmer(
                            inventory, services.pricing, clock, window_worth=SEARCHES_UNBOUNDED
                        ),
                        database,
                        clock,
                        routes=settings.search_warm_routes,
                        days=settings.search_warm_days,
                        interval_s=settings.search_warm_interval_s,
                    )
                )
            )
        if refresh_in_background and isinstance(inventory.pages, RedisPageStore):
            # Before serving: a process answers warmed searches from memory from the start
            # (50,000 pages took ~2 s to copy).
            await _copy_shared_pages(inventory.pages)
            tasks.append(
                asyncio.create_task(
                    _mirror_shared_pages(inventory.pages, settings.search_warm_interval_s)
                )
            )
        serve_worker = settings.serve_worker
        if serve_worker is None:
            serve_worker = settings.demo
        stop_worker = asyncio.Event()
        if refresh_in_background and serve_worker:
            tasks.append(
                asyncio.create_task(
                    run_worker(
                        booking_parts, interval_s=settings.worker_interval_s, stop=stop_worker
                    )
                )
            )
        try:
            yield
        finally:
            stop_worker.set()
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await catalogue.aclose()
            await client.aclose()

    handlers: list[object] = [
        RoutesController,
        health,
        ready,
        AuthController,
        UsersController,
        TenantsController,
        ApiKeysController,
        ImportsController,
        MarginRulesController,
        CouponsController,
        PricingController,
        FlightsController,
        OffersController,
        FlightsAdminController,
        BookingsController,
        PaymentsController,
    ]
    if settings.demo:
        handlers.append(demo_feed)
        handlers.append(pay_bitcoin_invoice)
    app = Litestar(
        route_handlers=handlers,  # type: ignore[arg-type]
        # One dependency: Litestar resolves two or more in a task group, which costs
        # more than the rest of a cached GET /routes.
        dependencies={
            "route_pages": Provide(provide_route_pages, sync_to_thread=False),
            "api": Provide(api_context_provider(services)),
            # For callers that are not customers (payment providers' callbacks).
            "services": Provide(lambda: services, sync_to_thread=False),
        },
        before_request=_before_request_hook(services.resolver),
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
    _declare_closed_request_bodies(app)
    app.state.allowed_methods = {
        route.path: ", ".join(sorted(route.methods))
        for route in app.routes
        if isinstance(route, HTTPRoute)
    }
    return app


def _before_request_hook(resolver: CallerResolver) -> BeforeRequestHookHandler:
    """The app's before_request hook, bound to its caller resolver."""

    async def before_request(request: Request[Any, Any, Any]) -> Response[None] | None:
        """Answer OPTIONS with every method of the path, reject bad queries, check keys."""
        if request.method == "OPTIONS":
            # Litestar 2 answers OPTIONS with the methods of the path's first handler only
            # (litestar-org/litestar#4169, fixed in 3.0).
            for path in request.route_handler.paths:
                allowed = request.app.state.allowed_methods.get(path)
                if allowed is not None:
                    return Response(None, status_code=204, headers={"Allow": allowed})
        await reject_unknown_query_parameters(request)
        scope_needed: Scope | None = request.route_handler.opt.get("api_key_scope")
        if scope_needed is not None:
            # The raw header list, not request.headers: this runs on every public request.
            presented: bytes | None = None
            host = b""
            for name, value in request.scope["headers"]:
                if name == b"x-api-key":
                    presented = value
                elif name == b"host":
                    host = value
            if presented is not None:
                caller = resolver.known_key_holder(presented, host)
                if caller is None:
                    caller = await resolver.key_holder(presented, host)
                key = caller.api_key
                if key is None or scope_needed not in key.scopes:
                    caller.with_scope(scope_needed)  # raises, saying what is missing
        return None

    return before_request


def _declare_closed_request_bodies(app: Litestar) -> None:
    """Say in OpenAPI what the request structs enforce: no fields beyond the declared ones.

    Litestar does not carry msgspec's ``forbid_unknown_fields`` into the schema; clients and
    schemathesis must know that an unknown field is a 400, not silently ignored.
    """
    components = app.openapi_schema.components
    for name, schema in (components.schemas or {}).items() if components else ():
        struct = _REQUEST_STRUCTS.get(name)
        if struct is not None and struct.__struct_config__.forbid_unknown_fields:
            schema.additional_properties = False
