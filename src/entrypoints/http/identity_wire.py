"""Wire formats of the identity and tenant API (/api/v1): msgspec structs, snake_case."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

import msgspec

from funflights_core.api_key import ApiKey
from funflights_core.api_keys import KeyUsage
from funflights_core.customer_import import ImportReport
from funflights_core.flight import CabinClass
from funflights_core.identity import TokenPair, TotpEnrolment
from funflights_core.tenant import Tenant
from funflights_core.user import User

Email = Annotated[str, msgspec.Meta(max_length=320, description="An email address.")]
Password = Annotated[str, msgspec.Meta(max_length=1024)]
Secret = Annotated[str, msgspec.Meta(min_length=1, max_length=512)]


class RegisterIn(msgspec.Struct, forbid_unknown_fields=True):
    """A new customer account."""

    email: Email
    password: Password
    full_name: Annotated[str, msgspec.Meta(max_length=1000)] = ""


class LoginIn(msgspec.Struct, forbid_unknown_fields=True):
    """Credentials; ``totp_code`` only for accounts with an authenticator."""

    email: Email
    password: Password
    totp_code: Annotated[str, msgspec.Meta(max_length=16)] | None = None


class OidcLoginIn(msgspec.Struct, forbid_unknown_fields=True):
    """An ID token from the tenant's OpenID Connect issuer."""

    id_token: Annotated[str, msgspec.Meta(min_length=1, max_length=16_384)]


class RefreshIn(msgspec.Struct, forbid_unknown_fields=True):
    """A refresh token to exchange."""

    refresh_token: Secret


class CodeIn(msgspec.Struct, forbid_unknown_fields=True):
    """A code sent by email (verification)."""

    token: Secret


class PasswordResetIn(msgspec.Struct, forbid_unknown_fields=True):
    """Whose password to reset."""

    email: Email


class PasswordResetConfirmIn(msgspec.Struct, forbid_unknown_fields=True):
    """The emailed reset code and the new password."""

    token: Secret
    password: Password


class TotpCodeIn(msgspec.Struct, forbid_unknown_fields=True):
    """A code from an authenticator app."""

    code: Annotated[str, msgspec.Meta(max_length=16)]


class TokensOut(msgspec.Struct, frozen=True):
    """Tokens of a session (OAuth 2 token response field names)."""

    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int
    refresh_expires_in: int
    mfa: bool

    @classmethod
    def of(cls, pair: TokenPair, now: datetime) -> TokensOut:
        """The wire form of a token pair."""
        return cls(
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            token_type="Bearer",
            expires_in=int((pair.access_expires_at - now).total_seconds()),
            refresh_expires_in=int((pair.refresh_expires_at - now).total_seconds()),
            mfa=pair.claims.mfa,
        )


class TotpEnrolmentOut(msgspec.Struct, frozen=True):
    """The secret to add to an authenticator app (shown once), and its otpauth URI."""

    secret: str
    provisioning_uri: str

    @classmethod
    def of(cls, enrolment: TotpEnrolment) -> TotpEnrolmentOut:
        """The wire form of an enrolment."""
        return cls(enrolment.secret, enrolment.provisioning_uri)


class UserOut(msgspec.Struct, frozen=True):
    """An account as its owner sees it."""

    id: str
    tenant_id: str
    email: str
    email_verified: bool
    full_name: str
    roles: list[str]
    preferred_currency: str | None
    language: str | None
    phone: str | None
    notification_channels: list[str]
    second_factor_enrolled: bool
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> UserOut:
        """The wire form of a user."""
        return cls(
            id=user.id,
            tenant_id=user.tenant_id,
            email=user.email,
            email_verified=user.email_verified,
            full_name=user.full_name,
            roles=sorted(str(role) for role in user.roles),
            preferred_currency=user.preferred_currency,
            language=user.language,
            phone=user.phone,
            notification_channels=sorted(str(c) for c in user.notification_channels),
            second_factor_enrolled=user.totp_confirmed,
            created_at=user.created_at,
        )


