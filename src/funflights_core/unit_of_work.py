"""Persistence ports: repositories, and units of work that commit them atomically.

Tenant-owned repositories exist only inside a ``TenantUnitOfWork``, which is opened for one
tenant: code cannot reach another tenant's rows, because no repository it can obtain would
return them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from types import TracebackType
from typing import Protocol, Self

from funflights_core.api_key import ApiKey
from funflights_core.audit import AuditEntry
from funflights_core.booking import Booking
from funflights_core.coupon import Coupon, CouponUse
from funflights_core.flight import CabinClass
from funflights_core.idempotency import IdempotencyRecord
from funflights_core.loyalty import LedgerEntry
from funflights_core.margin_rule import MarginRule
from funflights_core.offer import Offer
from funflights_core.one_time_token import OneTimeToken
from funflights_core.outbox import OutboxEvent
from funflights_core.refresh_token import RefreshToken
from funflights_core.tenant import Tenant
from funflights_core.user import User


class TenantRepository(Protocol):
    """The platform's tenants (not tenant-owned: reached through ``PlatformUnitOfWork``)."""

    async def add(self, tenant: Tenant) -> None:
        """Store a new tenant; ``Conflict`` if the id or a domain is taken."""
        ...

    async def get(self, tenant_id: str) -> Tenant | None:
        """The tenant with this id."""
        ...

    async def by_domain(self, domain: str) -> Tenant | None:
        """The tenant serving this host name."""
        ...

    async def all(self) -> Sequence[Tenant]:
        """Every tenant, by id."""
        ...

    async def update(self, tenant: Tenant) -> None:
        """Replace a stored tenant; ``Conflict`` if a new domain is taken."""
        ...


class UserRepository(Protocol):
    """The users of one tenant."""

    async def add(self, user: User) -> None:
        """Store a new user; ``Conflict`` if the email (or external id) is taken."""
        ...

    async def get(self, user_id: str) -> User | None:
        """The user with this id, in this tenant."""
        ...

    async def by_email(self, email: str) -> User | None:
        """The user with this normalised email, in this tenant."""
        ...

    async def by_external_id(self, external_id: str) -> User | None:
        """The user a merged company knew by this id, in this tenant."""
        ...

    async def update(self, user: User) -> None:
        """Replace a stored user; ``Conflict`` if the new email is taken."""
        ...

    async def count(self) -> int:
        """How many users the tenant has."""
        ...

    async def imported(self) -> Sequence[User]:
        """The users that came from a merged company (those with an external id)."""
        ...

    async def email_owners(self) -> Iterable[tuple[str, str | None]]:
        """(email, external id) of every user of the tenant."""
        ...

    async def add_many(self, users: Sequence[User]) -> None:
        """Store many new users at once; ``Conflict`` if any email or external id is taken."""
        ...

    async def update_many(self, users: Sequence[User]) -> None:
        """Replace many stored users at once."""
        ...


class RefreshTokenRepository(Protocol):
    """Refresh tokens of one tenant."""

    async def add(self, token: RefreshToken) -> None:
        """Store a new token."""
        ...

    async def by_digest(self, digest: str) -> RefreshToken | None:
        """The token with this digest, in this tenant."""
        ...

    async def mark_replaced(self, token_id: str, at: datetime) -> bool:
        """Mark a token replaced if it was still usable; False if it was not (a race lost)."""
        ...

    async def revoke_family(self, family_id: str, at: datetime) -> None:
        """Revoke every token of a family that is not revoked yet."""
        ...

    async def revoke_user(self, user_id: str, at: datetime) -> None:
        """Revoke every token of a user (password reset, erasure)."""
        ...

    async def active_families(self, user_id: str) -> Sequence[str]:
        """The families of a user that still have an unrevoked token."""
        ...

    async def family_revoked(self, family_id: str) -> bool:
        """Whether a family was revoked (logout, reuse): its access tokens stop working."""
        ...


class OneTimeTokenRepository(Protocol):
    """Verification and reset tokens of one tenant."""

    async def add(self, token: OneTimeToken) -> None:
        """Store a new token."""
        ...

    async def by_digest(self, digest: str) -> OneTimeToken | None:
        """The token with this digest, in this tenant."""
        ...

    async def mark_used(self, digest: str, at: datetime) -> bool:
        """Mark a token used if it was unused; False if it was used already."""
        ...


class ApiKeyRepository(Protocol):
    """API keys of one tenant."""

    async def add(self, key: ApiKey) -> None:
        """Store a new key."""
        ...

    async def get(self, key_id: str) -> ApiKey | None:
        """The key with this id, in this tenant."""
        ...

    async def all(self) -> Sequence[ApiKey]:
        """The tenant's keys, newest first."""
        ...

    async def revoke(self, key_id: str, at: datetime) -> bool:
        """Revoke a key; False if there is no such unrevoked key in this tenant."""
        ...


