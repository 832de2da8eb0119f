"""Who is calling, and for which tenant: resolved once per request from token and Host."""

from __future__ import annotations

import time
from typing import Any

import attrs
from litestar.connection import ASGIConnection

from funflights_core.access_token import AccessClaims
from funflights_core.api_key import ApiKey, Scope
from funflights_core.api_keys import ApiKeyService
from funflights_core.authorization import require_role
from funflights_core.clock import Clock
from funflights_core.errors import InvalidToken, PermissionDenied
from funflights_core.identity import IdentityService
from funflights_core.role import Role
from funflights_core.tenant import DEFAULT_TENANT_ID, AuthMethod, Tenant
from funflights_core.unit_of_work import UnitOfWorkFactory

_CACHE_S = 30.0
"""How long a process trusts its copy of a tenant (changes elsewhere show within this)."""


class TenantDirectory:
    """Tenants by id and by host name, cached briefly: every request needs one."""

    def __init__(self, database: UnitOfWorkFactory) -> None:
        self._database = database
        self._by_id: dict[str, tuple[float, Tenant | None]] = {}
        self._by_domain: dict[str, tuple[float, Tenant | None]] = {}

    async def get(self, tenant_id: str) -> Tenant | None:
        """The tenant with this id."""
        hit = self._by_id.get(tenant_id)
        if hit is not None and time.monotonic() - hit[0] < _CACHE_S:
            return hit[1]
        async with self._database.platform() as uow:
            tenant = await uow.tenants.get(tenant_id)
        self._by_id[tenant_id] = (time.monotonic(), tenant)
        return tenant

    async def by_domain(self, domain: str) -> Tenant | None:
        """The tenant serving this host name."""
        hit = self._by_domain.get(domain)
        if hit is not None and time.monotonic() - hit[0] < _CACHE_S:
            return hit[1]
        async with self._database.platform() as uow:
            tenant = await uow.tenants.by_domain(domain)
        if len(self._by_domain) > 10_000:  # arbitrary Host headers must not grow it forever
            self._by_domain.clear()
        self._by_domain[domain] = (time.monotonic(), tenant)
        return tenant

    def forget(self, tenant_id: str) -> None:
        """Drop cached copies of a tenant this process just changed."""
        self._by_id.pop(tenant_id, None)
        self._by_domain = {
            k: v for k, v in self._by_domain.items() if v[1] is None or v[1].id != tenant_id
        }


def host_name(request: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The Host header without its port, lower-cased."""
    return bare_host(request.headers.get("host", ""))


def bare_host(value: str) -> str:
    """A Host header value without its port, lower-cased."""
    host = value.strip().lower()
    if host.startswith("["):  # an IPv6 literal: [::1]:8000
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


@attrs.frozen
class Caller:
    """The request's tenant and, when a valid token or key came with it, who presented it."""

    tenant: Tenant
    claims: AccessClaims | None
    api_key: ApiKey | None = None

    def with_scope(self, scope: Scope) -> ApiKey:
        """The reseller's key, if it has the scope."""
        if self.api_key is None:
            raise InvalidToken("send 'X-API-Key: <key>'")
        if scope not in self.api_key.scopes:
            raise PermissionDenied(f"this API key lacks the '{scope}' scope")
        return self.api_key

    def signed_in(self) -> AccessClaims:
        """The claims, or a 401 when the request carried no token."""
        if self.claims is None:
            raise InvalidToken("sign in: send 'Authorization: Bearer <access token>'")
        return self.claims

    def with_role(self, *roles: Role) -> AccessClaims:
        """The claims, if the principal has one of the roles (with a second factor if staff)."""
        return require_role(self.signed_in(), roles)


class CallerResolver:
    """Resolves the tenant in this order: the API key's, the token's, the Host's, default."""

    def __init__(
        self,
        identity: IdentityService,
        api_keys: ApiKeyService,
        tenants: TenantDirectory,
        clock: Clock,
    ) -> None:
        self._identity = identity
        self._api_keys = api_keys
        self._tenants = tenants
        self._identity_clock = clock
        self._key_callers: dict[tuple[bytes, bytes], tuple[float, int, Caller]] = {}

    async def resolve(self, request: ASGIConnection[Any, Any, Any, Any]) -> Caller:
        """The caller of this request; 401 for a bad token, 403 for a tenant mismatch."""
        host_tenant = await self._tenants.by_domain(host_name(request))
        presented_key = request.headers.get("x-api-key")
        if presented_key is not None:
            return await self._key_holder(presented_key.strip(), host_tenant)
        authorization = request.headers.get("authorization")
        if authorization is None:
            tenant = host_tenant or await self._tenants.get(DEFAULT_TENANT_ID)
            if tenant is None:
                raise RuntimeError("the default tenant is missing: run 'funflights db upgrade'")
            return Caller(tenant, None)
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise InvalidToken("use 'Authorization: Bearer <access token>'")
        claims = await self._identity.authenticate(token.strip())
        tenant = await self._tenants.get(claims.tenant_id)
        if tenant is None:
            raise InvalidToken("the token's tenant does not exist")
        if host_tenant is not None and host_tenant.id != tenant.id:
            raise PermissionDenied("the token belongs to another tenant than this host")
        return Caller(tenant, claims)

    def _remembered(self, presented: bytes, host: bytes, now: float) -> Caller | None:
        # A reseller sends the same key from the same host many times a second: the
        # resolved caller is reused for a second (less if the key expires sooner), unless a
        # key was revoked in this process meanwhile.
        memo = self._key_callers.get((presented, host))
        if memo is None or now >= memo[0] or memo[1] != self._api_keys.generation:
            return None
        return memo[2]

    def known_key_holder(self, presented: bytes, host: bytes) -> Caller | None:
        """The caller of a key seen lately from this host, metered locally; else None."""
        now = self._identity_clock.monotonic()
        caller = self._remembered(presented, host, now)
        key = None if caller is None else caller.api_key
        if key is None or not self._api_keys.spend_locally(key, now):
            return None
        return caller

    async def key_holder(self, presented: bytes, host: bytes) -> Caller:
        """The caller presenting an API key on a host (raw header values), metered."""
        now = self._identity_clock.monotonic()
        remembered = self._remembered(presented, host, now)
        if remembered is not None:
            if remembered.api_key is not None:
                await self._api_keys.meter(remembered.api_key)
            return remembered
        generation = self._api_keys.generation
        host_tenant = await self._tenants.by_domain(bare_host(host.decode("latin-1")))
        caller = await self._key_holder(presented.decode("latin-1").strip(), host_tenant)
        valid_until = now + 1.0
        key = caller.api_key
        if key is not None and key.expires_at is not None:
            left = (key.expires_at - self._identity_clock.now()).total_seconds()
            valid_until = min(valid_until, now + left)
        if len(self._key_callers) > 10_000:
            self._key_callers.clear()
        self._key_callers[(presented, host)] = (valid_until, generation, caller)
        return caller

    async def _key_holder(self, presented: str, host_tenant: Tenant | None) -> Caller:
        key = await self._api_keys.authenticate(presented)
        tenant = await self._tenants.get(key.tenant_id)
        if tenant is None or not tenant.accepts(AuthMethod.API_KEY):
            raise InvalidToken("this tenant does not accept API keys")
        if host_tenant is not None and host_tenant.id != tenant.id:
            raise PermissionDenied("the API key belongs to another tenant than this host")
        await self._api_keys.meter(key)
        return Caller(tenant, None, key)
