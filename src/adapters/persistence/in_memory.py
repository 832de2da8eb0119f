"""The in-memory fake of the persistence ports: same contract as SQL, no database."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from types import TracebackType
from typing import Self

import attrs

from adapters.persistence.in_memory_bookings import (
    InMemoryBookingRepository,
    InMemoryIdempotencyKeys,
    InMemoryLapsedHolds,
    InMemoryOutbox,
    InMemoryOutboxQueue,
    InMemorySeatLedger,
)
from funflights_core.api_key import ApiKey
from funflights_core.audit import AuditEntry
from funflights_core.booking import Booking
from funflights_core.coupon import Coupon, CouponUse
from funflights_core.errors import Conflict, InvalidInput
from funflights_core.flight_inventory import FlightInventory
from funflights_core.idempotency import IdempotencyRecord
from funflights_core.loyalty import (
    TIER_CURRENCY,
    LedgerEntry,
    LoyaltyAccount,
    TierPolicy,
    tiers_from_text,
    tiers_text,
)
from funflights_core.margin_rule import MarginRule
from funflights_core.money import Money
from funflights_core.offer import Offer
from funflights_core.one_time_token import OneTimeToken
from funflights_core.outbox import OutboxEvent
from funflights_core.refresh_token import RefreshToken
from funflights_core.tenant import DEFAULT_TENANT_ID, AuthMethod, Tenant
from funflights_core.user import User


def default_tenant(created_at: datetime | None = None) -> Tenant:
    """The tenant the first migration creates, as the fake starts with it."""
    return Tenant(
        id=DEFAULT_TENANT_ID,
        name="FunWithFlights",
        domains=("localhost", "127.0.0.1"),
        default_currency="EUR",
        locale="en",
        loyalty_programme="FunMiles",
        point_value_usd=Decimal("0.01"),
        auth_methods=frozenset({AuthMethod.PASSWORD, AuthMethod.API_KEY}),
        created_at=created_at or datetime(2026, 1, 1, tzinfo=UTC),
    )


@attrs.define
class _Tables:
    tenants: dict[str, Tenant] = attrs.field(factory=dict)
    users: dict[str, User] = attrs.field(factory=dict)
    refresh_tokens: dict[str, RefreshToken] = attrs.field(factory=dict)
    one_time_tokens: dict[str, OneTimeToken] = attrs.field(factory=dict)
    api_keys: dict[str, ApiKey] = attrs.field(factory=dict)
    margin_rules: dict[str, tuple[MarginRule, int, int | None]] = attrs.field(factory=dict)
    """Rule id to (rule, version of its last change, version it was removed at)."""
    margin_rule_versions: dict[str, int] = attrs.field(factory=dict)
    coupons: dict[tuple[str, str], Coupon] = attrs.field(factory=dict)
    coupon_uses: dict[tuple[str, str], int] = attrs.field(factory=dict)
    redemptions: dict[tuple[str, str, str], str] = attrs.field(factory=dict)
    """(tenant, code, reference) to the customer who redeemed."""
    ledger: dict[str, tuple[str, str, LedgerEntry]] = attrs.field(factory=dict)
    """Entry id to (tenant, customer, entry)."""
    audit: dict[str, AuditEntry] = attrs.field(factory=dict)
    offers: dict[str, Offer] = attrs.field(factory=dict)
    bookings: dict[str, Booking] = attrs.field(factory=dict)
    seats_left: dict[tuple[str, str], int] = attrs.field(factory=dict)
    """(flight, cabin) to seats left, once a booking touched them."""
    assignments: dict[tuple[str, str], str] = attrs.field(factory=dict)
    """(flight, seat) to the booking that has it."""
    outbox: dict[str, OutboxEvent] = attrs.field(factory=dict)
    idempotency: dict[tuple[str, str, str], IdempotencyRecord] = attrs.field(factory=dict)
    inventory_bumps: dict[str, int] = attrs.field(factory=dict)

    def copy(self) -> _Tables:
        # Values are immutable: copying the dicts isolates a unit of work.
        return _Tables(
            **{name: dict(value) for name, value in attrs.asdict(self, recurse=False).items()}
        )


_UNSTORABLE = "tier names must not contain ':' or ';', nor start or end with a space"


def _storable_tiers(tenant: Tenant) -> None:
    # SQL stores tiers as text: refuse here too what it could not read back.
    TierPolicy(TIER_CURRENCY, tenant.loyalty_tiers)  # an invalid policy: InvalidInput, why
    try:
        readable = tiers_from_text(tiers_text(tenant.loyalty_tiers)) == tenant.loyalty_tiers
    except InvalidInput:
        readable = False
    if not readable:
        raise InvalidInput("loyalty_tiers", _UNSTORABLE)


class InMemoryTenantRepository:
    """TenantRepository over a unit of work's working copy."""

    def __init__(self, tables: _Tables) -> None:
        self._tables = tables

    async def add(self, tenant: Tenant) -> None:
        """Store a new tenant; ``Conflict`` if the id or a domain is taken."""
        _storable_tiers(tenant)
        if tenant.id in self._tables.tenants or self._domain_taken(tenant):
            raise Conflict(f"tenant {tenant.id!r} or one of its domains exists")
        self._tables.tenants[tenant.id] = tenant

    async def get(self, tenant_id: str) -> Tenant | None:
        """The tenant with this id."""
        return self._tables.tenants.get(tenant_id)

    async def by_domain(self, domain: str) -> Tenant | None:
        """The tenant serving this host name."""
        return next((t for t in self._tables.tenants.values() if domain in t.domains), None)

    async def all(self) -> Sequence[Tenant]:
        """Every tenant, by id."""
        return [self._tables.tenants[key] for key in sorted(self._tables.tenants)]

    async def update(self, tenant: Tenant) -> None:
        """Replace a stored tenant; ``Conflict`` if a new domain is taken."""
        if tenant.id not in self._tables.tenants:
            raise ValueError(f"no tenant {tenant.id!r}")
        _storable_tiers(tenant)
        if self._domain_taken(tenant):
            raise Conflict("one of the domains belongs to another tenant")
        self._tables.tenants[tenant.id] = tenant

    def _domain_taken(self, tenant: Tenant) -> bool:
        return any(
            other.id != tenant.id and set(other.domains) & set(tenant.domains)
            for other in self._tables.tenants.values()
        )