class ApiKeyDirectory(Protocol):
    """Finds a key by its digest across tenants: the key is what says which tenant it is."""

    async def by_digest(self, digest: str) -> ApiKey | None:
        """The key with this digest, whatever its tenant."""
        ...


class MarginRuleRepository(Protocol):
    """The margin rules of one tenant, stamped with the version that last changed each.

    Every change takes the next version first (``bump_version``, which also orders
    concurrent changes), so other processes can fetch just what changed since theirs.
    """

    async def all(self) -> Sequence[MarginRule]:
        """Every rule of the tenant (removed rules are gone), by id."""
        ...

    async def get(self, rule_id: str) -> MarginRule | None:
        """The rule with this id, in this tenant (None once removed)."""
        ...

    async def add(self, rule: MarginRule, *, version: int) -> None:
        """Store a new rule, changed at ``version``; ``Conflict`` if the id is taken."""
        ...

    async def replace(self, rule: MarginRule, *, version: int) -> bool:
        """Replace a stored rule, changed at ``version``; False if there is none."""
        ...

    async def remove(self, rule_id: str, *, version: int) -> bool:
        """Remove a rule at ``version``; False if there is none with this id in this tenant."""
        ...

    async def version(self) -> int:
        """How many times the tenant's rules changed (0 before the first change)."""
        ...

    async def bump_version(self) -> int:
        """Count one more change, in this transaction; the new version."""
        ...

    async def changed_since(self, version: int) -> tuple[Sequence[MarginRule], Sequence[str]]:
        """Rules added or changed after ``version``, and the ids of those removed after it."""
        ...


class MarginRuleVersions(Protocol):
    """The rule version of every tenant at once (read by processes watching for changes)."""

    async def all(self) -> Mapping[str, int]:
        """Tenant id to version, for tenants whose rules ever changed."""
        ...


class CouponRepository(Protocol):
    """The coupons of one tenant and their redemptions."""

    async def add(self, coupon: Coupon) -> None:
        """Store a new coupon; ``Conflict`` if the code is taken in this tenant."""
        ...

    async def get(self, code: str, *, for_update: bool = False) -> Coupon | None:
        """The coupon with this (normalised) code, in this tenant.

        ``for_update``: lock it until the unit of work ends, so that a change based on what
        was read cannot overwrite a concurrent one.
        """
        ...

    async def all(self) -> Sequence[Coupon]:
        """Every coupon of the tenant, by code."""
        ...

    async def replace(self, coupon: Coupon) -> bool:
        """Replace a stored coupon (its uses are kept); False if there is none."""
        ...

    async def remove(self, code: str) -> bool:
        """Delete a coupon and its redemptions; False if there is none."""
        ...

    async def usage(self, code: str, customer_id: str | None) -> CouponUse:
        """Uses of the coupon in all and by this customer (0 by an anonymous one)."""
        ...

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
        """Count one use for ``reference`` (a booking) if no limit is reached, atomically.

        False when the total or the customer's limit is reached, and then nothing changes.
        Redeeming again for a reference that holds a use changes nothing and is True.
        """
        ...

    async def release(self, code: str, reference: str) -> bool:
        """Give back the use held by ``reference`` (a cancelled booking); False if none."""
        ...


class LoyaltyRepository(Protocol):
    """The points ledgers of one tenant's customers (entries are only ever added)."""

    async def lock(self, customer_id: str) -> None:
        """Serialise changes to this customer's ledger until the unit of work ends."""
        ...

    async def entries(self, customer_id: str) -> Sequence[LedgerEntry]:
        """The customer's entries, oldest first."""
        ...

    async def counted_spend(self, customer_id: str, since: datetime) -> Mapping[str, Decimal]:
        """What ``LoyaltyAccount.counted_spend(since)`` gives for the customer's ledger,
        summed by the store (earning needs the tier, not a year of entries)."""
        ...

    async def append(self, customer_id: str, entry: LedgerEntry) -> None:
        """Add an entry to the customer's ledger."""
        ...


class OfferRepository(Protocol):
    """The offers of one tenant."""

    async def add(self, offer: Offer) -> None:
        """Store a new offer."""
        ...

    async def get(self, offer_id: str) -> Offer | None:
        """The offer with this id, in this tenant (expired ones too)."""
        ...

    async def replace(self, offer: Offer) -> bool:
        """Replace a stored offer (a new price); False if there is none."""
        ...

    async def forget_expired_before(self, moment: datetime) -> int:
        """Delete the offers that expired before ``moment``; how many."""
        ...


