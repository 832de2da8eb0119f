"""The one dependency of the /api/v1 handlers: the caller and the services they use."""

from __future__ import annotations

from typing import Any

import attrs
from litestar import Request

from entrypoints.bootstrap import InventoryParts, PricingParts
from entrypoints.http.request_context import Caller, CallerResolver, TenantDirectory
from entrypoints.http.search_pages import SearchPages
from funflights_core.accounts import AccountService
from funflights_core.api_keys import ApiKeyService
from funflights_core.bookings import BookingService
from funflights_core.clock import Clock
from funflights_core.customer_import import CustomerImporter
from funflights_core.idempotent_requests import IdempotentRequests
from funflights_core.identity import IdentityService
from funflights_core.payment_method import PaymentMethodDirectory
from funflights_core.price_quotes import Buyer
from funflights_core.tenant_admin import TenantAdmin


@attrs.frozen
class ApiServices:
    """The use cases behind /api/v1, built once by ``create_app``."""

    identity: IdentityService
    accounts: AccountService
    api_keys: ApiKeyService
    tenant_admin: TenantAdmin
    importer: CustomerImporter
    tenants: TenantDirectory
    clock: Clock
    resolver: CallerResolver
    pricing: PricingParts
    inventory: InventoryParts
    pages: SearchPages
    """Encoded search pages: kept here, shared, or computed."""
    bookings: BookingService
    bookings_payments: PaymentMethodDirectory
    idempotency: IdempotentRequests


@attrs.frozen
class ApiContext:
    """What a handler needs: who calls (and for which tenant), and the services."""

    caller: Caller
    services: ApiServices
    client_address: str

    def customer(self) -> Buyer:
        """Who books: the signed-in customer as the token says (no profile read: bookings
        are in their own currency), a reseller by its API key, else a visitor, whom
        bookings ask to sign in."""
        caller = self.caller
        if caller.api_key is not None:
            return Buyer(
                caller.tenant, caller.api_key.owner, address=self.client_address, reseller=True
            )
        if caller.claims is None:
            return Buyer(caller.tenant, address=self.client_address)
        return Buyer(caller.tenant, caller.claims.subject, address=self.client_address)

    async def buyer(self) -> Buyer:
        """Who prices, searches or chooses: the signed-in customer, else a visitor."""
        caller = self.caller
        if caller.claims is None:
            return Buyer(caller.tenant, address=self.client_address)
        user = await self.services.accounts.profile(caller.tenant.id, caller.claims.subject)
        return Buyer(caller.tenant, user.id, user.preferred_currency, self.client_address)


def api_context_provider(services: ApiServices) -> Any:
    """A Litestar dependency function resolving the ApiContext of a request."""

    async def provide_api_context(request: Request[Any, Any, Any]) -> ApiContext:
        caller = await services.resolver.resolve(request)
        address = request.client.host if request.client else "unknown"
        return ApiContext(caller, services, address)

    return provide_api_context