class ProfilePatchIn(msgspec.Struct, forbid_unknown_fields=True):
    """Profile fields to change; absent ones stay as they are."""

    full_name: Annotated[str, msgspec.Meta(max_length=1000)] | None = None
    preferred_currency: Annotated[str, msgspec.Meta(max_length=10)] | None = None
    language: Annotated[str, msgspec.Meta(max_length=35)] | None = None
    phone: Annotated[str, msgspec.Meta(max_length=40)] | None = None
    notification_channels: list[str] | None = None


class OidcIn(msgspec.Struct, forbid_unknown_fields=True):
    """An OpenID Connect issuer: its keys by URL or inline (JWKS JSON text)."""

    issuer: Annotated[str, msgspec.Meta(max_length=500)]
    audience: Annotated[str, msgspec.Meta(max_length=500)]
    jwks_url: Annotated[str, msgspec.Meta(max_length=1000)] | None = None
    jwks: Annotated[str, msgspec.Meta(max_length=100_000)] | None = None


class TierIn(msgspec.Struct, forbid_unknown_fields=True):
    """A loyalty tier: reached at a 12-month spend in USD, earning points per USD."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    min_spend_usd: Annotated[str, msgspec.Meta(max_length=40, description="Decimal text.")]
    points_per_usd: Annotated[str, msgspec.Meta(max_length=40, description="Decimal text.")]


class RefundTierIn(msgspec.Struct, forbid_unknown_fields=True):
    """A refund rule: cancelling at least ``notice_hours`` before departure gives back
    ``percent`` of what was paid, less ``fee`` per passenger (in the currency paid)."""

    notice_hours: Annotated[float, msgspec.Meta(ge=0, le=8784)]
    percent: Annotated[str, msgspec.Meta(max_length=40, description="Decimal text, 0-100.")]
    fee: Annotated[str, msgspec.Meta(max_length=40, description="Decimal text.")] = "0"
    cabin: CabinClass | None = None
    """The fare (cabin) the rule is for; absent: every fare without rules of its own."""


class RefundTierOut(msgspec.Struct, frozen=True):
    """A refund rule (``cabin`` null: for every fare without rules of its own)."""

    notice_hours: float
    percent: Decimal
    fee: Decimal
    cabin: CabinClass | None = None


class TenantPatchIn(msgspec.Struct, forbid_unknown_fields=True):
    """Tenant fields to change; absent ones stay as they are."""

    name: Annotated[str, msgspec.Meta(max_length=1000)] | None = None
    domains: list[str] | None = None
    default_currency: Annotated[str, msgspec.Meta(max_length=10)] | None = None
    locale: Annotated[str, msgspec.Meta(max_length=35)] | None = None
    loyalty_programme: Annotated[str, msgspec.Meta(max_length=1000)] | None = None
    point_value_usd: (
        Annotated[str, msgspec.Meta(max_length=40, description="Decimal text.")] | None
    ) = None
    auth_methods: list[str] | None = None
    oidc: OidcIn | None = None
    exchange_spread: (
        Annotated[
            str,
            msgspec.Meta(max_length=40, description="Share added to FX mid rates: 0.015 is 1.5%."),
        ]
        | None
    ) = None
    loyalty_tiers: Annotated[list[TierIn], msgspec.Meta(min_length=1, max_length=20)] | None = None
    refund_tiers: Annotated[list[RefundTierIn], msgspec.Meta(max_length=20)] | None = None
    """The tenant's refund rules; [] returns to the platform's."""


class TenantIn(TenantPatchIn, forbid_unknown_fields=True):
    """A new tenant (``id``: lower-case letters, digits, hyphens)."""

    id: Annotated[str, msgspec.Meta(max_length=100)] = ""


class OidcOut(msgspec.Struct, frozen=True):
    """The tenant's OpenID Connect issuer."""

    issuer: str
    audience: str
    jwks_url: str | None
    has_inline_jwks: bool


class TierOut(msgspec.Struct, frozen=True):
    """A loyalty tier."""

    name: str
    min_spend_usd: Decimal
    points_per_usd: Decimal