class InMemoryUserRepository:
    """UserRepository over a working copy, scoped to one tenant."""

    def __init__(self, tables: _Tables, tenant_id: str) -> None:
        self._tables = tables
        self._tenant_id = tenant_id

    def _mine(self) -> list[User]:
        return [u for u in self._tables.users.values() if u.tenant_id == self._tenant_id]

    async def add(self, user: User) -> None:
        """Store a new user; ``Conflict`` if the email (or external id) is taken."""
        if user.tenant_id != self._tenant_id:
            raise ValueError("a user can only be added to its own tenant")
        if user.id in self._tables.users or self._clash(user):
            raise Conflict("a user with this email or external id exists")
        self._tables.users[user.id] = user

    async def get(self, user_id: str) -> User | None:
        """The user with this id, in this tenant."""
        user = self._tables.users.get(user_id)
        return user if user is not None and user.tenant_id == self._tenant_id else None

    async def by_email(self, email: str) -> User | None:
        """The user with this normalised email, in this tenant."""
        return next((u for u in self._mine() if u.email == email), None)

    async def by_external_id(self, external_id: str) -> User | None:
        """The user a merged company knew by this id, in this tenant."""
        return next((u for u in self._mine() if u.external_id == external_id), None)

    async def update(self, user: User) -> None:
        """Replace a stored user; ``Conflict`` if the new email is taken."""
        if await self.get(user.id) is None or user.tenant_id != self._tenant_id:
            raise ValueError(f"no user {user.id!r} in tenant {self._tenant_id!r}")
        if self._clash(user):
            raise Conflict("a user with this email or external id exists")
        self._tables.users[user.id] = user

    async def count(self) -> int:
        """How many users the tenant has."""
        return len(self._mine())

    async def imported(self) -> Sequence[User]:
        """The users that came from a merged company."""
        return [u for u in self._mine() if u.external_id is not None]

    async def email_owners(self) -> Iterable[tuple[str, str | None]]:
        """(email, external id) of every user of the tenant."""
        return [(u.email, u.external_id) for u in self._mine()]

    async def add_many(self, users: Sequence[User]) -> None:
        """Store many new users at once."""
        for user in users:
            await self.add(user)

    async def update_many(self, users: Sequence[User]) -> None:
        """Replace many stored users at once."""
        for user in users:
            await self.update(user)

    def _clash(self, user: User) -> bool:
        return any(
            other.id != user.id
            and (
                other.email == user.email
                or (user.external_id is not None and other.external_id == user.external_id)
            )
            for other in self._mine()
        )


