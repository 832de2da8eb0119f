"""SQLAlchemy row classes: the tables, kept apart from the domain objects they store."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from adapters.persistence.column_types import DecimalText, StringSet, UtcDateTime
from funflights_core.loyalty import DEFAULT_TIERS, tiers_text

# Named constraints, so that migrations can refer to them on every database.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Every table of the service."""

    metadata = MetaData(naming_convention=NAMING)


class TenantRow(Base):
    """A tenant (platform-level)."""

    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    default_currency: Mapped[str] = mapped_column(String(3))
    locale: Mapped[str] = mapped_column(String(20))
    loyalty_programme: Mapped[str] = mapped_column(String(200))
    point_value_usd: Mapped[Decimal] = mapped_column(DecimalText())
    auth_methods: Mapped[frozenset[str]] = mapped_column(StringSet())
    oidc_issuer: Mapped[str | None] = mapped_column(String(500))
    oidc_audience: Mapped[str | None] = mapped_column(String(500))
    oidc_jwks_url: Mapped[str | None] = mapped_column(String(1000))
    oidc_jwks: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    exchange_spread: Mapped[Decimal] = mapped_column(DecimalText(), server_default="0")
    loyalty_tiers: Mapped[str] = mapped_column(Text, server_default=tiers_text(DEFAULT_TIERS))
    refund_tiers: Mapped[str | None] = mapped_column(Text)
    """``hours:percent:fee ...``; null: the platform's refund rules."""


