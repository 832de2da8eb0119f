"""The composition root: the one place that reads settings and chooses adapters."""

from __future__ import annotations

import asyncio
import logging
import secrets
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import attrs
import httpx
import punq
import redis.asyncio
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from adapters.airports.airportsdata_directory import AirportsdataDirectory
from adapters.attempt_counters.in_memory_counter import InMemoryAttemptCounter
from adapters.attempt_counters.redis_counter import RedisAttemptCounter
from adapters.clocks import SystemClock
from adapters.fx.cached_rates import CachedRates
from adapters.fx.ecb_bundled_rates import EcbBundledRates
from adapters.fx.fixed_rates import FixedRates
from adapters.fx.http_rates import HttpRates
from adapters.identity.ids import UuidIds
from adapters.identity.log_mailer import LogMailer
from adapters.identity.mailers import MailFolder
from adapters.identity.pyotp_totp import PyotpTotp
from adapters.identity.smtp_mailer import SmtpMailer
from adapters.inventory.cached_inventory import CachedInventory
from adapters.money.babel_currencies import BabelCurrencies
from adapters.page_stores.in_memory_page_store import InMemoryPageStore
from adapters.page_stores.redis_page_store import RedisPageStore
from adapters.payments.registry import PaymentMethods, sandbox_methods
from adapters.persistence.engine import create_engine
from adapters.persistence.sql_flights import SqlFlights
from adapters.persistence.sql_unit_of_work import SqlUnitOfWorkFactory
from adapters.reference.openflights_reference import OpenFlightsReference
from adapters.route_feeds.bundled_feed import BundledRouteFeed
from adapters.route_feeds.file_feed import FileRouteFeed
from adapters.route_feeds.http_feed import HttpRouteFeed, Sleep
from adapters.route_feeds.routes_json import RoutesJsonDecoder
from adapters.security.argon2_hasher import Argon2PasswordHasher
from adapters.security.jwt_access_tokens import JwtAccessTokens
from adapters.security.oidc_verifier import OidcTokenVerifier
from entrypoints.provider_file import (
    ProviderConfig,
    ProviderFile,
    demo_providers,
    load_provider_file,
    seed_providers,
)
from entrypoints.settings import Settings
from funflights_core.accounts import AccountService
from funflights_core.airline import ReferenceData
from funflights_core.airport import AirportDirectory
from funflights_core.api_keys import ApiKeyService
from funflights_core.attempt_counter import AttemptCounter
from funflights_core.bookings import BookingService
from funflights_core.circuit_breaker import CircuitBreaker
from funflights_core.clock import Clock
from funflights_core.coupons import CouponService
from funflights_core.customer_import import CustomerImporter
from funflights_core.errors import InvalidInput
from funflights_core.exchange import CurrencyExchange, RateSource
from funflights_core.flight_admin import FlightAdmin
from funflights_core.flight_search import FlightSearch, Ranked
from funflights_core.flight_store import Inventory
from funflights_core.idempotent_requests import IdempotentRequests
from funflights_core.identity import IdentityService
from funflights_core.identity_policy import IdentityPolicy
from funflights_core.loyalty_accounts import LoyaltyService
from funflights_core.mailer import Mailer
from funflights_core.margin_books import MarginBooks
from funflights_core.margin_rule_admin import MarginRuleAdmin
from funflights_core.money import CurrencyCatalogue, Money
from funflights_core.offers import OfferService
from funflights_core.outbox_delivery import OutboxDelivery
from funflights_core.page_store import PageStore
from funflights_core.price_quotes import QuoteService
from funflights_core.refund_policy import RefundPolicy, refund_policy_from_text
from funflights_core.route_catalogue import ProviderSource, RouteCatalogue
from funflights_core.route_provider import ProviderProfile, RouteProvider
from funflights_core.search_cache import InventoryVersions, SearchCache
from funflights_core.tenant_admin import TenantAdmin
from funflights_core.unit_of_work import UnitOfWorkFactory

USER_AGENT = "FunWithFlights-aggregator/0.1"

_log = logging.getLogger(__name__)


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


@attrs.frozen
class IdentityParts:
    """The persistence and identity services, built together from settings."""

    database: SqlUnitOfWorkFactory
    identity: IdentityService
    accounts: AccountService
    api_keys: ApiKeyService
    tenant_admin: TenantAdmin
    importer: CustomerImporter


class SettingsError(Exception):
    """The settings cannot work; the message says which one and what to do."""


