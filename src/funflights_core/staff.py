"""Who changes pricing data: a signed-in staff member, or an operator at the command line."""

from __future__ import annotations

import attrs

from funflights_core.access_token import AccessClaims
from funflights_core.authorization import require_role
from funflights_core.role import Role

PRICING_ROLES = (Role.STAFF, Role.ADMIN, Role.TENANT_ADMIN)
"""Roles that may change margin rules and coupons."""


@attrs.frozen
class Staff:
    """The tenant a change is made in and who makes it (recorded in the audit log)."""

    tenant_id: str
    actor: str


def staff_member(claims: AccessClaims) -> Staff:
    """The caller as staff, if their role (and second factor) allows pricing changes."""
    require_role(claims, PRICING_ROLES)
    return Staff(claims.tenant_id, claims.subject)


def operator(tenant_id: str, name: str) -> Staff:
    """An operator running ``funflights`` commands on the server (trusted by access to it)."""
    return Staff(tenant_id, f"cli:{name}")