class InMemoryRefreshTokenRepository:
    """RefreshTokenRepository over a working copy, scoped to one tenant."""

    def __init__(self, tables: _Tables, tenant_id: str) -> None:
        self._tables = tables
        self._tenant_id = tenant_id

    def _mine(self) -> list[RefreshToken]:
        return [t for t in self._tables.refresh_tokens.values() if t.tenant_id == self._tenant_id]

    async def add(self, token: RefreshToken) -> None:
        """Store a new token."""
        if token.tenant_id != self._tenant_id:
            raise ValueError("a token can only be added to its own tenant")
        self._tables.refresh_tokens[token.id] = token

    async def by_digest(self, digest: str) -> RefreshToken | None:
        """The token with this digest, in this tenant."""
        return next((t for t in self._mine() if t.digest == digest), None)

    async def mark_replaced(self, token_id: str, at: datetime) -> bool:
        """Mark a token replaced if it was still usable; False if it was not."""
        token = self._tables.refresh_tokens.get(token_id)
        if token is None or token.tenant_id != self._tenant_id:
            return False
        if token.replaced_at is not None or token.revoked_at is not None:
            return False
        self._tables.refresh_tokens[token_id] = attrs.evolve(token, replaced_at=at)
        return True

    async def revoke_family(self, family_id: str, at: datetime) -> None:
        """Revoke every token of a family that is not revoked yet."""
        for token in self._mine():
            if token.family_id == family_id and token.revoked_at is None:
                self._tables.refresh_tokens[token.id] = attrs.evolve(token, revoked_at=at)

    async def revoke_user(self, user_id: str, at: datetime) -> None:
        """Revoke every token of a user."""
        for token in self._mine():
            if token.user_id == user_id and token.revoked_at is None:
                self._tables.refresh_tokens[token.id] = attrs.evolve(token, revoked_at=at)

    async def active_families(self, user_id: str) -> Sequence[str]:
        """The families of a user that still have an unrevoked token."""
        return sorted(
            {t.family_id for t in self._mine() if t.user_id == user_id and t.revoked_at is None}
        )

    async def family_revoked(self, family_id: str) -> bool:
        """Whether a family was revoked."""
        return any(t.family_id == family_id and t.revoked_at is not None for t in self._mine())


class InMemoryOneTimeTokenRepository:
    """OneTimeTokenRepository over a working copy, scoped to one tenant."""

    def __init__(self, tables: _Tables, tenant_id: str) -> None:
        self._tables = tables
        self._tenant_id = tenant_id

    async def add(self, token: OneTimeToken) -> None:
        """Store a new token."""
        if token.tenant_id != self._tenant_id:
            raise ValueError("a token can only be added to its own tenant")
        self._tables.one_time_tokens[token.digest] = token

    async def by_digest(self, digest: str) -> OneTimeToken | None:
        """The token with this digest, in this tenant."""
        token = self._tables.one_time_tokens.get(digest)
        return token if token is not None and token.tenant_id == self._tenant_id else None

    async def mark_used(self, digest: str, at: datetime) -> bool:
        """Mark a token used if it was unused."""
        token = await self.by_digest(digest)
        if token is None or token.used_at is not None:
            return False
        self._tables.one_time_tokens[digest] = attrs.evolve(token, used_at=at)
        return True


