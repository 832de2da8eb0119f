"""The role rule: one of the roles, and a second factor for staff and admins."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from funflights_core.access_token import AccessClaims
from funflights_core.authorization import require_role
from funflights_core.errors import PermissionDenied
from funflights_core.role import Role

NOW = datetime(2030, 1, 1, tzinfo=UTC)


def claims(*roles: Role, mfa: bool = False) -> AccessClaims:
    return AccessClaims("u", "default", frozenset(roles), NOW, NOW, "t", "f", mfa)


def test_a_role_holder_passes() -> None:
    given = claims(Role.TENANT_ADMIN)

    assert require_role(given, [Role.ADMIN, Role.TENANT_ADMIN]) is given


def test_another_role_is_refused() -> None:
    with pytest.raises(PermissionDenied, match="role"):
        require_role(claims(Role.CUSTOMER), [Role.ADMIN])


def test_staff_and_admins_need_their_second_factor() -> None:
    with pytest.raises(PermissionDenied, match="authenticator"):
        require_role(claims(Role.ADMIN), [Role.ADMIN])

    assert require_role(claims(Role.ADMIN, mfa=True), [Role.ADMIN]).mfa
