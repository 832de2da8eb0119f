"""Shared fixtures: an app over in-memory providers (no network, no sleeping)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import punq
import pytest
from litestar import Litestar

from adapters.attempt_counters.in_memory_counter import InMemoryAttemptCounter
from adapters.clocks import ManualClock
from adapters.identity.ids import UuidIds
from adapters.identity.mailers import InMemoryMailer
from adapters.identity.pyotp_totp import PyotpTotp
from adapters.inventory.in_memory_inventory import InMemoryInventory
from adapters.persistence.in_memory import InMemoryDatabase
from adapters.route_feeds.in_memory_feed import InMemoryRouteFeed
from adapters.security.argon2_hasher import Argon2PasswordHasher
from adapters.security.jwt_access_tokens import JwtAccessTokens
from adapters.security.oidc_verifier import OidcTokenVerifier
from entrypoints.bootstrap import (
    BookingParts,
    InventoryParts,
    PricingParts,
    build_bookings,
    build_inventory,
    build_pricing,
)
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from funflights_core.accounts import AccountService
from funflights_core.api_keys import ApiKeyService
from funflights_core.circuit_breaker import CircuitBreaker
from funflights_core.clock import Clock
from funflights_core.customer_import import CustomerImporter
from funflights_core.identity import IdentityService
from funflights_core.route_catalogue import ProviderSource, RouteCatalogue
from funflights_core.route_provider import ProviderProfile
from funflights_core.tenant_admin import TenantAdmin
from funflights_core.unit_of_work import UnitOfWorkFactory


def route(
    airline: str,
    source: str,
    destination: str,
    *,
    stops: int = 0,
    code_share: str = "",
    equipment: str | None = "320",
) -> dict[str, object]:
    """One record in the providers' wire format."""
    return {
        "airline": airline,
        "sourceAirport": source,
        "destinationAirport": destination,
        "codeShare": code_share,
        "stops": stops,
        "equipment": equipment,
    }


FLIGHTS1 = [
    route("BA", "LHR", "JFK", equipment="744 777"),
    route("AA", "JFK", "LAX", code_share="Y", equipment="321"),
    route("AA", "JFK", "LAX", stops=1, equipment="321"),
    route("DL", "ATL", "LAX", equipment=None),
]
FLIGHTS2 = [
    route("BA", "LHR", "JFK", code_share="Y", equipment="380 744"),
    route("B6", "JFK", "BOS", equipment="E90"),
    {"airline": "", "sourceAirport": "JFK", "destinationAirport": "BOS", "stops": 0},
]


TEST_RATES = "EUR USD=1.08 GBP=0.86 JPY=160 KWD=0.33 CHF=0.94"
"""The fixed exchange rates of the fake container (EUR base)."""


def fake_container(
    providers: dict[str, InMemoryRouteFeed],
    *,
    clock: ManualClock | None = None,
    settings: Settings | None = None,
) -> punq.Container:
    """A container like bootstrap's, over in-memory providers."""
    clock = clock or ManualClock()
    catalogue = RouteCatalogue(
        [
            ProviderSource(
                ProviderProfile(name, priority),
                provider,
                CircuitBreaker(failure_threshold=3, reset_after_s=30, clock=clock),
            )
            for priority, (name, provider) in enumerate(providers.items(), start=1)
        ],
        clock=clock,
        max_age_s=300,
    )
    container = punq.Container()
    container.register(Settings, instance=settings or Settings())
    container.register(RouteCatalogue, instance=catalogue)
    client = httpx.AsyncClient()
    container.register(httpx.AsyncClient, instance=client)
    register_fake_identity(container, clock, client)
    pricing = build_pricing(
        Settings(fx_sources="fixed", fx_fixed_rates=TEST_RATES),
        database=container.resolve(UnitOfWorkFactory),
        clock=clock,
        http_client=client,
        counter=InMemoryAttemptCounter(clock),
    )
    container.register(PricingParts, instance=pricing)
    container.register(
        InventoryParts,
        instance=build_inventory(
            InMemoryInventory(),
            pricing,
            database=container.resolve(UnitOfWorkFactory),
            clock=clock,
        ),
    )
    register_fake_bookings(container, clock)
    return container


PAYMENTS_SECRET = "test-payments-secret-" * 2


def register_fake_bookings(container: punq.Container, clock: Clock) -> None:
    """Bookings over the container's fakes (its database sells the inventory's seats)."""
    database: InMemoryDatabase = container.resolve(InMemoryDatabase)
    inventory: InventoryParts = container.resolve(InventoryParts)
    database.inventory = inventory.flights
    container.register(
        BookingParts,
        instance=build_bookings(
            Settings(payments_secret=PAYMENTS_SECRET),
            database=database,
            inventory=inventory,
            pricing=container.resolve(PricingParts),
            clock=clock,
            mailer=container.resolve(InMemoryMailer),
        ),
    )


def register_fake_identity(
    container: punq.Container, clock: ManualClock, client: httpx.AsyncClient
) -> None:
    """The identity services over in-memory fakes, as bootstrap registers the real ones."""
    database = InMemoryDatabase()
    mailer = InMemoryMailer()
    counter = InMemoryAttemptCounter(clock)
    identity = IdentityService(
        database=database,
        hasher=Argon2PasswordHasher.for_tests(),
        tokens=JwtAccessTokens(secret="test-secret-" * 4, issuer="funflights", audience="api"),
        counter=counter,
        mailer=mailer,
        totp=PyotpTotp(),
        ids=UuidIds(),
        clock=clock,
        external=OidcTokenVerifier(client),
    )
    container.register(Clock, instance=clock)
    container.register(UnitOfWorkFactory, instance=database)
    container.register(InMemoryDatabase, instance=database)
    container.register(InMemoryMailer, instance=mailer)
    container.register(IdentityService, instance=identity)
    container.register(
        AccountService,
        instance=AccountService(database=database, sessions=identity.sessions, clock=clock),
    )
    container.register(TenantAdmin, instance=TenantAdmin(database=database, clock=clock))
    container.register(
        CustomerImporter, instance=CustomerImporter(database=database, clock=clock, ids=UuidIds())
    )
    container.register(
        ApiKeyService,
        instance=ApiKeyService(database=database, counter=counter, clock=clock, ids=UuidIds()),
    )


AppFactory = Callable[..., Litestar]


@pytest.fixture
def feeds() -> dict[str, InMemoryRouteFeed]:
    """Two overlapping in-memory feeds."""
    return {"flights1": InMemoryRouteFeed(FLIGHTS1), "flights2": InMemoryRouteFeed(FLIGHTS2)}


@pytest.fixture
def app(feeds: dict[str, InMemoryRouteFeed]) -> Litestar:
    """The HTTP app over the two in-memory feeds, refreshed on first use."""
    return create_app(fake_container(feeds), refresh_in_background=False)