class InMemoryApiKeyRepository:
    """ApiKeyRepository over a working copy, scoped to one tenant."""

    def __init__(self, tables: _Tables, tenant_id: str) -> None:
        self._tables = tables
        self._tenant_id = tenant_id

    async def add(self, key: ApiKey) -> None:
        """Store a new key."""
        if key.tenant_id != self._tenant_id:
            raise ValueError("a key can only be added to its own tenant")
        self._tables.api_keys[key.id] = key

    async def get(self, key_id: str) -> ApiKey | None:
        """The key with this id, in this tenant."""
        key = self._tables.api_keys.get(key_id)
        return key if key is not None and key.tenant_id == self._tenant_id else None

    async def all(self) -> Sequence[ApiKey]:
        """The tenant's keys, newest first."""
        mine = [k for k in self._tables.api_keys.values() if k.tenant_id == self._tenant_id]
        return sorted(mine, key=lambda k: (-k.created_at.timestamp(), k.id))

    async def revoke(self, key_id: str, at: datetime) -> bool:
        """Revoke a key; False if there is no such unrevoked key in this tenant."""
        key = await self.get(key_id)
        if key is None or key.revoked_at is not None:
            return False
        self._tables.api_keys[key_id] = attrs.evolve(key, revoked_at=at)
        return True


class InMemoryApiKeyDirectory:
    """ApiKeyDirectory over a working copy."""

    def __init__(self, tables: _Tables) -> None:
        self._tables = tables

    async def by_digest(self, digest: str) -> ApiKey | None:
        """The key with this digest, whatever its tenant."""
        return next((k for k in self._tables.api_keys.values() if k.digest == digest), None)


def _one_currency(*amounts: Money | None) -> None:
    # SQL keeps one currency column for a rule's (or coupon's) amounts: refuse the same here.
    if len({amount.currency.code for amount in amounts if amount is not None}) > 1:
        raise ValueError("amounts stored together must share a currency")


class InMemoryMarginRuleRepository:
    """MarginRuleRepository over a working copy, scoped to one tenant."""

    def __init__(self, tables: _Tables, tenant_id: str) -> None:
        self._tables = tables
        self._tenant_id = tenant_id

    async def all(self) -> Sequence[MarginRule]:
        """Every rule of the tenant, by id."""
        return [rule for _, rule in sorted(self._live().items())]

    async def get(self, rule_id: str) -> MarginRule | None:
        """The rule with this id, in this tenant."""
        return self._live().get(rule_id)

    async def add(self, rule: MarginRule, *, version: int) -> None:
        """Store a new rule; ``Conflict`` if the id is taken."""
        self._own(rule)
        if rule.id in self._tables.margin_rules:
            raise Conflict(f"a margin rule with id {rule.id!r} exists")
        self._tables.margin_rules[rule.id] = (rule, version, None)

    async def replace(self, rule: MarginRule, *, version: int) -> bool:
        """Replace a stored rule; False if there is none with its id in this tenant."""
        self._own(rule)
        if await self.get(rule.id) is None:
            return False
        self._tables.margin_rules[rule.id] = (rule, version, None)
        return True

    async def remove(self, rule_id: str, *, version: int) -> bool:
        """Remove a rule (a tombstone remains); False if there is none in this tenant."""
        rule = await self.get(rule_id)
        if rule is None:
            return False
        _, changed_at, _ = self._tables.margin_rules[rule_id]
        self._tables.margin_rules[rule_id] = (rule, changed_at, version)
        return True

    async def changed_since(self, version: int) -> tuple[Sequence[MarginRule], Sequence[str]]:
        """Rules added or changed after ``version``, and the ids of those removed after it."""
        changed: list[MarginRule] = []
        removed: list[str] = []
        for rule, changed_at, removed_at in self._tables.margin_rules.values():
            if rule.tenant_id != self._tenant_id:
                continue
            if removed_at is None and changed_at > version:
                changed.append(rule)
            elif removed_at is not None and removed_at > version:
                removed.append(rule.id)
        return changed, removed

    def _live(self) -> dict[str, MarginRule]:
        return {
            rule_id: rule
            for rule_id, (rule, _, removed_at) in self._tables.margin_rules.items()
            if removed_at is None and rule.tenant_id == self._tenant_id
        }

    async def version(self) -> int:
        """How many times the tenant's rules changed (0 before the first change)."""
        return self._tables.margin_rule_versions.get(self._tenant_id, 0)

    async def bump_version(self) -> int:
        """Count one more change, in this unit of work; the new version."""
        version = self._tables.margin_rule_versions.get(self._tenant_id, 0) + 1
        self._tables.margin_rule_versions[self._tenant_id] = version
        return version

    def _own(self, rule: MarginRule) -> None:
        if rule.tenant_id != self._tenant_id:
            raise ValueError("a margin rule can only be stored in its own tenant")
        _one_currency(rule.fixed_per_passenger, rule.minimum, rule.maximum)