def jwt_secret(settings: Settings, *, ephemeral_allowed: bool, announce: bool = False) -> str:
    """The access-token signing key from settings, or a random one where that is allowed."""
    if settings.jwt_secret is not None:
        secret = settings.jwt_secret.get_secret_value()
        if len(secret.encode()) < 32:
            raise SettingsError("FUNFLIGHTS_JWT_SECRET must be at least 32 bytes long")
        return secret
    if not ephemeral_allowed:
        raise SettingsError(
            "set FUNFLIGHTS_JWT_SECRET (at least 32 random bytes, e.g. from "
            "'python -c \"import secrets; print(secrets.token_urlsafe(48))\"'), "
            "or FUNFLIGHTS_DEMO=true for a throwaway one"
        )
    if announce:
        _log.warning(
            "FUNFLIGHTS_JWT_SECRET is not set: tokens are signed with a random key and "
            "stop working when the process restarts"
        )
    return secrets.token_urlsafe(48)


def attempt_counter(settings: Settings, clock: Clock) -> AttemptCounter:
    """Redis-backed counters when FUNFLIGHTS_REDIS_URL is set, else per-process ones."""
    if settings.redis_url:
        return RedisAttemptCounter(redis.asyncio.Redis.from_url(settings.redis_url))
    return InMemoryAttemptCounter(clock)


def page_store(settings: Settings, clock: Clock) -> PageStore:
    """Search pages in Redis when FUNFLIGHTS_REDIS_URL is set, else in the process."""
    if settings.redis_url:
        # A cache that is away must not hold searches up: no retries, short timeouts.
        client = redis.asyncio.Redis.from_url(
            settings.redis_url,
            retry=Retry(NoBackoff(), 0),
            socket_connect_timeout=0.5,
            socket_timeout=0.5,
        )
        return RedisPageStore(
            client, ttl_s=settings.search_pages_s, mirrored=settings.search_pages_mirrored
        )
    return InMemoryPageStore(clock=clock, ttl_s=settings.search_pages_s)


def build_identity(
    settings: Settings,
    *,
    clock: Clock,
    ephemeral_secret_allowed: bool,
    http_client: httpx.AsyncClient | None = None,
    announce_ephemeral_secret: bool = False,
) -> IdentityParts:
    """The database and the identity services (nothing connects until first used)."""
    database = SqlUnitOfWorkFactory(
        create_engine(settings.database_url, pool_size=settings.database_pool_size)
    )
    policy = IdentityPolicy(
        access_token_ttl_s=settings.access_token_ttl_s,
        refresh_token_ttl_s=settings.refresh_token_ttl_s,
    )
    counter = attempt_counter(settings, clock)
    identity = IdentityService(
        database=database,
        hasher=Argon2PasswordHasher(),
        tokens=JwtAccessTokens(
            secret=jwt_secret(
                settings,
                ephemeral_allowed=ephemeral_secret_allowed,
                announce=announce_ephemeral_secret,
            ),
            issuer="funflights",
            audience="funflights-api",
        ),
        counter=counter,
        mailer=MailFolder(settings.mail_folder),
        totp=PyotpTotp(),
        ids=UuidIds(),
        clock=clock,
        policy=policy,
        external=None if http_client is None else OidcTokenVerifier(http_client),
    )
    return IdentityParts(
        database=database,
        identity=identity,
        accounts=AccountService(database=database, sessions=identity.sessions, clock=clock),
        api_keys=ApiKeyService(database=database, counter=counter, clock=clock, ids=UuidIds()),
        tenant_admin=TenantAdmin(database=database, clock=clock),
        importer=CustomerImporter(database=database, clock=clock, ids=UuidIds()),
    )


def rate_sources(
    settings: Settings, *, clock: Clock, http_client: httpx.AsyncClient | None
) -> list[RateSource]:
    """The configured exchange-rate sources, in order of preference.

    A live feed uses ``http_client``; commands that pass none get a client of their own
    (closed with the process).
    """
    sources: list[RateSource] = []
    for name in (part.strip().lower() for part in settings.fx_sources.split(",")):
        if name == "ecb":
            sources.append(EcbBundledRates())
        elif name == "http":
            if not settings.fx_http_url:
                raise SettingsError("FUNFLIGHTS_FX_SOURCES names http: set FUNFLIGHTS_FX_HTTP_URL")
            client = http_client or new_http_client()
            live = HttpRates(url=settings.fx_http_url, client=client)
            sources.append(CachedRates(live, clock=clock, ttl_s=settings.fx_cache_s))
        elif name == "fixed":
            sources.append(_fixed_rates(settings.fx_fixed_rates, clock))
        elif name:
            raise SettingsError(f"FUNFLIGHTS_FX_SOURCES: {name!r} is not http, ecb or fixed")
    if not sources:
        raise SettingsError("FUNFLIGHTS_FX_SOURCES names no source")
    return sources


