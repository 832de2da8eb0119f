"""Use cases of tenant administration: platform admins manage all, tenant-admins their own."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import attrs

from funflights_core.access_token import AccessClaims
from funflights_core.clock import Clock
from funflights_core.errors import InvalidInput, NotFound, PermissionDenied
from funflights_core.loyalty import TIER_CURRENCY, Tier, TierPolicy
from funflights_core.refund_policy import RefundPolicy, RefundTier
from funflights_core.role import Role
from funflights_core.tenant import (
    DEFAULT_TENANT_ID,
    OidcIssuer,
    Tenant,
    auth_methods,
    currency_code,
    exchange_spread,
    locale_tag,
    point_value,
    tenant_domains,
    tenant_id,
)
from funflights_core.unit_of_work import UnitOfWorkFactory


@attrs.frozen
class TenantFields:
    """What a request may set on a tenant; None leaves a field as it is (on update)."""

    name: str | None = None
    domains: Sequence[str] | None = None
    default_currency: str | None = None
    locale: str | None = None
    loyalty_programme: str | None = None
    point_value_usd: Decimal | str | None = None
    auth_methods: Sequence[str] | None = None
    oidc: OidcIssuer | None = None
    exchange_spread: Decimal | str | None = None
    loyalty_tiers: Sequence[Tier] | None = None
    refund_tiers: Sequence[RefundTier] | None = None
    """The tenant's refund rules (an empty list: the platform's again)."""


def is_platform_admin(claims: AccessClaims) -> bool:
    """Admins of the default tenant administer the whole platform."""
    return claims.tenant_id == DEFAULT_TENANT_ID and Role.ADMIN in claims.roles


def _may_manage(claims: AccessClaims, target: str) -> bool:
    return is_platform_admin(claims) or (
        claims.tenant_id == target and bool({Role.TENANT_ADMIN, Role.ADMIN} & claims.roles)
    )


def _text(value: str, field: str, limit: int = 200) -> str:
    text = value.strip()
    if not text or len(text) > limit:
        raise InvalidInput(field, f"use 1-{limit} characters")
    return text


_TIER_NAME = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
_TIER_SPEND_LIMIT = Decimal(10) ** 9
_TIER_RATE_LIMIT = Decimal(1000)


def _tiers(tiers: Sequence[Tier]) -> tuple[Tier, ...]:
    for tier in tiers:
        numbers = (tier.min_spend, tier.points_per_unit)
        if (
            not _TIER_NAME.match(tier.name)
            or any(not n.is_finite() or n < 0 for n in numbers)
            or tier.min_spend >= _TIER_SPEND_LIMIT
            or tier.points_per_unit > _TIER_RATE_LIMIT
        ):
            raise InvalidInput(
                "loyalty_tiers",
                f"tier {tier.name!r}: name it with 1-40 letters, digits, - or _; spend from 0 "
                "to under a billion USD; 0 to 1000 points per USD",
            )
    try:
        return TierPolicy(TIER_CURRENCY, tuple(tiers)).tiers
    except InvalidInput as exc:
        raise InvalidInput("loyalty_tiers", exc.reason) from None


def _validated(fields: TenantFields) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if fields.name is not None:
        values["name"] = _text(fields.name, "name")
    if fields.domains is not None:
        values["domains"] = tenant_domains(fields.domains)
    if fields.default_currency is not None:
        values["default_currency"] = currency_code(fields.default_currency)
    if fields.locale is not None:
        values["locale"] = locale_tag(fields.locale)
    if fields.loyalty_programme is not None:
        values["loyalty_programme"] = _text(fields.loyalty_programme, "loyalty_programme")
    if fields.point_value_usd is not None:
        values["point_value_usd"] = point_value(fields.point_value_usd)
    if fields.auth_methods is not None:
        values["auth_methods"] = auth_methods(fields.auth_methods)
    if fields.exchange_spread is not None:
        values["exchange_spread"] = exchange_spread(fields.exchange_spread)
    if fields.loyalty_tiers is not None:
        values["loyalty_tiers"] = _tiers(fields.loyalty_tiers)
    if fields.refund_tiers is not None:
        try:
            tiers = RefundPolicy(tuple(fields.refund_tiers))
        except InvalidInput as exc:
            raise InvalidInput("refund_tiers", exc.reason) from None
        values["refund_policy"] = tiers if tiers.tiers else None
    if fields.oidc is not None:
        oidc = fields.oidc
        if not oidc.issuer.startswith("https://") or not oidc.audience:
            raise InvalidInput("oidc", "give an https:// issuer and an audience")
        if (oidc.jwks_url is None) == (oidc.jwks is None):
            raise InvalidInput("oidc", "give either jwks_url or jwks")
        values["oidc"] = oidc
    return values


class TenantAdmin:
    """Creating, listing and changing tenants, with the caller's rights checked."""

    def __init__(self, *, database: UnitOfWorkFactory, clock: Clock) -> None:
        self._database = database
        self._clock = clock

    async def create(
        self, caller: AccessClaims | None, new_id: str, fields: TenantFields
    ) -> Tenant:
        """A new tenant (platform admins only; ``caller`` None means the operator's CLI)."""
        if caller is not None and not is_platform_admin(caller):
            raise PermissionDenied("only platform admins create tenants")
        values = _validated(fields)
        missing = [
            name
            for name in (
                "name",
                "default_currency",
                "locale",
                "loyalty_programme",
                "point_value_usd",
            )
            if name not in values
        ]
        if missing:
            raise InvalidInput(missing[0], "is required")
        values.setdefault("domains", ())
        values.setdefault("auth_methods", auth_methods(["password"]))
        tenant = Tenant(id=tenant_id(new_id), created_at=self._clock.now(), **values)
        if tenant.accepts_oidc_without_issuer():
            raise InvalidInput("oidc", "accepting oidc needs an issuer")
        async with self._database.platform() as uow:
            await uow.tenants.add(tenant)
            await uow.commit()
        return tenant

    async def all(self, caller: AccessClaims | None) -> Sequence[Tenant]:
        """The tenants the caller may see: all for platform admins, else their own."""
        async with self._database.platform() as uow:
            tenants = await uow.tenants.all()
        if caller is None or is_platform_admin(caller):
            return tenants
        return [t for t in tenants if _may_manage(caller, t.id)]

    async def get(self, caller: AccessClaims | None, target: str) -> Tenant:
        """One tenant, if the caller may manage it."""
        if caller is not None and not _may_manage(caller, target):
            raise NotFound("no such tenant")  # not 403: do not confirm other tenants exist
        async with self._database.platform() as uow:
            tenant = await uow.tenants.get(target)
        if tenant is None:
            raise NotFound("no such tenant")
        return tenant

    async def update(
        self, caller: AccessClaims | None, target: str, fields: TenantFields
    ) -> Tenant:
        """Change a tenant, if the caller may manage it."""
        current = await self.get(caller, target)
        changed = attrs.evolve(current, **_validated(fields))
        if changed.accepts_oidc_without_issuer():
            raise InvalidInput("oidc", "accepting oidc needs an issuer")
        async with self._database.platform() as uow:
            await uow.tenants.update(changed)
            await uow.commit()
        return changed
