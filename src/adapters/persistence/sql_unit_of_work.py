"""Units of work over one SQLAlchemy session each: commit explicitly, else roll back."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from adapters.money.babel_currencies import BabelCurrencies
from adapters.persistence.sql_api_keys import SqlApiKeyDirectory, SqlApiKeyRepository
from adapters.persistence.sql_audit import SqlAuditLog
from adapters.persistence.sql_bookings import (
    SqlBookingRepository,
    SqlIdempotencyKeys,
    SqlLapsedHolds,
    SqlOutbox,
    SqlOutboxQueue,
    SqlSeatLedger,
)
from adapters.persistence.sql_coupons import SqlCouponRepository
from adapters.persistence.sql_loyalty import SqlLoyaltyRepository
from adapters.persistence.sql_margin_rules import SqlMarginRuleRepository, SqlMarginRuleVersions
from adapters.persistence.sql_offers import SqlOfferRepository
from adapters.persistence.sql_tenants import SqlTenantRepository
from adapters.persistence.sql_tokens import SqlOneTimeTokenRepository, SqlRefreshTokenRepository
from adapters.persistence.sql_users import SqlUserRepository
from funflights_core.money import CurrencyCatalogue


class _SqlUnitOfWork:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        """The session of the open unit of work."""
        if self._session is None:
            raise RuntimeError("use the unit of work in an 'async with' block")
        return self._session

    async def __aenter__(self) -> Self:
        """Begin a transaction."""
        self._session = self._sessions()
        await self._session.begin()
        self._open()
        return self

    def _open(self) -> None:
        """Create the repositories over the new session."""

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed, and close the session."""
        session = self.session
        try:
            await session.rollback()
        finally:
            await session.close()
            self._session = None

    async def commit(self) -> None:
        """Make the changes so far durable, and begin again."""
        await self.session.commit()
        await self.session.begin()

    async def rollback(self) -> None:
        """Discard the changes since the last commit, and begin again."""
        await self.session.rollback()
        await self.session.begin()


class SqlPlatformUnitOfWork(_SqlUnitOfWork):
    """PlatformUnitOfWork in SQL."""

    tenants: SqlTenantRepository
    api_key_directory: SqlApiKeyDirectory
    margin_rule_versions: SqlMarginRuleVersions
    outbox_queue: SqlOutboxQueue
    lapsed_holds: SqlLapsedHolds

    def _open(self) -> None:
        self.tenants = SqlTenantRepository(self.session)
        self.api_key_directory = SqlApiKeyDirectory(self.session)
        self.margin_rule_versions = SqlMarginRuleVersions(self.session)
        self.outbox_queue = SqlOutboxQueue(self.session)
        self.lapsed_holds = SqlLapsedHolds(self.session)


class SqlTenantUnitOfWork(_SqlUnitOfWork):
    """TenantUnitOfWork in SQL: every repository filters by ``tenant_id``."""

    users: SqlUserRepository
    refresh_tokens: SqlRefreshTokenRepository
    one_time_tokens: SqlOneTimeTokenRepository
    api_keys: SqlApiKeyRepository
    margin_rules: SqlMarginRuleRepository
    coupons: SqlCouponRepository
    loyalty: SqlLoyaltyRepository
    audit: SqlAuditLog
    offers: SqlOfferRepository
    bookings: SqlBookingRepository
    seats: SqlSeatLedger
    outbox: SqlOutbox
    idempotency: SqlIdempotencyKeys

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        tenant_id: str,
        currencies: CurrencyCatalogue,
    ) -> None:
        super().__init__(sessions)
        self.tenant_id = tenant_id
        self._currencies = currencies

    def _open(self) -> None:
        session = self.session
        self.users = SqlUserRepository(session, self.tenant_id)
        self.refresh_tokens = SqlRefreshTokenRepository(session, self.tenant_id)
        self.one_time_tokens = SqlOneTimeTokenRepository(session, self.tenant_id)
        self.api_keys = SqlApiKeyRepository(session, self.tenant_id)
        self.margin_rules = SqlMarginRuleRepository(session, self.tenant_id, self._currencies)
        self.coupons = SqlCouponRepository(session, self.tenant_id, self._currencies)
        self.loyalty = SqlLoyaltyRepository(session, self.tenant_id, self._currencies)
        self.audit = SqlAuditLog(session, self.tenant_id)
        self.offers = SqlOfferRepository(session, self.tenant_id, self._currencies)
        self.bookings = SqlBookingRepository(session, self.tenant_id, self._currencies)
        self.seats = SqlSeatLedger(session)
        self.outbox = SqlOutbox(session, self.tenant_id)
        self.idempotency = SqlIdempotencyKeys(session, self.tenant_id)


class SqlUnitOfWorkFactory:
    """UnitOfWorkFactory over an async engine.

    ``currencies`` rebuilds stored amounts as ``Money`` (CLDR's currencies unless given).
    """

    def __init__(self, engine: AsyncEngine, currencies: CurrencyCatalogue | None = None) -> None:
        self.engine = engine
        self._currencies = currencies or BabelCurrencies()
        self._sessions = async_sessionmaker(engine, expire_on_commit=False, autobegin=False)
        # Work of one statement runs without BEGIN and COMMIT on PostgreSQL: two round trips
        # fewer, ~10% of a booking's server time (a lone statement is a transaction of its
        # own). SQLite keeps its BEGIN IMMEDIATE: the driver's autocommit handling there
        # would undo the transaction control set up in engine.py.
        self._one_statement = self._sessions
        if engine.dialect.name == "postgresql":
            self._one_statement = async_sessionmaker(
                engine.execution_options(isolation_level="AUTOCOMMIT"),
                expire_on_commit=False,
                autobegin=False,
            )

    def platform(self) -> SqlPlatformUnitOfWork:
        """A unit of work over platform-level data."""
        return SqlPlatformUnitOfWork(self._sessions)

    def for_tenant(self, tenant_id: str, *, one_statement: bool = False) -> SqlTenantUnitOfWork:
        """A unit of work whose repositories see only this tenant's rows (``one_statement``:
        see the port)."""
        sessions = self._one_statement if one_statement else self._sessions
        return SqlTenantUnitOfWork(sessions, tenant_id, self._currencies)