class InMemoryMarginRuleVersions:
    """MarginRuleVersions over a working copy."""

    def __init__(self, tables: _Tables) -> None:
        self._tables = tables

    async def all(self) -> Mapping[str, int]:
        """Tenant id to version, for tenants whose rules ever changed."""
        return dict(self._tables.margin_rule_versions)


class InMemoryCouponRepository:
    """CouponRepository over a working copy, scoped to one tenant."""

    def __init__(self, tables: _Tables, tenant_id: str) -> None:
        self._tables = tables
        self._tenant_id = tenant_id

    async def add(self, coupon: Coupon) -> None:
        """Store a new coupon; ``Conflict`` if the code is taken in this tenant."""
        self._own(coupon)
        key = (self._tenant_id, coupon.code)
        if key in self._tables.coupons:
            raise Conflict(f"coupon {coupon.code} exists already")
        self._tables.coupons[key] = coupon
        self._tables.coupon_uses[key] = 0

    async def get(self, code: str, *, for_update: bool = False) -> Coupon | None:
        """The coupon with this (normalised) code, in this tenant (one writer at a time here)."""
        return self._tables.coupons.get((self._tenant_id, code))

    async def all(self) -> Sequence[Coupon]:
        """Every coupon of the tenant, by code."""
        mine = [c for (tenant, _), c in self._tables.coupons.items() if tenant == self._tenant_id]
        return sorted(mine, key=lambda coupon: coupon.code)

    async def replace(self, coupon: Coupon) -> bool:
        """Replace a stored coupon (its uses are kept); False if there is none."""
        self._own(coupon)
        key = (self._tenant_id, coupon.code)
        if key not in self._tables.coupons:
            return False
        self._tables.coupons[key] = coupon
        return True

    async def remove(self, code: str) -> bool:
        """Delete a coupon and its redemptions; False if there is none."""
        key = (self._tenant_id, code)
        if self._tables.coupons.pop(key, None) is None:
            return False
        del self._tables.coupon_uses[key]
        for held in [k for k in self._tables.redemptions if k[:2] == key]:
            del self._tables.redemptions[held]
        return True

    async def usage(self, code: str, customer_id: str | None) -> CouponUse:
        """Uses of the coupon in all and by this customer (0 by an anonymous one)."""
        total = self._tables.coupon_uses.get((self._tenant_id, code), 0)
        by_customer = 0 if customer_id is None else self._uses_by(code, customer_id)
        return CouponUse(total=total, by_customer=by_customer)

    async def redeem(
        self,
        code: str,
        customer_id: str,
        reference: str,
        at: datetime,
        *,
        total_uses: int | None,
        uses_per_customer: int | None,
    ) -> bool:
        """Count one use for ``reference`` if no limit is reached, atomically."""
        key = (self._tenant_id, code)
        if (*key, reference) in self._tables.redemptions:
            return True
        uses = self._tables.coupon_uses.get(key)
        if uses is None or (total_uses is not None and uses >= total_uses):
            return False
        if uses_per_customer is not None and self._uses_by(code, customer_id) >= uses_per_customer:
            return False
        self._tables.coupon_uses[key] = uses + 1
        self._tables.redemptions[(*key, reference)] = customer_id
        return True

    async def release(self, code: str, reference: str) -> bool:
        """Give back the use held by ``reference``; False if none."""
        key = (self._tenant_id, code)
        if self._tables.redemptions.pop((*key, reference), None) is None:
            return False
        self._tables.coupon_uses[key] -= 1
        return True

    def _uses_by(self, code: str, customer_id: str) -> int:
        return sum(
            1
            for (tenant, held_code, _), customer in self._tables.redemptions.items()
            if (tenant, held_code, customer) == (self._tenant_id, code, customer_id)
        )

    def _own(self, coupon: Coupon) -> None:
        if coupon.tenant_id != self._tenant_id:
            raise ValueError("a coupon can only be stored in its own tenant")
        _one_currency(coupon.amount_off, coupon.minimum_spend)


