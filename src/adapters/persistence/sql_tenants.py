"""Tenants in SQL: the ``tenants`` table and its ``tenant_domains``."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence.rows import TenantDomainRow, TenantRow
from funflights_core.errors import Conflict, InvalidInput
from funflights_core.loyalty import TIER_CURRENCY, Tier, TierPolicy, tiers_from_text, tiers_text
from funflights_core.refund_policy import refund_policy_from_text, refund_policy_text
from funflights_core.tenant import AuthMethod, OidcIssuer, Tenant

_UNSTORABLE = "tier names must not contain ':' or ';', nor start or end with a space"


def _tiers_text(tiers: tuple[Tier, ...]) -> str:
    # Refuse what could not be read back (a ':' or ';' in a name): it would make the
    # tenant unreadable, rather than this one change fail.
    TierPolicy(TIER_CURRENCY, tiers)  # an invalid policy: InvalidInput, why
    text = tiers_text(tiers)
    try:
        readable = tiers_from_text(text) == tiers
    except InvalidInput:
        readable = False
    if not readable:
        raise InvalidInput("loyalty_tiers", _UNSTORABLE)
    return text


def _row(tenant: Tenant) -> TenantRow:
    oidc = tenant.oidc
    return TenantRow(
        id=tenant.id,
        name=tenant.name,
        default_currency=tenant.default_currency,
        locale=tenant.locale,
        loyalty_programme=tenant.loyalty_programme,
        point_value_usd=tenant.point_value_usd,
        auth_methods=frozenset(str(m) for m in tenant.auth_methods),
        oidc_issuer=oidc.issuer if oidc else None,
        oidc_audience=oidc.audience if oidc else None,
        oidc_jwks_url=oidc.jwks_url if oidc else None,
        oidc_jwks=oidc.jwks if oidc else None,
        created_at=tenant.created_at,
        exchange_spread=tenant.exchange_spread,
        loyalty_tiers=_tiers_text(tenant.loyalty_tiers),
        refund_tiers=None
        if tenant.refund_policy is None
        else refund_policy_text(tenant.refund_policy),
    )


def _tenant(row: TenantRow, domains: Sequence[str]) -> Tenant:
    oidc = (
        OidcIssuer(
            issuer=row.oidc_issuer,
            audience=row.oidc_audience or "",
            jwks_url=row.oidc_jwks_url,
            jwks=row.oidc_jwks,
        )
        if row.oidc_issuer
        else None
    )
    return Tenant(
        id=row.id,
        name=row.name,
        domains=tuple(domains),
        default_currency=row.default_currency,
        locale=row.locale,
        loyalty_programme=row.loyalty_programme,
        point_value_usd=row.point_value_usd,
        auth_methods=frozenset(AuthMethod(m) for m in row.auth_methods),
        created_at=row.created_at,
        oidc=oidc,
        exchange_spread=row.exchange_spread,
        loyalty_tiers=tiers_from_text(row.loyalty_tiers),
        refund_policy=None
        if row.refund_tiers is None
        else refund_policy_from_text(row.refund_tiers),
    )


class SqlTenantRepository:
    """TenantRepository over an SQLAlchemy session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, tenant: Tenant) -> None:
        """Store a new tenant; ``Conflict`` if the id or a domain is taken."""
        try:
            async with self._session.begin_nested():
                self._session.add(_row(tenant))
                await self._session.flush()
                self._session.add_all(self._domain_rows(tenant))
        except IntegrityError:
            raise Conflict(f"tenant {tenant.id!r} or one of its domains exists") from None

    async def get(self, tenant_id: str) -> Tenant | None:
        """The tenant with this id."""
        row = await self._session.get(TenantRow, tenant_id)
        return None if row is None else _tenant(row, await self._domains(tenant_id))

    async def by_domain(self, domain: str) -> Tenant | None:
        """The tenant serving this host name."""
        tenant_id = await self._session.scalar(
            select(TenantDomainRow.tenant_id).where(TenantDomainRow.domain == domain)
        )
        return None if tenant_id is None else await self.get(tenant_id)

    async def all(self) -> Sequence[Tenant]:
        """Every tenant, by id."""
        rows = (await self._session.scalars(select(TenantRow).order_by(TenantRow.id))).all()
        domains: dict[str, list[str]] = {}
        for domain_row in await self._session.scalars(
            select(TenantDomainRow).order_by(TenantDomainRow.position)
        ):
            domains.setdefault(domain_row.tenant_id, []).append(domain_row.domain)
        return [_tenant(row, domains.get(row.id, [])) for row in rows]

    async def update(self, tenant: Tenant) -> None:
        """Replace a stored tenant; ``Conflict`` if a new domain is taken."""
        try:
            async with self._session.begin_nested():
                await self._session.merge(_row(tenant))
                await self._session.execute(
                    delete(TenantDomainRow).where(TenantDomainRow.tenant_id == tenant.id)
                )
                self._session.add_all(self._domain_rows(tenant))
                await self._session.flush()
        except IntegrityError:
            raise Conflict("one of the domains belongs to another tenant") from None

    async def _domains(self, tenant_id: str) -> list[str]:
        return list(
            await self._session.scalars(
                select(TenantDomainRow.domain)
                .where(TenantDomainRow.tenant_id == tenant_id)
                .order_by(TenantDomainRow.position)
            )
        )

    @staticmethod
    def _domain_rows(tenant: Tenant) -> list[TenantDomainRow]:
        return [
            TenantDomainRow(domain=domain, tenant_id=tenant.id, position=position)
            for position, domain in enumerate(tenant.domains)
        ]