class TenantOut(msgspec.Struct, frozen=True):
    """A tenant."""

    id: str
    name: str
    domains: list[str]
    default_currency: str
    locale: str
    loyalty_programme: str
    point_value_usd: Decimal
    auth_methods: list[str]
    oidc: OidcOut | None
    created_at: datetime
    exchange_spread: Decimal
    loyalty_tiers: list[TierOut]
    refund_tiers: list[RefundTierOut] | None
    """The tenant's own refund rules (longest notice first); null: the platform's."""

    @classmethod
    def of(cls, tenant: Tenant) -> TenantOut:
        """The wire form of a tenant."""
        oidc = tenant.oidc
        return cls(
            id=tenant.id,
            name=tenant.name,
            domains=list(tenant.domains),
            default_currency=tenant.default_currency,
            locale=tenant.locale,
            loyalty_programme=tenant.loyalty_programme,
            point_value_usd=tenant.point_value_usd,
            auth_methods=sorted(str(m) for m in tenant.auth_methods),
            oidc=None
            if oidc is None
            else OidcOut(oidc.issuer, oidc.audience, oidc.jwks_url, oidc.jwks is not None),
            created_at=tenant.created_at,
            exchange_spread=tenant.exchange_spread,
            loyalty_tiers=[
                TierOut(t.name, t.min_spend, t.points_per_unit) for t in tenant.loyalty_tiers
            ],
            refund_tiers=None
            if tenant.refund_policy is None
            else [
                RefundTierOut(t.notice.total_seconds() / 3600, t.percent, t.fee, t.cabin)
                for t in tenant.refund_policy.tiers
            ],
        )


class ApiKeyIn(msgspec.Struct, forbid_unknown_fields=True):
    """A new reseller key."""

    name: Annotated[str, msgspec.Meta(max_length=1000)]
    scopes: list[str]
    expires_at: datetime | None = None
    rate_limit_per_minute: int = 60
    daily_quota: int = 10_000
    replaces: Annotated[str, msgspec.Meta(max_length=40)] | None = None
    """A key (even revoked or expired) whose reseller account, and bookings, this one takes
    over."""


class ApiKeyOut(msgspec.Struct, frozen=True):
    """A reseller key (never its secret), with its current usage."""

    id: str
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    rate_limit_per_minute: int
    daily_quota: int
    requests_this_minute: int
    requests_today: int
    account: str = ""
    """The reseller account the key acts for (its bookings are the account's)."""

    @classmethod
    def of(cls, key: ApiKey, usage: KeyUsage) -> ApiKeyOut:
        """The wire form of a key and its usage."""
        return cls(
            id=key.id,
            name=key.name,
            prefix=key.prefix,
            scopes=sorted(str(s) for s in key.scopes),
            created_at=key.created_at,
            expires_at=key.expires_at,
            revoked_at=key.revoked_at,
            rate_limit_per_minute=key.rate_limit_per_minute,
            daily_quota=key.daily_quota,
            requests_this_minute=usage.this_minute,
            requests_today=usage.today,
            account=key.owner,
        )


class NewApiKeyOut(msgspec.Struct, frozen=True):
    """A key just issued: ``key`` is the secret, shown this once and never again."""

    key: str
    api_key: ApiKeyOut


class RejectedLineOut(msgspec.Struct, frozen=True):
    """A line that cannot be imported, with every reason."""

    line: int
    external_id: str | None
    reasons: list[str]


class ImportReportOut(msgspec.Struct, frozen=True):
    """What an import did; nothing is stored unless every line is acceptable."""

    accepted: int
    updated: int
    unchanged: int
    rejected: list[RejectedLineOut]
    stored: bool
    dry_run: bool

    @classmethod
    def of(cls, report: ImportReport, *, dry_run: bool) -> ImportReportOut:
        """The wire form of a report."""
        return cls(
            accepted=report.accepted,
            updated=report.updated,
            unchanged=report.unchanged,
            rejected=[
                RejectedLineOut(r.line, r.external_id, list(r.reasons)) for r in report.rejected
            ],
            stored=report.stored,
            dry_run=dry_run,
        )