class InMemoryLoyaltyRepository:
    """LoyaltyRepository over a working copy, scoped to one tenant."""

    def __init__(self, tables: _Tables, tenant_id: str) -> None:
        self._tables = tables
        self._tenant_id = tenant_id

    async def lock(self, customer_id: str) -> None:
        """Nothing to do: a fake's unit of work never waits for another."""

    async def entries(self, customer_id: str) -> Sequence[LedgerEntry]:
        """The customer's entries, oldest first."""
        mine = [
            entry
            for tenant, customer, entry in self._tables.ledger.values()
            if (tenant, customer) == (self._tenant_id, customer_id)
        ]
        # sorted() is stable and dicts keep insertion order: same-moment entries stay in order.
        return sorted(mine, key=lambda entry: entry.at)

    async def counted_spend(self, customer_id: str, since: datetime) -> Mapping[str, Decimal]:
        """The spend counting towards tiers since ``since``, per currency code."""
        return LoyaltyAccount(tuple(await self.entries(customer_id))).counted_spend(since)

    async def append(self, customer_id: str, entry: LedgerEntry) -> None:
        """Add an entry to the customer's ledger."""
        if entry.id in self._tables.ledger:
            raise ValueError(f"ledger entry {entry.id!r} exists")
        self._tables.ledger[entry.id] = (self._tenant_id, customer_id, entry)


class InMemoryOfferRepository:
    """OfferRepository over a working copy, scoped to one tenant."""

    def __init__(self, tables: _Tables, tenant_id: str) -> None:
        self._tables = tables
        self._tenant_id = tenant_id

    async def add(self, offer: Offer) -> None:
        """Store a new offer."""
        if offer.tenant_id != self._tenant_id:
            raise ValueError("an offer can only be stored in its own tenant")
        if offer.id in self._tables.offers:
            raise ValueError(f"offer {offer.id!r} exists")
        self._tables.offers[offer.id] = offer

    async def get(self, offer_id: str) -> Offer | None:
        """The offer with this id, in this tenant (expired ones too)."""
        offer = self._tables.offers.get(offer_id)
        return offer if offer is not None and offer.tenant_id == self._tenant_id else None

    async def replace(self, offer: Offer) -> bool:
        """Replace a stored offer (a new price); False if there is none."""
        if await self.get(offer.id) is None or offer.tenant_id != self._tenant_id:
            return False
        self._tables.offers[offer.id] = offer
        return True

    async def forget_expired_before(self, moment: datetime) -> int:
        """Delete the offers that expired before ``moment``; how many."""
        old = [
            offer.id
            for offer in self._tables.offers.values()
            if offer.tenant_id == self._tenant_id and offer.expires_at < moment
        ]
        for offer_id in old:
            del self._tables.offers[offer_id]
        return len(old)


class InMemoryAuditLog:
    """AuditLog over a working copy, scoped to one tenant."""

    def __init__(self, tables: _Tables, tenant_id: str) -> None:
        self._tables = tables
        self._tenant_id = tenant_id

    async def add(self, entry: AuditEntry) -> None:
        """Record a change."""
        if entry.tenant_id != self._tenant_id:
            raise ValueError("an audit entry can only be added to its own tenant")
        if entry.id in self._tables.audit:
            raise ValueError(f"audit entry {entry.id!r} exists")
        self._tables.audit[entry.id] = entry

    async def for_subject(self, subject: str, subject_id: str) -> Sequence[AuditEntry]:
        """The changes to one thing, oldest first."""
        mine = [
            e
            for e in self._tables.audit.values()
            if (e.tenant_id, e.subject, e.subject_id) == (self._tenant_id, subject, subject_id)
        ]
        return sorted(mine, key=lambda e: e.at)  # stable: same-moment changes stay in order

    async def recent(self, subject: str, limit: int) -> Sequence[AuditEntry]:
        """The latest changes to things of one kind, newest first."""
        mine = [
            e
            for e in self._tables.audit.values()
            if (e.tenant_id, e.subject) == (self._tenant_id, subject)
        ]
        return sorted(reversed(mine), key=lambda e: e.at, reverse=True)[:limit]


