"""The roles a principal can hold; endpoint guards are written in terms of these."""

import enum


class Role(enum.StrEnum):
    """A role within one tenant."""

    CUSTOMER = "customer"
    STAFF = "staff"
    ADMIN = "admin"
    RESELLER = "reseller"
    TENANT_ADMIN = "tenant-admin"


MFA_ROLES = frozenset({Role.STAFF, Role.ADMIN})
"""Roles whose logins need a second factor (TOTP)."""
