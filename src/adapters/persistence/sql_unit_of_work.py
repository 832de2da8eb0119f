"""Units of work over one SQLAlchemy session each: commit explicitly, else roll back."""

from __future__ import annotations

from types import TracebackType
from typing import Self

import attrs
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from adapters.money.babel_currencies import BabelCurrencies
from adapters.persistence.asyncpg_link import AsyncpgLink
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
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], lean: _Lean | None = None
    ) -> None:
        self._sessions = sessions
        self._lean = lean
        self._link: AsyncpgLink | None = None
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        """The session of the open unit of work."""
        if self._session is None:
            raise RuntimeError("use the unit of work in an 'async with' block")
        return self._session

    async def __aenter__(self) -> Self:
        """Begin a transaction."""
        if self._lean is not None:
            self._link = await AsyncpgLink.open(self._lean.engine, autocommit=self._lean.autocommit)
            self._session = self._link.session
        else:
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
        session, link = self.session, self._link
        self._session = self._link = None
        if link is not None:
            await link.close()
            return
        try:
            await session.rollback()
        finally:
            await session.close()

    async def commit(self) -> None:
        """Make the changes so far durable, and begin again."""
        if self._link is not None:
            await self._link.commit()  # the next statement begins again
            return
        await self.session.commit()
        await self.session.begin()

    async def rollback(self) -> None:
        """Discard the changes since the last commit, and begin again."""
        if self._link is not None:
            await self._link.rollback()
            return
        await self.session.rollback()
        await self.session.begin()


@attrs.frozen
class _Lean:
    """Units of work on asyncpg: over their own connection (``AsyncpgLink``)."""

    engine: AsyncEngine
    autocommit: bool


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
        lean: _Lean | None = None,
    ) -> None:
        super().__init__(sessions, lean)
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
        # On asyncpg a unit of work holds its own connection (AsyncpgLink, ADR 0012), and
        # work of one statement runs without BEGIN and COMMIT (a lone statement is a
        # transaction of its own): two round trips fewer. SQLite keeps its sessions and
        # BEGIN IMMEDIATE (set up in engine.py).
        self._lean: _Lean | None = None
        self._lean_alone: _Lean | None = None
        if engine.dialect.driver == "asyncpg":
            self._lean = _Lean(engine, autocommit=False)
            self._lean_alone = _Lean(engine, autocommit=True)

    def platform(self) -> SqlPlatformUnitOfWork:
        """A unit of work over platform-level data."""
        return SqlPlatformUnitOfWork(self._sessions, self._lean)

    def for_tenant(self, tenant_id: str, *, one_statement: bool = False) -> SqlTenantUnitOfWork:
        """A unit of work whose repositories see only this tenant's rows (``one_statement``:
        see the port)."""
        lean = self._lean_alone if one_statement else self._lean
        return SqlTenantUnitOfWork(self._sessions, tenant_id, self._currencies, lean)