def _fixed_rates(text: str | None, clock: Clock) -> FixedRates:
    """FUNFLIGHTS_FX_FIXED_RATES, 'EUR USD=1.08 GBP=0.86', as a rate source."""
    words = (text or "").replace(",", " ").split()
    if not words:
        raise SettingsError("FUNFLIGHTS_FX_SOURCES names fixed: set FUNFLIGHTS_FX_FIXED_RATES")
    rates: dict[str, Decimal] = {}
    for pair in words[1:]:
        code, _, value = pair.partition("=")
        try:
            rate = Decimal(value)
        except ArithmeticError:
            rate = Decimal(0)
        if len(code) != 3 or not rate.is_finite() or rate <= 0:
            raise SettingsError(f"FUNFLIGHTS_FX_FIXED_RATES: {pair!r} is not CODE=positive rate")
        rates[code.upper()] = rate
    return FixedRates(rates, base=words[0].upper(), clock=clock)


@attrs.frozen
class InventoryParts:
    """Flights, the places and airlines they connect, and the search over them."""

    flights: Inventory
    airports: AirportDirectory
    reference: ReferenceData
    search: FlightSearch
    offers: OfferService
    versions: InventoryVersions
    admin: FlightAdmin
    pages: PageStore | None = None
    """Encoded search pages shared by every process (and filled by the warmer)."""


def build_inventory(
    flights: Inventory,
    pricing: PricingParts,
    *,
    database: UnitOfWorkFactory,
    clock: Clock,
    offer_ttl_s: int = 1200,
    cache_entries: int = 0,
    cache_s: float = 60.0,
    pages: PageStore | None = None,
) -> InventoryParts:
    """The inventory over a store of flights, priced with the pricing parts."""
    airports = pricing.airports
    versions = InventoryVersions(flights)
    cache: SearchCache[Ranked] | None = None
    reads: Inventory = flights
    if cache_entries:
        cache = SearchCache(max_entries=cache_entries, ttl_s=cache_s, clock=clock)
        reads = CachedInventory(flights, versions, max_entries=cache_entries)
    search = FlightSearch(
        inventory=reads,
        airports=airports,
        books=pricing.books,
        exchange=pricing.exchange,
        clock=clock,
        cache=cache,
        versions=versions,
    )
    return InventoryParts(
        flights=flights,
        airports=airports,
        reference=OpenFlightsReference(),
        search=search,
        offers=OfferService(
            database=database,
            inventory=flights,
            search=search,
            clock=clock,
            ids=UuidIds(),
            ttl=timedelta(seconds=offer_ttl_s),
        ),
        versions=versions,
        admin=FlightAdmin(
            database=database, flights=reads, airports=airports, clock=clock, ids=UuidIds()
        ),
        pages=pages,
    )


@attrs.frozen
class BookingParts:
    """Bookings, the payment methods they use, idempotency keys, and the outbox's delivery."""

    bookings: BookingService
    payments: PaymentMethods
    idempotency: IdempotentRequests
    delivery: OutboxDelivery
    offers: OfferService


def refund_policy(settings: Settings) -> RefundPolicy:
    """FUNFLIGHTS_REFUND_TIERS, 'hours:percent:fee ...', as a refund policy."""
    try:
        return refund_policy_from_text(settings.refund_tiers)
    except InvalidInput as exc:
        raise SettingsError(f"FUNFLIGHTS_REFUND_TIERS: {exc.reason}") from None


def bag_fee(settings: Settings) -> tuple[Decimal, str]:
    """FUNFLIGHTS_BAG_FEE, 'amount currency'."""
    amount, _, code = settings.bag_fee.strip().partition(" ")
    try:
        value = Decimal(amount)
    except ArithmeticError:
        value = Decimal(-1)
    if not value.is_finite() or value < 0 or len(code.strip()) != 3:
        raise SettingsError(f"FUNFLIGHTS_BAG_FEE: {settings.bag_fee!r} is not 'amount CUR'")
    return value, code.strip().upper()


def trip_mailer(settings: Settings) -> Mailer:
    """SMTP when a server is configured, else the log (what `make run` uses)."""
    if not settings.smtp_host:
        return LogMailer()
    password = settings.smtp_password
    return SmtpMailer(
        settings.smtp_host,
        settings.smtp_port,
        sender=settings.smtp_sender,
        username=settings.smtp_username,
        password=None if password is None else password.get_secret_value(),
        starttls=settings.smtp_starttls,
    )