class BookingRepository(Protocol):
    """The bookings of one tenant."""

    async def add(self, booking: Booking, audit: AuditEntry | None = None) -> None:
        """Store a new booking, with ``audit`` (its record in the audit log) when given, in
        one write where the store can; ``Conflict`` if its record locator is taken."""
        ...

    async def get(self, booking_id: str, *, for_update: bool = False) -> Booking | None:
        """The booking with this id, in this tenant (``for_update``: locked until the end)."""
        ...

    async def by_locator(self, locator: str) -> Booking | None:
        """The booking with this record locator, in this tenant."""
        ...

    async def replace(self, booking: Booking, audit: AuditEntry | None = None) -> bool:
        """Store a changed booking read at ``booking.version`` (the store counts one more),
        with ``audit`` when given (kept only if the booking is); False, changing nothing,
        when another change was stored since it was read."""
        ...

    async def for_customer(
        self, customer_id: str, *, upcoming: bool, now: datetime, limit: int
    ) -> Sequence[Booking]:
        """A customer's trips leaving from ``now`` on (soonest first), or before it
        (latest first)."""
        ...


class SeatLedger(Protocol):
    """Seats of the (shared) inventory, taken and given back inside a tenant's unit of work.

    Counting is the database's job: ``take`` is one conditional update, so concurrent
    holds can never take more seats than there are; a seat number is assigned once, by a
    unique constraint.
    """

    async def take(self, flight_id: str, cabin: CabinClass, count: int) -> int | None:
        """Take ``count`` seats if that many are left: the seats left after, else None."""
        ...

    async def give_back(self, flight_id: str, cabin: CabinClass, count: int) -> int:
        """Return seats taken before (never above the cabin's capacity): the seats left."""
        ...

    async def assign(self, flight_id: str, seat: str, booking_id: str) -> bool:
        """Give a seat number to a booking; False if another booking has it."""
        ...

    async def unassign(self, flight_id: str, seat: str, booking_id: str) -> None:
        """Free a seat number the booking had."""
        ...

    async def taken(self, flight_id: str) -> frozenset[str]:
        """The seat numbers assigned on a flight."""
        ...

    async def seats_changed(self) -> None:
        """Tell searches that what they show of seats moved (the inventory version)."""
        ...


class Outbox(Protocol):
    """Events of one tenant waiting to be delivered (written in the change's transaction)."""

    async def add(self, event: OutboxEvent) -> None:
        """Store an event to deliver."""
        ...

    async def for_subject(self, subject_id: str) -> Sequence[OutboxEvent]:
        """The events about one thing (a booking), oldest first."""
        ...


class OutboxQueue(Protocol):
    """Every tenant's undelivered events, as workers take them (platform level)."""

    async def lease(
        self, now: datetime, *, limit: int, lease_for: timedelta
    ) -> Sequence[OutboxEvent]:
        """Up to ``limit`` events due now, each leased to this caller until the lease ends:
        another worker skips them (``FOR UPDATE SKIP LOCKED``), and takes them again only if
        the lease runs out undelivered. Counts an attempt on each."""
        ...

    async def delivered(self, event_id: str, at: datetime) -> None:
        """Mark an event delivered."""
        ...

    async def failed(self, event_id: str, error: str, *, retry_at: datetime | None) -> None:
        """Record a failed delivery: try again at ``retry_at``, or never (dead) when None."""
        ...

    async def counts(self) -> Mapping[str, int]:
        """How many events are in each state."""
        ...


class LapsedHolds(Protocol):
    """Bookings of every tenant the worker looks after: holds run out unpaid, refunds owed
    (platform level)."""

    async def due(self, now: datetime, limit: int) -> Sequence[tuple[str, str]]:
        """Up to ``limit`` (tenant id, booking id) still holding seats past their expiry."""
        ...

    async def tenant_of(self, booking_id: str) -> str | None:
        """The tenant a booking belongs to (a payment provider's callback names only it)."""
        ...

    async def refunds_due(self, limit: int) -> Sequence[tuple[str, str]]:
        """Up to ``limit`` (tenant id, booking id) owing refunds the provider has not given."""
        ...


