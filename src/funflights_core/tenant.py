"""A tenant: one merged company, with its own customers, currency, loyalty and sign-in rules."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal, InvalidOperation

import attrs

from funflights_core.errors import InvalidInput
from funflights_core.loyalty import DEFAULT_TIERS, TIER_CURRENCY, Tier, TierPolicy
from funflights_core.refund_policy import RefundPolicy

DEFAULT_TENANT_ID = "default"
"""The tenant that exists from the first migration on."""

_TENANT_ID = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9-]{1,63}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_LOCALE = re.compile(r"^[a-z]{2,3}(?:-[A-Z]{2})?$")


class AuthMethod(enum.StrEnum):
    """A way the tenant's principals may prove who they are."""

    PASSWORD = "password"
    API_KEY = "api-key"
    OIDC = "oidc"


@attrs.frozen
class OidcIssuer:
    """An external OpenID Connect issuer whose ID tokens the tenant accepts."""

    issuer: str
    audience: str
    jwks_url: str | None = None
    """Where the issuer publishes its keys; or give them inline in ``jwks``."""
    jwks: str | None = None
    """The JSON Web Key Set itself (JSON text), for issuers configured by hand."""


@attrs.frozen
class Tenant:
    """A merged company: its identity, defaults and accepted authentication methods."""

    id: str
    name: str
    domains: tuple[str, ...]
    default_currency: str
    locale: str
    loyalty_programme: str
    point_value_usd: Decimal
    """What one loyalty point is worth, in US dollars."""
    auth_methods: frozenset[AuthMethod]
    created_at: datetime
    oidc: OidcIssuer | None = None
    exchange_spread: Decimal = Decimal(0)
    """The platform's margin on currency conversion: 0.015 adds 1.5% to the mid rate."""
    loyalty_tiers: tuple[Tier, ...] = DEFAULT_TIERS
    """The loyalty programme's tiers, by 12-month spend in USD."""
    refund_policy: RefundPolicy | None = None
    """How cancellations are refunded; None: the platform's (``FUNFLIGHTS_REFUND_TIERS``)."""

    @property
    def tier_policy(self) -> TierPolicy:
        """The tiers as a policy (spend in USD)."""
        return TierPolicy(TIER_CURRENCY, self.loyalty_tiers)

    def accepts(self, method: AuthMethod) -> bool:
        """Whether principals may authenticate to this tenant this way."""
        return method in self.auth_methods

    def accepts_oidc_without_issuer(self) -> bool:
        """A configuration mistake: OIDC accepted but no issuer to verify tokens against."""
        return AuthMethod.OIDC in self.auth_methods and self.oidc is None


def tenant_id(value: str) -> str:
    """A valid tenant id (lower-case letters, digits and hyphens), or ``InvalidInput``."""
    if not _TENANT_ID.match(value):
        raise InvalidInput("id", "use 1-40 lower-case letters, digits or inner hyphens")
    return value


def tenant_domains(values: Iterable[str]) -> tuple[str, ...]:
    """Host names, lower-cased, each once, or ``InvalidInput`` naming the bad one."""
    domains: dict[str, None] = {}
    for value in values:
        domain = value.strip().lower().rstrip(".")
        if not _DOMAIN.match(domain):
            raise InvalidInput("domains", f"{value!r} is not a host name")
        domains[domain] = None
    return tuple(domains)


def currency_code(value: str, field: str = "default_currency") -> str:
    """An ISO 4217 alphabetic code in upper case, or ``InvalidInput``."""
    code = value.strip().upper()
    if not _CURRENCY.match(code):
        raise InvalidInput(field, "use a three-letter ISO 4217 code such as EUR")
    return code


def locale_tag(value: str, field: str = "locale") -> str:
    """A language tag such as ``en`` or ``en-GB``, or ``InvalidInput``."""
    language, _, region = value.strip().replace("_", "-").partition("-")
    tag = language.lower() + (f"-{region.upper()}" if region else "")
    if not _LOCALE.match(tag):
        raise InvalidInput(field, "use a language tag such as en or en-GB")
    return tag


def point_value(value: Decimal | str) -> Decimal:
    """A positive amount of US dollars per loyalty point, or ``InvalidInput``."""
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidInput("point_value_usd", "use a decimal number such as 0.01") from None
    if not amount.is_finite() or amount <= 0:
        raise InvalidInput("point_value_usd", "must be a positive amount")
    return amount


def auth_methods(values: Iterable[str]) -> frozenset[AuthMethod]:
    """At least one known authentication method, or ``InvalidInput``."""
    methods: set[AuthMethod] = set()
    for value in values:
        try:
            methods.add(AuthMethod(value))
        except ValueError:
            choices = ", ".join(m.value for m in AuthMethod)
            raise InvalidInput("auth_methods", f"{value!r} is not one of {choices}") from None
    if not methods:
        raise InvalidInput("auth_methods", "accept at least one method")
    return frozenset(methods)


def exchange_spread(value: Decimal | str) -> Decimal:
    """A conversion spread as a share (0 to 0.2: at most 20%), or ``InvalidInput``."""
    try:
        spread = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidInput("exchange_spread", "use a decimal share such as 0.015") from None
    if not spread.is_finite() or not Decimal(0) <= spread <= Decimal("0.2"):
        raise InvalidInput("exchange_spread", "use a share from 0 to 0.2 (20%)")
    return spread