class TenantDomainRow(Base):
    """A host name served for a tenant; unique across tenants."""

    __tablename__ = "tenant_domains"

    domain: Mapped[str] = mapped_column(String(253), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column()


class UserRow(Base):
    """A user of one tenant."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("tenant_id", "email"),
        UniqueConstraint("tenant_id", "external_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    roles: Mapped[frozenset[str]] = mapped_column(StringSet())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    full_name: Mapped[str] = mapped_column(String(200))
    email_verified: Mapped[bool] = mapped_column(Boolean)
    preferred_currency: Mapped[str | None] = mapped_column(String(3))
    language: Mapped[str | None] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(String(40))
    notification_channels: Mapped[frozenset[str]] = mapped_column(StringSet())
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed: Mapped[bool] = mapped_column(Boolean)
    external_id: Mapped[str | None] = mapped_column(String(200))
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class RefreshTokenRow(Base):
    """A refresh token (digest only)."""

    __tablename__ = "refresh_tokens"
    __table_args__ = (Index("ix_refresh_tokens_tenant_family", "tenant_id", "family_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    family_id: Mapped[str] = mapped_column(String(36))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    mfa: Mapped[bool] = mapped_column(Boolean)
    replaced_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class OneTimeTokenRow(Base):
    """A verification or reset token (digest only)."""

    __tablename__ = "one_time_tokens"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(30))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ApiKeyRow(Base):
    """A reseller's API key (digest only)."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(20))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[frozenset[str]] = mapped_column(StringSet())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    rate_limit_per_minute: Mapped[int] = mapped_column()
    daily_quota: Mapped[int] = mapped_column()
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    account: Mapped[str | None] = mapped_column(String(36))


class MarginRuleRow(Base):
    """A margin rule of one tenant; its fixed amounts share ``amounts_currency``.

    ``version`` is the tenant's rule version that last wrote the row; a removed rule stays
    as a tombstone with ``removed_version``, so other processes learn of its removal.
    """

    __tablename__ = "margin_rules"
    __table_args__ = (Index("ix_margin_rules_tenant_version", "tenant_id", "version"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    percent: Mapped[Decimal] = mapped_column(DecimalText())
    fixed_per_passenger: Mapped[Decimal | None] = mapped_column(DecimalText())
    minimum: Mapped[Decimal | None] = mapped_column(DecimalText())
    maximum: Mapped[Decimal | None] = mapped_column(DecimalText())
    amounts_currency: Mapped[str | None] = mapped_column(String(3))
    carrier: Mapped[str | None] = mapped_column(String(3))
    flight_number: Mapped[str | None] = mapped_column(String(10))
    origin: Mapped[str | None] = mapped_column(String(3))
    destination: Mapped[str | None] = mapped_column(String(3))
    country: Mapped[str | None] = mapped_column(String(2))
    country_side: Mapped[str] = mapped_column(String(20))
    cabin: Mapped[str | None] = mapped_column(String(20))
    travel_from: Mapped[date | None] = mapped_column(Date)
    travel_until: Mapped[date | None] = mapped_column(Date)
    valid_from: Mapped[datetime | None] = mapped_column(UtcDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    priority: Mapped[int] = mapped_column()
    description: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column()
    removed_version: Mapped[int | None] = mapped_column()


class MarginRuleVersionRow(Base):
    """How many times a tenant's margin rules changed (polled by other processes)."""

    __tablename__ = "margin_rule_versions"

    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    version: Mapped[int] = mapped_column()


class CouponRow(Base):
    """A coupon of one tenant, with ``uses``: the redemption counter its limits guard."""

    __tablename__ = "coupons"

    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    percent_off: Mapped[Decimal | None] = mapped_column(DecimalText())
    amount_off: Mapped[Decimal | None] = mapped_column(DecimalText())
    minimum_spend: Mapped[Decimal | None] = mapped_column(DecimalText())
    amounts_currency: Mapped[str | None] = mapped_column(String(3))
    valid_from: Mapped[datetime | None] = mapped_column(UtcDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    airlines: Mapped[frozenset[str]] = mapped_column(StringSet())
    routes: Mapped[frozenset[str]] = mapped_column(StringSet())
    cabins: Mapped[frozenset[str]] = mapped_column(StringSet())
    total_uses: Mapped[int | None] = mapped_column()
    uses_per_customer: Mapped[int | None] = mapped_column()
    combinable: Mapped[bool] = mapped_column(Boolean)
    below_cost_allowed: Mapped[bool] = mapped_column(Boolean, server_default=false())
    description: Mapped[str] = mapped_column(Text)
    uses: Mapped[int] = mapped_column(server_default="0")


class CouponRedemptionRow(Base):
    """One use of a coupon, held by a reference (a booking): at most one per reference."""

    __tablename__ = "coupon_redemptions"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "code"], ["coupons.tenant_id", "coupons.code"]),
        Index("ix_coupon_redemptions_customer", "tenant_id", "code", "customer_id"),
    )

    tenant_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    reference: Mapped[str] = mapped_column(String(100), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(36))
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class LoyaltyAccountRow(Base):
    """A customer's ledger, as a row to lock: its entries are in ``loyalty_entries``."""

    __tablename__ = "loyalty_accounts"

    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(36), primary_key=True)


class LoyaltyEntryRow(Base):
    """One movement of a customer's points (never changed, only added)."""

    __tablename__ = "loyalty_entries"
    __table_args__ = (Index("ix_loyalty_entries_ledger", "tenant_id", "customer_id", "at"),)

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    """Insertion order: entries made at the same moment keep the order they were added in."""
    id: Mapped[str] = mapped_column(String(36), unique=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    customer_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(20))
    points: Mapped[int] = mapped_column()
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    booking_id: Mapped[str | None] = mapped_column(String(100))
    spend_amount: Mapped[Decimal | None] = mapped_column(DecimalText())
    spend_currency: Mapped[str | None] = mapped_column(String(3))


class AuditRow(Base):
    """One recorded change (never changed, only added)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_subject", "tenant_id", "subject", "subject_id"),)

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    """Insertion order: changes made at the same moment keep the order they were made in."""
    id: Mapped[str] = mapped_column(String(36), unique=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    subject: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)


class FlightRow(Base):
    """A flight (shared by every tenant); legs and providers' fares as compact JSON.

    Searches read flights by origin and departure time, so that pair is the index.
    """

    __tablename__ = "flights"
    __table_args__ = (
        Index("ix_flights_origin_departs_at", "origin", "departs_at"),
        Index("ix_flights_destination_departs_at", "destination", "departs_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    marketing_carrier: Mapped[str] = mapped_column(String(3))
    flight_number: Mapped[str] = mapped_column(String(5))
    operating_carrier: Mapped[str] = mapped_column(String(3))
    aircraft: Mapped[str] = mapped_column(String(4))
    origin: Mapped[str] = mapped_column(String(3))
    destination: Mapped[str] = mapped_column(String(3))
    departs_at: Mapped[datetime] = mapped_column(UtcDateTime())
    arrives_at: Mapped[datetime] = mapped_column(UtcDateTime())
    legs: Mapped[str] = mapped_column(Text)
    fares: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12))


class InventoryVersionRow(Base):
    """One row: how many times the inventory changed (serving processes poll it)."""

    __tablename__ = "inventory_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column()


class FlightCabinRow(Base):
    """A cabin's seats; holds take seats with a conditional update, so never below zero."""

    __tablename__ = "flight_cabins"
    __table_args__ = (
        CheckConstraint("seats_available >= 0", name="seats_not_negative"),
        CheckConstraint("seats_available <= capacity", name="seats_within_capacity"),
    )

    flight_id: Mapped[str] = mapped_column(
        ForeignKey("flights.id", ondelete="CASCADE"), primary_key=True
    )
    cabin_class: Mapped[str] = mapped_column(String(20), primary_key=True)
    capacity: Mapped[int] = mapped_column()
    seats_available: Mapped[int] = mapped_column()


class OfferRow(Base):
    """An offer of one tenant: the priced itinerary as a JSON document."""

    __tablename__ = "offers"
    # The worker's hourly sweep of offers long expired.
    __table_args__ = (Index("ix_offers_tenant_expires_at", "tenant_id", "expires_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    customer_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    document: Mapped[str] = mapped_column(Text)


class BookingRow(Base):
    """A booking of one tenant: the aggregate as a JSON document, and what queries need."""

    __tablename__ = "bookings"
    __table_args__ = (
        UniqueConstraint("tenant_id", "record_locator"),
        # A customer's trips, upcoming or past: by departure.
        Index("ix_bookings_customer_departs_at", "tenant_id", "customer_id", "departs_at"),
        # The worker's scan for lapsed holds: by status, then expiry.
        Index("ix_bookings_status_hold_expires_at", "status", "hold_expires_at"),
        # The worker's scan for refunds owed (few rows are ever true).
        Index("ix_bookings_refund_pending", "refund_pending"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    customer_id: Mapped[str] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(20))
    record_locator: Mapped[str | None] = mapped_column(String(6))
    departs_at: Mapped[datetime] = mapped_column(UtcDateTime())
    hold_expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column()
    refund_pending: Mapped[bool] = mapped_column(Boolean, server_default=false())
    """Money owed back that the provider has not given yet (the worker asks again)."""
    document: Mapped[str] = mapped_column(Text)


class SeatAssignmentRow(Base):
    """A seat number given to a booking: the primary key lets each seat go only once."""

    __tablename__ = "seat_assignments"

    flight_id: Mapped[str] = mapped_column(
        ForeignKey("flights.id", ondelete="CASCADE"), primary_key=True
    )
    seat: Mapped[str] = mapped_column(String(4), primary_key=True)
    booking_id: Mapped[str] = mapped_column(String(36), index=True)


class OutboxRow(Base):
    """An event to deliver, written in the transaction of the change that caused it."""

    __tablename__ = "outbox_events"
    __table_args__ = (
        # What workers lease: pending events, the longest due first.
        Index("ix_outbox_events_state_next_attempt_at", "state", "next_attempt_at"),
        Index("ix_outbox_events_tenant_subject", "tenant_id", "subject_id"),
    )

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    kind: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(String(36))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    state: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column()
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    """When it may be leased: now for a new event, later after a failure or while leased."""
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)


class IdempotencyKeyRow(Base):
    """A caller's idempotency key: the first request's fingerprint and, once done, response."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (Index("ix_idempotency_keys_created_at", "created_at"),)

    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    owner: Mapped[str] = mapped_column(String(100), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[int | None] = mapped_column()
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
