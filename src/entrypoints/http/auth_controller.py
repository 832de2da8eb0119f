"""``/api/v1/auth``: register, verify, sign in, refresh, sign out, reset a password."""

from __future__ import annotations

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from entrypoints.http.api_context import ApiContext
from entrypoints.http.identity_wire import (
    CodeIn,
    LoginIn,
    OidcLoginIn,
    PasswordResetConfirmIn,
    PasswordResetIn,
    RefreshIn,
    RegisterIn,
    TokensOut,
    UserOut,
)
from entrypoints.http.problems import api_problem_responses


class AuthController(Controller):
    """Accounts and sessions of the tenant the request is for."""

    path = "/api/v1/auth"
    tags = ["identity"]

    @post(
        "/register",
        status_code=201,
        summary="Create a customer account",
        description="Password: 12-128 characters, not a common one, not containing the email. "
        "A verification code is emailed.",
        responses=api_problem_responses(409, 422),
    )
    async def register(
        self, api: NamedDependency[ApiContext], data: JSONBody[RegisterIn]
    ) -> UserOut:
        """Create a customer account in the request's tenant."""
        user = await api.services.identity.register(
            api.caller.tenant, email=data.email, password=data.password, full_name=data.full_name
        )
        return UserOut.of(user)

    @post(
        "/verify-email",
        status_code=200,
        summary="Confirm an email address with the emailed code",
        responses=api_problem_responses(),
    )
    async def verify_email(
        self, api: NamedDependency[ApiContext], data: JSONBody[CodeIn]
    ) -> UserOut:
        """Mark the address verified."""
        user = await api.services.identity.verify_email(api.caller.tenant.id, data.token)
        return UserOut.of(user)

    @post(
        "/login",
        status_code=200,
        summary="Sign in with email and password (and authenticator code for staff)",
        description="Failed attempts are limited per account and per client address; past "
        "the limit the answer is 429 with Retry-After.",
        responses=api_problem_responses(429),
    )
    async def login(self, api: NamedDependency[ApiContext], data: JSONBody[LoginIn]) -> TokensOut:
        """Open a session."""
        pair = await api.services.identity.login(
            api.caller.tenant,
            email=data.email,
            password=data.password,
            client_address=api.client_address,
            totp_code=data.totp_code,
        )
        return TokensOut.of(pair, api.services.clock.now())

    @post(
        "/oidc",
        status_code=200,
        summary="Sign in with an ID token from the tenant's OpenID Connect issuer",
        description="The token is verified against the issuer, audience and keys configured "
        "on the tenant. The account is found by the token's verified email, or created as a "
        "customer.",
        responses=api_problem_responses(),
    )
    async def login_oidc(
        self, api: NamedDependency[ApiContext], data: JSONBody[OidcLoginIn]
    ) -> TokensOut:
        """Open a session for an externally authenticated user."""
        pair = await api.services.identity.login_external(api.caller.tenant, id_token=data.id_token)
        return TokensOut.of(pair, api.services.clock.now())

    @post(
        "/refresh",
        status_code=200,
        summary="Exchange a refresh token for new tokens",
        description="Each refresh token works once. Presenting one a second time ends the "
        "whole session (every token issued from the same sign-in).",
        responses=api_problem_responses(),
    )
    async def refresh(
        self, api: NamedDependency[ApiContext], data: JSONBody[RefreshIn]
    ) -> TokensOut:
        """Rotate the session's tokens."""
        pair = await api.services.identity.refresh(api.caller.tenant.id, data.refresh_token)
        return TokensOut.of(pair, api.services.clock.now())

    @post(
        "/logout",
        status_code=HTTP_204_NO_CONTENT,
        summary="End this session",
        description="Its refresh token and its access tokens stop working at once.",
        responses=api_problem_responses(),
    )
    async def logout(self, api: NamedDependency[ApiContext]) -> None:
        """Revoke the session the access token belongs to."""
        claims = api.caller.signed_in()
        await api.services.identity.logout(claims.tenant_id, claims.family_id)

    @post(
        "/password-reset",
        status_code=HTTP_202_ACCEPTED,
        summary="Email a password reset code",
        description="Always 202, whether or not the account exists.",
        responses=api_problem_responses(),
    )
    async def request_password_reset(
        self, api: NamedDependency[ApiContext], data: JSONBody[PasswordResetIn]
    ) -> None:
        """Send a reset code if the account exists."""
        await api.services.identity.request_password_reset(api.caller.tenant, data.email)

    @post(
        "/password-reset/confirm",
        status_code=HTTP_204_NO_CONTENT,
        summary="Choose a new password with the emailed code",
        description="Every session of the account ends.",
        responses=api_problem_responses(422),
    )
    async def confirm_password_reset(
        self, api: NamedDependency[ApiContext], data: JSONBody[PasswordResetConfirmIn]
    ) -> None:
        """Set the new password."""
        await api.services.identity.reset_password(api.caller.tenant.id, data.token, data.password)