class IdempotencyKeys(Protocol):
    """Idempotency keys of one tenant's callers."""

    async def claim(self, record: IdempotencyRecord) -> IdempotencyRecord | None:
        """Store a new claim and return None; if the caller already used the key, the
        stored record instead (nothing changes)."""
        ...

    async def answer(
        self,
        key: str,
        owner: str,
        status: int,
        body: bytes,
        *,
        claimed_at: datetime | None = None,
    ) -> bool:
        """Keep the response of the claimed key's first request: whether it was kept
        (``claimed_at``: only if the claim is still the one made then, not taken over)."""
        ...

    async def take_over(self, record: IdempotencyRecord, claimed_at: datetime) -> bool:
        """Claim anew, as ``record``, a key still unanswered since ``claimed_at`` (its first
        request was abandoned): whether this caller got it (one of several racing does)."""
        ...

    async def release(self, key: str, owner: str, *, claimed_at: datetime | None = None) -> None:
        """Drop an unanswered claim (the request failed on our side: it may be sent again);
        ``claimed_at``: only the claim made then, not one that took it over."""
        ...

    async def forget_before(self, moment: datetime) -> int:
        """Drop keys claimed before ``moment``; how many."""
        ...


class AuditLog(Protocol):
    """Who changed what, when, from what to what (entries are only ever added)."""

    async def add(self, entry: AuditEntry) -> None:
        """Record a change."""
        ...

    async def for_subject(self, subject: str, subject_id: str) -> Sequence[AuditEntry]:
        """The changes to one thing (a margin rule, a coupon), oldest first."""
        ...

    async def recent(self, subject: str, limit: int) -> Sequence[AuditEntry]:
        """The latest changes to things of one kind, newest first."""
        ...


class UnitOfWork(Protocol):
    """An atomic change: nothing is stored unless ``commit`` is called before the end."""

    async def __aenter__(self) -> Self:
        """Begin."""
        ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """End, rolling back whatever was not committed."""
        ...

    async def commit(self) -> None:
        """Make the changes so far durable."""
        ...

    async def rollback(self) -> None:
        """Discard the changes since the last commit."""
        ...


class PlatformUnitOfWork(UnitOfWork, Protocol):
    """Changes to platform-level data: the tenants themselves."""

    @property
    def tenants(self) -> TenantRepository:
        """The tenants."""
        ...

    @property
    def api_key_directory(self) -> ApiKeyDirectory:
        """API keys by digest, across tenants (read only)."""
        ...

    @property
    def margin_rule_versions(self) -> MarginRuleVersions:
        """The margin-rule version of every tenant (read only)."""
        ...

    @property
    def outbox_queue(self) -> OutboxQueue:
        """Every tenant's undelivered events."""
        ...

    @property
    def lapsed_holds(self) -> LapsedHolds:
        """Bookings of every tenant whose hold ran out."""
        ...


class TenantUnitOfWork(UnitOfWork, Protocol):
    """Changes to one tenant's data; every repository here is scoped to ``tenant_id``."""

    @property
    def tenant_id(self) -> str:
        """The one tenant this unit of work sees."""
        ...

    @property
    def users(self) -> UserRepository:
        """The tenant's users."""
        ...

    @property
    def refresh_tokens(self) -> RefreshTokenRepository:
        """The tenant's refresh tokens."""
        ...

    @property
    def one_time_tokens(self) -> OneTimeTokenRepository:
        """The tenant's verification and reset tokens."""
        ...

    @property
    def api_keys(self) -> ApiKeyRepository:
        """The tenant's API keys."""
        ...

    @property
    def margin_rules(self) -> MarginRuleRepository:
        """The tenant's margin rules."""
        ...

    @property
    def coupons(self) -> CouponRepository:
        """The tenant's coupons."""
        ...

    @property
    def loyalty(self) -> LoyaltyRepository:
        """The tenant's loyalty ledgers."""
        ...

    @property
    def audit(self) -> AuditLog:
        """The tenant's audit log."""
        ...

    @property
    def offers(self) -> OfferRepository:
        """The tenant's offers."""
        ...

    @property
    def bookings(self) -> BookingRepository:
        """The tenant's bookings."""
        ...

    @property
    def seats(self) -> SeatLedger:
        """The shared inventory's seats, changed in this unit of work."""
        ...

    @property
    def outbox(self) -> Outbox:
        """The tenant's events to deliver."""
        ...

    @property
    def idempotency(self) -> IdempotencyKeys:
        """The tenant's callers' idempotency keys."""
        ...


class UnitOfWorkFactory(Protocol):
    """Opens units of work: platform-wide, or for exactly one tenant."""

    def platform(self) -> PlatformUnitOfWork:
        """A unit of work over platform-level data."""
        ...

    def for_tenant(self, tenant_id: str, *, one_statement: bool = False) -> TenantUnitOfWork:
        """A unit of work whose repositories see only this tenant's rows.

        ``one_statement``: the work is a single read or write that stands on its own (a
        lookup, an idempotency key), so the adapter may run it without a transaction of
        its own. Callers commit what they write all the same.
        """
        ...