class _InMemoryUnitOfWork:
    def __init__(self, store: InMemoryDatabase) -> None:
        self._store = store
        self._work = store.tables.copy()

    async def __aenter__(self) -> Self:
        """Begin: work on a private copy."""
        self._work = self._store.tables.copy()
        self._open()
        return self

    def _open(self) -> None:
        """Create the repositories over the working copy."""

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Drop whatever was not committed."""
        self._work = self._store.tables.copy()

    async def commit(self) -> None:
        """Publish the working copy."""
        self._store.tables = self._work
        self._work = self._store.tables.copy()
        self._open()

    async def rollback(self) -> None:
        """Discard the working copy."""
        self._work = self._store.tables.copy()
        self._open()


class InMemoryPlatformUnitOfWork(_InMemoryUnitOfWork):
    """PlatformUnitOfWork in memory."""

    tenants: InMemoryTenantRepository
    api_key_directory: InMemoryApiKeyDirectory
    margin_rule_versions: InMemoryMarginRuleVersions
    outbox_queue: InMemoryOutboxQueue
    lapsed_holds: InMemoryLapsedHolds

    def _open(self) -> None:
        self.tenants = InMemoryTenantRepository(self._work)
        self.api_key_directory = InMemoryApiKeyDirectory(self._work)
        self.margin_rule_versions = InMemoryMarginRuleVersions(self._work)
        self.outbox_queue = InMemoryOutboxQueue(self._work)
        self.lapsed_holds = InMemoryLapsedHolds(self._work)


class InMemoryTenantUnitOfWork(_InMemoryUnitOfWork):
    """TenantUnitOfWork in memory, scoped to one tenant."""

    users: InMemoryUserRepository
    refresh_tokens: InMemoryRefreshTokenRepository
    one_time_tokens: InMemoryOneTimeTokenRepository
    api_keys: InMemoryApiKeyRepository
    margin_rules: InMemoryMarginRuleRepository
    coupons: InMemoryCouponRepository
    loyalty: InMemoryLoyaltyRepository
    audit: InMemoryAuditLog
    offers: InMemoryOfferRepository
    bookings: InMemoryBookingRepository
    seats: InMemorySeatLedger
    outbox: InMemoryOutbox
    idempotency: InMemoryIdempotencyKeys

    def __init__(self, store: InMemoryDatabase, tenant_id: str) -> None:
        super().__init__(store)
        self.tenant_id = tenant_id

    def _open(self) -> None:
        self.users = InMemoryUserRepository(self._work, self.tenant_id)
        self.refresh_tokens = InMemoryRefreshTokenRepository(self._work, self.tenant_id)
        self.one_time_tokens = InMemoryOneTimeTokenRepository(self._work, self.tenant_id)
        self.api_keys = InMemoryApiKeyRepository(self._work, self.tenant_id)
        self.margin_rules = InMemoryMarginRuleRepository(self._work, self.tenant_id)
        self.coupons = InMemoryCouponRepository(self._work, self.tenant_id)
        self.loyalty = InMemoryLoyaltyRepository(self._work, self.tenant_id)
        self.audit = InMemoryAuditLog(self._work, self.tenant_id)
        self.offers = InMemoryOfferRepository(self._work, self.tenant_id)
        self.bookings = InMemoryBookingRepository(self._work, self.tenant_id)
        self.seats = InMemorySeatLedger(self._work, self._store.inventory)
        self.outbox = InMemoryOutbox(self._work, self.tenant_id)
        self.idempotency = InMemoryIdempotencyKeys(self._work, self.tenant_id)


class InMemoryDatabase:
    """UnitOfWorkFactory in memory, starting with the default tenant (as after migrating)."""

    def __init__(self, inventory: FlightInventory | None = None) -> None:
        self.tables = _Tables(tenants={DEFAULT_TENANT_ID: default_tenant()})
        self.inventory = inventory
        """Where the seat ledger finds a cabin's seats the first time a booking takes some."""

    def platform(self) -> InMemoryPlatformUnitOfWork:
        """A unit of work over platform-level data."""
        return InMemoryPlatformUnitOfWork(self)

    def for_tenant(
        self, tenant_id: str, *, one_statement: bool = False
    ) -> InMemoryTenantUnitOfWork:
        """A unit of work whose repositories see only this tenant's rows (one kind for all
        work: ``one_statement`` changes nothing in memory)."""
        return InMemoryTenantUnitOfWork(self, tenant_id)
