"""Who may do what: the role rule every guarded use case applies."""

from __future__ import annotations

from collections.abc import Iterable

from funflights_core.access_token import AccessClaims
from funflights_core.errors import PermissionDenied
from funflights_core.role import MFA_ROLES, Role


def require_role(claims: AccessClaims, roles: Iterable[Role]) -> AccessClaims:
    """The claims, if they hold one of the roles, signed in with a second factor if staff."""
    if not set(roles) & claims.roles:
        raise PermissionDenied("your role does not allow this")
    if claims.roles & MFA_ROLES and not claims.mfa:
        raise PermissionDenied("staff and admins must sign in with their authenticator")
    return claims
