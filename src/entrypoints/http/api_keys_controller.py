"""``/api/v1/api-keys``: a tenant's administrators issue and revoke its resellers' keys."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_204_NO_CONTENT

from entrypoints.http.api_context import ApiContext
from entrypoints.http.identity_wire import ApiKeyIn, ApiKeyOut, NewApiKeyOut
from entrypoints.http.problems import api_problem_responses
from funflights_core.api_keys import KeyUsage
from funflights_core.role import Role

_ADMINS = (Role.ADMIN, Role.TENANT_ADMIN)
KeyId = Annotated[str, Parameter(description="The key's id.", max_length=100)]


class ApiKeysController(Controller):
    """API keys of the caller's tenant."""

    path = "/api/v1/api-keys"
    tags = ["resellers"]

    @post(
        "/",
        status_code=201,
        summary="Issue a reseller API key",
        description="The secret is in the answer once and is stored only as a hash. Scopes: "
        "search, book, read-bookings. Resellers send it as 'X-API-Key'.",
        responses=api_problem_responses(422),
    )
    async def issue(
        self, api: NamedDependency[ApiContext], data: JSONBody[ApiKeyIn]
    ) -> NewApiKeyOut:
        """A new key in the caller's tenant."""
        claims = api.caller.with_role(*_ADMINS)
        issued = await api.services.api_keys.issue(
            claims,
            name=data.name,
            scopes=data.scopes,
            expires_at=data.expires_at,
            rate_limit_per_minute=data.rate_limit_per_minute,
            daily_quota=data.daily_quota,
            replaces=data.replaces,
        )
        return NewApiKeyOut(issued.secret, ApiKeyOut.of(issued.key, KeyUsage(0, 0)))

    @get("/", summary="The tenant's API keys, with usage", responses=api_problem_responses())
    async def list_keys(self, api: NamedDependency[ApiContext]) -> list[ApiKeyOut]:
        """Every key of the caller's tenant, newest first."""
        claims = api.caller.with_role(*_ADMINS)
        service = api.services.api_keys
        return [ApiKeyOut.of(key, await service.usage(key)) for key in await service.all(claims)]

    @get("/{key_id:str}", summary="One API key, with usage", responses=api_problem_responses(404))
    async def get_key(self, api: NamedDependency[ApiContext], key_id: KeyId) -> ApiKeyOut:
        """A key of the caller's tenant."""
        claims = api.caller.with_role(*_ADMINS)
        key = await api.services.api_keys.get(claims, key_id)
        return ApiKeyOut.of(key, await api.services.api_keys.usage(key))

    @delete(
        "/{key_id:str}",
        status_code=HTTP_204_NO_CONTENT,
        summary="Revoke an API key",
        responses=api_problem_responses(404),
    )
    async def revoke(self, api: NamedDependency[ApiContext], key_id: KeyId) -> None:
        """The key stops working (within seconds in every process)."""
        claims = api.caller.with_role(*_ADMINS)
        await api.services.api_keys.revoke(claims, key_id)
