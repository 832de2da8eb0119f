"""``/api/v1/tenants``: platform admins manage every tenant, tenant-admins their own."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Annotated

from litestar import Controller, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter

from entrypoints.http.api_context import ApiContext
from entrypoints.http.identity_wire import (
    OidcIn,
    RefundTierIn,
    TenantIn,
    TenantOut,
    TenantPatchIn,
    TierIn,
)
from entrypoints.http.problems import api_problem_responses
from funflights_core.errors import InvalidInput
from funflights_core.loyalty import Tier
from funflights_core.refund_policy import RefundTier
from funflights_core.role import Role
from funflights_core.tenant import OidcIssuer
from funflights_core.tenant_admin import TenantFields

_ADMINS = (Role.ADMIN, Role.TENANT_ADMIN)
TenantId = Annotated[str, Parameter(description="The tenant's id.", max_length=100)]


def _fields(data: JSONBody[TenantPatchIn]) -> TenantFields:
    return TenantFields(
        name=data.name,
        domains=data.domains,
        default_currency=data.default_currency,
        locale=data.locale,
        loyalty_programme=data.loyalty_programme,
        point_value_usd=data.point_value_usd,
        auth_methods=data.auth_methods,
        oidc=None if data.oidc is None else _oidc(data.oidc),
        exchange_spread=data.exchange_spread,
        loyalty_tiers=None if data.loyalty_tiers is None else list(map(_tier, data.loyalty_tiers)),
        refund_tiers=None
        if data.refund_tiers is None
        else [_refund_tier(n, tier) for n, tier in enumerate(data.refund_tiers)],
    )


def _refund_tier(n: int, data: RefundTierIn) -> RefundTier:
    try:
        percent, fee = Decimal(data.percent), Decimal(data.fee)
        if not (percent.is_finite() and fee.is_finite()):
            raise ValueError(data.percent)
        return RefundTier(timedelta(hours=data.notice_hours), percent, fee, data.cabin)
    except (ArithmeticError, ValueError):
        raise InvalidInput(f"refund_tiers[{n}]", "percent and fee are decimal numbers") from None
    except InvalidInput as exc:
        raise InvalidInput(f"refund_tiers[{n}]", exc.reason) from None


def _tier(data: TierIn) -> Tier:
    try:
        return Tier(data.name.strip(), Decimal(data.min_spend_usd), Decimal(data.points_per_usd))
    except ArithmeticError:
        raise InvalidInput("loyalty_tiers", f"tier {data.name!r} has a bad number") from None


def _oidc(data: JSONBody[OidcIn]) -> OidcIssuer:
    return OidcIssuer(data.issuer, data.audience, data.jwks_url, data.jwks)


class TenantsController(Controller):
    """Tenants (merged companies)."""

    path = "/api/v1/tenants"
    tags = ["tenants"]

    @post(
        "/",
        status_code=201,
        summary="Create a tenant (platform admins)",
        responses=api_problem_responses(409, 422),
    )
    async def create(self, api: NamedDependency[ApiContext], data: JSONBody[TenantIn]) -> TenantOut:
        """A new tenant."""
        claims = api.caller.with_role(Role.ADMIN)
        tenant = await api.services.tenant_admin.create(claims, data.id, _fields(data))
        return TenantOut.of(tenant)

    @get(
        "/",
        summary="Tenants you manage (all of them for platform admins)",
        responses=api_problem_responses(),
    )
    async def list_tenants(self, api: NamedDependency[ApiContext]) -> list[TenantOut]:
        """The tenants the caller manages."""
        claims = api.caller.with_role(*_ADMINS)
        return [TenantOut.of(t) for t in await api.services.tenant_admin.all(claims)]

    @get("/{tenant_id:str}", summary="One tenant", responses=api_problem_responses(404))
    async def get_tenant(self, api: NamedDependency[ApiContext], tenant_id: TenantId) -> TenantOut:
        """A tenant the caller manages."""
        claims = api.caller.with_role(*_ADMINS)
        return TenantOut.of(await api.services.tenant_admin.get(claims, tenant_id))

    @patch(
        "/{tenant_id:str}",
        summary="Change a tenant",
        description="Only the fields given change; domains and auth_methods are replaced whole.",
        responses=api_problem_responses(404, 409, 422),
    )
    async def update(
        self, api: NamedDependency[ApiContext], data: JSONBody[TenantPatchIn], tenant_id: TenantId
    ) -> TenantOut:
        """Apply the changes, all or none."""
        claims = api.caller.with_role(*_ADMINS)
        tenant = await api.services.tenant_admin.update(claims, tenant_id, _fields(data))
        api.services.tenants.forget(tenant.id)
        return TenantOut.of(tenant)