def build_bookings(
    settings: Settings,
    *,
    database: UnitOfWorkFactory,
    inventory: InventoryParts,
    pricing: PricingParts,
    clock: Clock,
    mailer: Mailer,
) -> BookingParts:
    """Bookings over the database, paid through the sandbox payment methods."""
    secret = settings.payments_secret
    if secret is None:
        _log.info("FUNFLIGHTS_PAYMENTS_SECRET is not set: this process signs payments alone")
    exchange = pricing.exchange
    usd = Money(Decimal(settings.sandbox_btc_usd), exchange.currency("USD"))

    async def btc_price(code: str) -> Decimal:
        if code.upper() == "USD":
            return usd.amount
        return (await exchange.convert(usd, code)).converted.amount

    payments = sandbox_methods(
        secrets.token_urlsafe(32) if secret is None else secret.get_secret_value(),
        clock,
        btc_price,
    )
    bookings = BookingService(
        database=database,
        offers=inventory.offers,
        exchange=exchange,
        payments=payments,
        coupons=pricing.coupons,
        loyalty=pricing.loyalty,
        clock=clock,
        ids=UuidIds(),
        hold_for=timedelta(seconds=settings.hold_s),
        refund_policy=refund_policy(settings),
        bag_fee=bag_fee(settings),
    )
    return BookingParts(
        bookings=bookings,
        payments=payments,
        idempotency=IdempotentRequests(database=database, clock=clock),
        delivery=OutboxDelivery(database=database, mailer=mailer, clock=clock),
        offers=inventory.offers,
    )


@attrs.frozen
class PricingParts:
    """The pricing services, built together over one database."""

    currencies: CurrencyCatalogue
    exchange: CurrencyExchange
    airports: AirportDirectory
    books: MarginBooks
    margin_rules: MarginRuleAdmin
    coupons: CouponService
    loyalty: LoyaltyService
    quotes: QuoteService


def build_pricing(
    settings: Settings,
    *,
    database: UnitOfWorkFactory,
    clock: Clock,
    http_client: httpx.AsyncClient | None,
    counter: AttemptCounter | None = None,
    airports: AirportDirectory | None = None,
) -> PricingParts:
    """Currencies, exchange, margin rules, coupons, loyalty and quotes over the database."""
    currencies = BabelCurrencies()
    when_stale = settings.fx_when_stale or ("use-latest" if settings.demo else "refuse")
    exchange = CurrencyExchange(
        sources=rate_sources(settings, clock=clock, http_client=http_client),
        currencies=currencies,
        clock=clock,
        max_age=timedelta(hours=settings.fx_max_age_h),
        accept_stale=when_stale == "use-latest",
    )
    books = MarginBooks(database)
    ids = UuidIds()
    directory = airports or AirportsdataDirectory()
    coupons = CouponService(database=database, currencies=currencies, clock=clock, ids=ids)
    loyalty = LoyaltyService(database=database, exchange=exchange, clock=clock, ids=ids)
    return PricingParts(
        currencies=currencies,
        exchange=exchange,
        airports=directory,
        books=books,
        margin_rules=MarginRuleAdmin(
            database=database, books=books, currencies=currencies, clock=clock, ids=ids
        ),
        coupons=coupons,
        loyalty=loyalty,
        quotes=QuoteService(
            books=books,
            exchange=exchange,
            coupons=coupons,
            loyalty=loyalty,
            airports=directory,
            clock=clock,
            counter=counter,
        ),
    )


def bootstrap(
    settings: Settings | None = None,
    *,
    http_client: httpx.AsyncClient | None = None,
    clock: Clock | None = None,
    demo_over_http: bool = True,
    sleep: Sleep = asyncio.sleep,
    ephemeral_secret_allowed: bool = True,
    announce_ephemeral_secret: bool = False,
) -> punq.Container:
    """Build the container from settings; tests pass their own client, clock and sleep.

    ``ephemeral_secret_allowed``: whether a missing FUNFLIGHTS_JWT_SECRET may be replaced by
    a random key (commands that issue no tokens; ``serve`` allows it only in demo mode).
    """
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
    parts = build_identity(
        settings,
        clock=clock,
        ephemeral_secret_allowed=ephemeral_secret_allowed,
        http_client=client,
        announce_ephemeral_secret=announce_ephemeral_secret,
    )
    container.register(UnitOfWorkFactory, instance=parts.database)
    container.register(IdentityService, instance=parts.identity)
    container.register(AccountService, instance=parts.accounts)
    container.register(ApiKeyService, instance=parts.api_keys)
    container.register(CustomerImporter, instance=parts.importer)
    container.register(TenantAdmin, instance=parts.tenant_admin)
    pricing = build_pricing(
        settings,
        database=parts.database,
        clock=clock,
        http_client=client,
        counter=attempt_counter(settings, clock),
    )
    container.register(PricingParts, instance=pricing)
    container.register(
        InventoryParts,
        instance=build_inventory(
            SqlFlights(parts.database.engine, pricing.currencies),
            pricing,
            database=parts.database,
            clock=clock,
            offer_ttl_s=settings.offer_ttl_s,
            cache_entries=settings.search_cache_entries,
            cache_s=settings.search_cache_s,
            pages=page_store(settings, clock),
        ),
    )
    container.register(
        BookingParts,
        instance=build_bookings(
            settings,
            database=parts.database,
            inventory=container.resolve(InventoryParts),
            pricing=pricing,
            clock=clock,
            mailer=trip_mailer(settings),
        ),
    )
    return container
