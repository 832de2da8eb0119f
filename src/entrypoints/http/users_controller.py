"""``/api/v1/users/me``: the signed-in user's own account."""

from __future__ import annotations

from typing import Any

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT

from entrypoints.http.api_context import ApiContext
from entrypoints.http.identity_wire import (
    ProfilePatchIn,
    TotpCodeIn,
    TotpEnrolmentOut,
    UserOut,
)
from entrypoints.http.problems import api_problem_responses
from funflights_core.accounts import ProfileChanges


class UsersController(Controller):
    """The caller's own account."""

    path = "/api/v1/users/me"
    tags = ["identity"]

    @get("/", summary="Your account", responses=api_problem_responses(404))
    async def me(self, api: NamedDependency[ApiContext]) -> UserOut:
        """The signed-in user's account."""
        claims = api.caller.signed_in()
        return UserOut.of(await api.services.accounts.profile(claims.tenant_id, claims.subject))

    @patch(
        "/",
        summary="Change your profile",
        description="Only the fields given change. Currencies are ISO 4217 codes, languages "
        "tags such as en-GB, channels email, sms (needs a phone) and push.",
        responses=api_problem_responses(404, 422),
    )
    async def update_me(
        self, api: NamedDependency[ApiContext], data: JSONBody[ProfilePatchIn]
    ) -> UserOut:
        """Apply the profile changes, all or none."""
        claims = api.caller.signed_in()
        changes = ProfileChanges(
            full_name=data.full_name,
            preferred_currency=data.preferred_currency,
            language=data.language,
            phone=data.phone,
            notification_channels=None
            if data.notification_channels is None
            else frozenset(data.notification_channels),
        )
        user = await api.services.accounts.update_profile(claims.tenant_id, claims.subject, changes)
        return UserOut.of(user)

    @get(
        "/export",
        summary="Everything we hold about you (GDPR art. 15 and 20)",
        responses=api_problem_responses(404),
    )
    async def export(self, api: NamedDependency[ApiContext]) -> dict[str, Any]:
        """Every personal datum of the account, as JSON."""
        claims = api.caller.signed_in()
        return await api.services.accounts.export(claims.tenant_id, claims.subject)

    @delete(
        "/",
        status_code=HTTP_204_NO_CONTENT,
        summary="Erase your personal data (GDPR art. 17)",
        description="The account can no longer sign in; its id stays on financial records, "
        "which are kept without personal data.",
        responses=api_problem_responses(404),
    )
    async def erase(self, api: NamedDependency[ApiContext]) -> None:
        """Erase the account's personal data and end its sessions."""
        claims = api.caller.signed_in()
        await api.services.accounts.erase(
            claims.tenant_id, claims.subject, family_id=claims.family_id
        )

    @post(
        "/totp",
        status_code=201,
        summary="Start enrolling an authenticator app",
        description="Returns the secret once; confirm with a code to activate it.",
        responses=api_problem_responses(404, 409),
    )
    async def start_totp(self, api: NamedDependency[ApiContext]) -> TotpEnrolmentOut:
        """A new authenticator secret for the caller."""
        claims = api.caller.signed_in()
        enrolment = await api.services.identity.start_totp_enrolment(
            claims.tenant_id, claims.subject
        )
        return TotpEnrolmentOut.of(enrolment)

    @post(
        "/totp/confirm",
        status_code=HTTP_204_NO_CONTENT,
        summary="Activate the authenticator with a code from it",
        responses=api_problem_responses(404, 409, 422),
    )
    async def confirm_totp(
        self, api: NamedDependency[ApiContext], data: JSONBody[TotpCodeIn]
    ) -> None:
        """From now on, signing in needs a code from the authenticator."""
        claims = api.caller.signed_in()
        await api.services.identity.confirm_totp_enrolment(
            claims.tenant_id, claims.subject, data.code
        )
