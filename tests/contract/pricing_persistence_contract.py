"""The pricing persistence contract: margin rules, coupons, loyalty and audit, on every store."""

from __future__ import annotations

import abc
import random
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest
from persistence_contract import NOW, a_tenant

from adapters.money.babel_currencies import BabelCurrencies
from funflights_core.audit import AuditEntry
from funflights_core.coupon import Coupon, CouponUse
from funflights_core.errors import Conflict, InvalidInput
from funflights_core.loyalty import EntryKind, LedgerEntry, LoyaltyAccount, Tier
from funflights_core.margin_rule import CountrySide, MarginRule
from funflights_core.money import Money
from funflights_core.refund_policy import policy_of
from funflights_core.unit_of_work import UnitOfWorkFactory

CURRENCIES = BabelCurrencies()  # what the SQL stores rebuild currencies from by default
JPY, KWD, USD, CHF = (CURRENCIES.currency(code) for code in ("JPY", "KWD", "USD", "CHF"))


def a_rule(tenant_id: str = "default", **changes: Any) -> MarginRule:
    rule = MarginRule(id=str(uuid.uuid4()), tenant_id=tenant_id, created_at=NOW)
    return attrs.evolve(rule, **changes)


def a_full_rule(tenant_id: str = "default") -> MarginRule:
    """A rule with every field set (its amounts in KWD: three minor units)."""
    return a_rule(
        tenant_id,
        percent=Decimal("0.0425"),
        fixed_per_passenger=Money.of("1.125", KWD),
        minimum=Money.of("2.5", KWD),
        maximum=Money.of("40.000", KWD),
        carrier="BA",
        flight_number="117",
        origin="LHR",
        destination="JFK",
        country="GB",
        country_side=CountrySide.ORIGIN,
        cabin="business",
        travel_from=date(2030, 6, 1),
        travel_until=date(2030, 8, 31),
        valid_from=NOW,
        valid_until=NOW + timedelta(days=90, microseconds=1),
        priority=-7,
        description="Summer on BA117 — «premium»",
    )


def a_coupon(code: str = "SUMMER10", tenant_id: str = "default", **changes: Any) -> Coupon:
    coupon = Coupon(code=code, tenant_id=tenant_id, percent_off=Decimal("0.10"))
    return attrs.evolve(coupon, **changes)


def a_full_coupon(tenant_id: str = "default") -> Coupon:
    """A fixed-amount coupon with every field set (amounts in JPY: no minor units)."""
    return Coupon(
        code="TOKYO-5000",
        tenant_id=tenant_id,
        amount_off=Money.of(5000, JPY),
        minimum_spend=Money.of(30000, JPY),
        valid_from=NOW,
        valid_until=NOW + timedelta(days=30),
        airlines=frozenset({"JL", "NH"}),
        routes=frozenset({("LHR", "HND"), ("CDG", "NRT")}),
        cabins=frozenset({"economy", "premium_economy"}),
        total_uses=100,
        uses_per_customer=2,
        combinable=True,
        description="Tokyo ¥5000 off",
    )


def an_entry(at_offset: timedelta = timedelta(0), points: int = 100, **changes: Any) -> LedgerEntry:
    entry = LedgerEntry(
        id=str(uuid.uuid4()),
        kind=EntryKind.EARN,
        points=points,
        at=NOW + at_offset,
        booking_id="BK-1",
        spend=Money.of("123.45", USD),
    )
    return attrs.evolve(entry, **changes)


def an_audit(
    subject_id: str = "r1", at_offset: timedelta = timedelta(0), **changes: Any
) -> AuditEntry:
    entry = AuditEntry(
        id=str(uuid.uuid4()),
        tenant_id="default",
        subject="margin-rule",
        subject_id=subject_id,
        action="update",
        actor="user-1",
        at=NOW + at_offset,
        before='{"percent":"5"}',
        after='{"percent":"6"}',
    )
    return attrs.evolve(entry, **changes)


class PricingPersistenceContract(abc.ABC):
    """Subclasses provide ``database``: a fresh, migrated UnitOfWorkFactory per test."""

    @pytest.fixture
    @abc.abstractmethod
    async def database(self) -> AsyncIterator[UnitOfWorkFactory]:
        """A fresh database with only the default tenant."""
        yield  # type: ignore[misc]

    async def add_tenant(self, database: UnitOfWorkFactory, tenant_id: str = "acme") -> None:
        async with database.platform() as uow:
            await uow.tenants.add(a_tenant(tenant_id))
            await uow.commit()

    async def store_rules(self, database: UnitOfWorkFactory, *rules: MarginRule) -> None:
        async with database.for_tenant(rules[0].tenant_id) as uow:
            for rule in rules:
                await uow.margin_rules.add(rule, version=1)
            await uow.commit()

    async def store_coupon(self, database: UnitOfWorkFactory, coupon: Coupon) -> Coupon:
        async with database.for_tenant(coupon.tenant_id) as uow:
            await uow.coupons.add(coupon)
            await uow.commit()
        return coupon

    async def redeem(
        self,
        database: UnitOfWorkFactory,
        coupon: Coupon,
        customer_id: str,
        reference: str,
    ) -> bool:
        async with database.for_tenant(coupon.tenant_id) as uow:
            redeemed = await uow.coupons.redeem(
                coupon.code,
                customer_id,
                reference,
                NOW,
                total_uses=coupon.total_uses,
                uses_per_customer=coupon.uses_per_customer,
            )
            await uow.commit()
        return redeemed

    async def usage(
        self, database: UnitOfWorkFactory, code: str, customer_id: str | None = None
    ) -> CouponUse:
        async with database.for_tenant("default") as uow:
            return await uow.coupons.usage(code, customer_id)

    # --- tenants' pricing settings ----------------------------------------------------------

    async def test_the_default_tenant_has_the_default_settings(
        self, database: UnitOfWorkFactory
    ) -> None:
        async with database.platform() as uow:
            tenant = await uow.tenants.get("default")
        assert tenant is not None
        assert tenant.exchange_spread == 0
        assert tenant.tier_policy.tiers == (
            Tier("blue", Decimal(0), Decimal(1)),
            Tier("silver", Decimal(2000), Decimal("1.5")),
            Tier("gold", Decimal(5000), Decimal(2)),
        )

    async def test_spread_and_tiers_round_trip(self, database: UnitOfWorkFactory) -> None:
        tiers = (
            Tier("base", Decimal(0), Decimal("0.5")),
            Tier("vip", Decimal("999.99"), Decimal(3)),
        )
        tenant = attrs.evolve(
            a_tenant("acme"), exchange_spread=Decimal("0.0175"), loyalty_tiers=tiers
        )
        async with database.platform() as uow:
            await uow.tenants.add(tenant)
            await uow.commit()
        async with database.platform() as uow:
            assert await uow.tenants.get("acme") == tenant
            changed = attrs.evolve(tenant, exchange_spread=Decimal("0.2"), loyalty_tiers=tiers[:1])
            await uow.tenants.update(changed)
            await uow.commit()
        async with database.platform() as uow:
            assert await uow.tenants.get("acme") == changed

    async def test_refund_rules_round_trip(self, database: UnitOfWorkFactory) -> None:
        own = policy_of([(168, Decimal(100), Decimal(0)), (1.5, Decimal("33.3"), Decimal("12.5"))])
        tenant = attrs.evolve(a_tenant("acme"), refund_policy=own)
        async with database.platform() as uow:
            await uow.tenants.add(tenant)
            await uow.commit()
        async with database.platform() as uow:
            assert await uow.tenants.get("acme") == tenant
            await uow.tenants.update(attrs.evolve(tenant, refund_policy=None))
            await uow.commit()
        async with database.platform() as uow:
            found = await uow.tenants.get("acme")
        assert found is not None
        assert found.refund_policy is None

    @pytest.mark.parametrize(
        "tiers",
        [
            (Tier("blue", Decimal(0), Decimal(1)), Tier("gold:vip", Decimal(9), Decimal(2))),
            (Tier("a;b", Decimal(0), Decimal(1)),),
            (Tier(" padded", Decimal(0), Decimal(1)),),
            (Tier("late", Decimal(5), Decimal(1)),),
        ],
    )
    async def test_tiers_that_could_not_be_read_back_are_refused(
        self, database: UnitOfWorkFactory, tiers: tuple[Tier, ...]
    ) -> None:
        tenant = a_tenant("acme")
        async with database.platform() as uow:
            with pytest.raises(InvalidInput):
                await uow.tenants.add(attrs.evolve(tenant, loyalty_tiers=tiers))
            await uow.tenants.add(tenant)  # still usable
            await uow.commit()
        async with database.platform() as uow:
            with pytest.raises(InvalidInput):
                await uow.tenants.update(attrs.evolve(tenant, loyalty_tiers=tiers))
            assert await uow.tenants.get("acme") == tenant

    # --- margin rules -----------------------------------------------------------------------

    async def test_a_rule_with_every_field_round_trips(self, database: UnitOfWorkFactory) -> None:
        full, bare = a_full_rule(), a_rule(fixed_per_passenger=Money.of(1500, JPY))
        await self.store_rules(database, full, bare)
        async with database.for_tenant("default") as uow:
            assert await uow.margin_rules.get(full.id) == full
            assert await uow.margin_rules.get(bare.id) == bare
            assert list(await uow.margin_rules.all()) == sorted([full, bare], key=lambda r: r.id)
        stored = await self.rule(database, full.id)
        assert stored.minimum is not None
        assert stored.minimum.currency == KWD
        assert str(stored.minimum) == "2.500 KWD"

    async def rule(self, database: UnitOfWorkFactory, rule_id: str) -> MarginRule:
        async with database.for_tenant("default") as uow:
            rule = await uow.margin_rules.get(rule_id)
        assert rule is not None
        return rule

    async def test_a_rule_id_is_taken_once(self, database: UnitOfWorkFactory) -> None:
        rule = a_rule()
        await self.store_rules(database, rule)
        other = a_rule(percent=Decimal("0.01"))
        async with database.for_tenant("default") as uow:
            with pytest.raises(Conflict):
                await uow.margin_rules.add(attrs.evolve(rule, percent=Decimal("0.9")), version=1)
            await uow.margin_rules.add(other, version=1)  # still usable
            await uow.commit()
        assert await self.rule(database, rule.id) == rule
        assert await self.rule(database, other.id) == other

    async def test_amounts_in_two_currencies_are_refused(self, database: UnitOfWorkFactory) -> None:
        mixed = a_rule(minimum=Money.of(1, USD), maximum=Money.of(9, KWD))
        async with database.for_tenant("default") as uow:
            with pytest.raises(ValueError, match="currency"):
                await uow.margin_rules.add(mixed, version=1)

    async def test_a_rule_is_replaced_and_removed(self, database: UnitOfWorkFactory) -> None:
        rule = a_full_rule()
        await self.store_rules(database, rule)
        changed = attrs.evolve(
            rule, percent=Decimal("0.1"), minimum=None, maximum=None, carrier=None, cabin=None
        )
        async with database.for_tenant("default") as uow:
            assert await uow.margin_rules.get(rule.id) == rule
            assert await uow.margin_rules.replace(changed, version=2) is True
            assert await uow.margin_rules.get(rule.id) == changed  # seen at once
            assert await uow.margin_rules.replace(a_rule(), version=2) is False
            await uow.commit()
        assert await self.rule(database, rule.id) == changed
        async with database.for_tenant("default") as uow:
            assert await uow.margin_rules.remove(rule.id, version=3) is True
            assert await uow.margin_rules.get(rule.id) is None  # gone at once
            assert await uow.margin_rules.remove(rule.id, version=3) is False
            assert await uow.margin_rules.remove("no-such-rule", version=3) is False
            await uow.commit()
        async with database.for_tenant("default") as uow:
            assert await uow.margin_rules.get(rule.id) is None
            assert list(await uow.margin_rules.all()) == []

    async def test_rules_are_not_stored_without_commit(self, database: UnitOfWorkFactory) -> None:
        async with database.for_tenant("default") as uow:
            await uow.margin_rules.add(a_rule(), version=1)
            assert await uow.margin_rules.bump_version() == 1
        async with database.for_tenant("default") as uow:
            assert list(await uow.margin_rules.all()) == []
            assert await uow.margin_rules.version() == 0
        async with database.platform() as uow:
            assert dict(await uow.margin_rule_versions.all()) == {}

    async def test_another_tenants_rules_are_invisible(self, database: UnitOfWorkFactory) -> None:
        await self.add_tenant(database)
        theirs = a_rule("acme", percent=Decimal("0.2"))
        await self.store_rules(database, theirs)
        async with database.for_tenant("default") as uow:
            assert await uow.margin_rules.get(theirs.id) is None
            assert list(await uow.margin_rules.all()) == []
            assert (
                await uow.margin_rules.replace(attrs.evolve(theirs, tenant_id="default"), version=2)
                is False
            )
            assert await uow.margin_rules.remove(theirs.id, version=3) is False
            with pytest.raises(ValueError, match="own tenant"):
                await uow.margin_rules.add(a_rule("acme"), version=1)
            with pytest.raises(ValueError, match="own tenant"):
                await uow.margin_rules.replace(theirs, version=2)
            await uow.commit()
        async with database.for_tenant("acme") as uow:
            assert list(await uow.margin_rules.all()) == [theirs]

    async def test_versions_count_changes_per_tenant(self, database: UnitOfWorkFactory) -> None:
        await self.add_tenant(database)
        async with database.for_tenant("default") as uow:
            assert await uow.margin_rules.version() == 0
            assert await uow.margin_rules.bump_version() == 1
            assert await uow.margin_rules.bump_version() == 2
            assert await uow.margin_rules.version() == 2
            await uow.commit()
        async with database.for_tenant("acme") as uow:
            assert await uow.margin_rules.version() == 0
            assert await uow.margin_rules.bump_version() == 1
            await uow.commit()
        async with database.for_tenant("default") as uow:
            assert await uow.margin_rules.bump_version() == 3
            await uow.commit()
        async with database.platform() as uow:
            assert dict(await uow.margin_rule_versions.all()) == {"default": 3, "acme": 1}

    async def test_changes_since_a_version_are_fetched_alone(
        self, database: UnitOfWorkFactory
    ) -> None:
        await self.add_tenant(database)
        kept, changed, removed = a_rule(), a_rule(), a_rule()
        async with database.for_tenant("default") as uow:
            for rule in (kept, changed, removed):
                await uow.margin_rules.add(rule, version=1)
            await uow.commit()
        async with database.for_tenant("acme") as uow:
            await uow.margin_rules.add(a_rule("acme"), version=5)
            await uow.commit()
        newer = attrs.evolve(changed, percent=Decimal("0.07"))
        added = a_rule(percent=Decimal("0.03"))
        async with database.for_tenant("default") as uow:
            assert await uow.margin_rules.replace(newer, version=2)
            assert await uow.margin_rules.remove(removed.id, version=3)
            await uow.margin_rules.add(added, version=4)
            await uow.commit()
        async with database.for_tenant("default") as uow:
            since_one = await uow.margin_rules.changed_since(1)
            since_three = await uow.margin_rules.changed_since(3)
            since_four = await uow.margin_rules.changed_since(4)
            since_nothing = await uow.margin_rules.changed_since(0)
            # A removed id cannot come back: its tombstone keeps it taken.
            with pytest.raises(Conflict):
                await uow.margin_rules.add(removed, version=5)
        assert sorted(since_one[0], key=lambda r: r.id) == sorted(
            [newer, added], key=lambda r: r.id
        )
        assert list(since_one[1]) == [removed.id]
        assert (list(since_three[0]), list(since_three[1])) == ([added], [])
        assert (list(since_four[0]), list(since_four[1])) == ([], [])
        assert sorted(r.id for r in since_nothing[0]) == sorted([kept.id, newer.id, added.id])

    # --- coupons ----------------------------------------------------------------------------

    async def test_coupons_round_trip(self, database: UnitOfWorkFactory) -> None:
        full = await self.store_coupon(database, a_full_coupon())
        plain = await self.store_coupon(database, a_coupon("ALPHA"))
        kwd = await self.store_coupon(
            database, a_coupon("KWD", percent_off=None, amount_off=Money.of("0.125", KWD))
        )
        async with database.for_tenant("default") as uow:
            assert await uow.coupons.get(full.code) == full
            assert await uow.coupons.get(plain.code) == plain
            assert await uow.coupons.get(kwd.code) == kwd
            assert await uow.coupons.get("NOPE") is None
            assert list(await uow.coupons.all()) == [plain, kwd, full]

    async def test_a_code_is_taken_once_per_tenant(self, database: UnitOfWorkFactory) -> None:
        await self.add_tenant(database)
        await self.store_coupon(database, a_coupon())
        async with database.for_tenant("default") as uow:
            with pytest.raises(Conflict):
                await uow.coupons.add(a_coupon(percent_off=Decimal("0.5")))
            await uow.coupons.add(a_coupon("OTHER"))  # still usable
            await uow.commit()
        await self.store_coupon(database, a_coupon(tenant_id="acme"))
        async with database.for_tenant("default") as uow:
            assert [c.code for c in await uow.coupons.all()] == ["OTHER", "SUMMER10"]
            assert await uow.coupons.get("SUMMER10") == a_coupon()

    async def test_coupons_are_not_stored_without_commit(self, database: UnitOfWorkFactory) -> None:
        coupon = await self.store_coupon(database, a_coupon())
        async with database.for_tenant("default") as uow:
            await uow.coupons.add(a_coupon("LOST"))
            assert await uow.coupons.redeem(
                coupon.code, "c1", "BK-1", NOW, total_uses=None, uses_per_customer=None
            )
        async with database.for_tenant("default") as uow:
            assert await uow.coupons.get("LOST") is None
            assert await uow.coupons.usage(coupon.code, "c1") == CouponUse(0, 0)

    async def test_usage_counts_all_uses_and_the_customers(
        self, database: UnitOfWorkFactory
    ) -> None:
        coupon = await self.store_coupon(database, a_coupon())
        assert await self.usage(database, coupon.code, "c1") == CouponUse(0, 0)
        assert await self.redeem(database, coupon, "c1", "BK-1")
        assert await self.redeem(database, coupon, "c1", "BK-2")
        assert await self.redeem(database, coupon, "c2", "BK-3")
        assert await self.usage(database, coupon.code, "c1") == CouponUse(3, 2)
        assert await self.usage(database, coupon.code, "c2") == CouponUse(3, 1)
        assert await self.usage(database, coupon.code, "c3") == CouponUse(3, 0)
        assert await self.usage(database, coupon.code, None) == CouponUse(3, 0)
        assert await self.usage(database, "NOPE", "c1") == CouponUse(0, 0)

    async def test_redeeming_stops_at_the_total(self, database: UnitOfWorkFactory) -> None:
        coupon = await self.store_coupon(database, a_coupon(total_uses=2))
        assert await self.redeem(database, coupon, "c1", "BK-1")
        assert await self.redeem(database, coupon, "c2", "BK-2")
        assert not await self.redeem(database, coupon, "c3", "BK-3")
        assert await self.usage(database, coupon.code, "c3") == CouponUse(2, 0)

    async def test_redeeming_stops_at_the_customers_limit(
        self, database: UnitOfWorkFactory
    ) -> None:
        coupon = await self.store_coupon(database, a_coupon(uses_per_customer=1))
        assert await self.redeem(database, coupon, "c1", "BK-1")
        assert not await self.redeem(database, coupon, "c1", "BK-2")
        assert await self.redeem(database, coupon, "c2", "BK-3")
        assert await self.usage(database, coupon.code, "c1") == CouponUse(2, 1)

    async def test_the_same_reference_redeems_once(self, database: UnitOfWorkFactory) -> None:
        coupon = await self.store_coupon(database, a_coupon(total_uses=1, uses_per_customer=1))
        assert await self.redeem(database, coupon, "c1", "BK-1")
        assert await self.redeem(database, coupon, "c1", "BK-1")  # again: still held, no change
        assert await self.usage(database, coupon.code, "c1") == CouponUse(1, 1)
        assert not await self.redeem(database, coupon, "c2", "BK-2")

    async def test_a_missing_coupon_cannot_be_redeemed(self, database: UnitOfWorkFactory) -> None:
        assert not await self.redeem(database, a_coupon("GHOST"), "c1", "BK-1")
        assert await self.usage(database, "GHOST", "c1") == CouponUse(0, 0)

    async def test_release_gives_the_use_back(self, database: UnitOfWorkFactory) -> None:
        coupon = await self.store_coupon(database, a_coupon(total_uses=1))
        assert await self.redeem(database, coupon, "c1", "BK-1")
        async with database.for_tenant("default") as uow:
            assert await uow.coupons.release(coupon.code, "BK-1") is True
            assert await uow.coupons.release(coupon.code, "BK-1") is False
            assert await uow.coupons.release(coupon.code, "BK-unknown") is False
            assert await uow.coupons.release("NOPE", "BK-1") is False
            await uow.commit()
        assert await self.usage(database, coupon.code, "c1") == CouponUse(0, 0)
        assert await self.redeem(database, coupon, "c2", "BK-2")

    async def test_replacing_keeps_the_uses(self, database: UnitOfWorkFactory) -> None:
        coupon = await self.store_coupon(database, a_coupon(total_uses=5))
        assert await self.redeem(database, coupon, "c1", "BK-1")
        changed = attrs.evolve(coupon, percent_off=Decimal("0.25"), description="more")
        async with database.for_tenant("default") as uow:
            assert await uow.coupons.get(coupon.code) == coupon
            assert await uow.coupons.replace(changed) is True
            assert await uow.coupons.get(coupon.code) == changed  # seen at once
            assert await uow.coupons.replace(a_coupon("NOPE")) is False
            await uow.commit()
        async with database.for_tenant("default") as uow:
            assert await uow.coupons.get(coupon.code) == changed
            assert await uow.coupons.usage(coupon.code, "c1") == CouponUse(1, 1)

    async def test_removing_drops_the_redemptions(self, database: UnitOfWorkFactory) -> None:
        coupon = await self.store_coupon(database, a_coupon(total_uses=1))
        assert await self.redeem(database, coupon, "c1", "BK-1")
        async with database.for_tenant("default") as uow:
            assert await uow.coupons.get(coupon.code) == coupon
            assert await uow.coupons.remove(coupon.code) is True
            assert await uow.coupons.get(coupon.code) is None  # gone at once
            assert await uow.coupons.remove(coupon.code) is False
            again = attrs.evolve(coupon, description="again")
            await uow.coupons.add(again)
            assert await uow.coupons.get(coupon.code) == again
            await uow.commit()
        assert await self.usage(database, coupon.code, "c1") == CouponUse(0, 0)
        assert await self.redeem(database, coupon, "c2", "BK-1")

    async def test_another_tenants_coupons_are_invisible(self, database: UnitOfWorkFactory) -> None:
        await self.add_tenant(database)
        theirs = await self.store_coupon(database, a_coupon(tenant_id="acme"))
        async with database.for_tenant("acme") as uow:
            assert await uow.coupons.redeem(
                theirs.code, "c1", "BK-1", NOW, total_uses=None, uses_per_customer=None
            )
            await uow.commit()
        async with database.for_tenant("default") as uow:
            assert await uow.coupons.get(theirs.code) is None
            assert list(await uow.coupons.all()) == []
            assert await uow.coupons.usage(theirs.code, "c1") == CouponUse(0, 0)
            assert not await uow.coupons.redeem(
                theirs.code, "c1", "BK-2", NOW, total_uses=None, uses_per_customer=None
            )
            assert await uow.coupons.release(theirs.code, "BK-1") is False
            assert await uow.coupons.remove(theirs.code) is False
            with pytest.raises(ValueError, match="own tenant"):
                await uow.coupons.add(a_coupon("MINE", tenant_id="acme"))
            await uow.commit()
        async with database.for_tenant("acme") as uow:
            assert await uow.coupons.usage(theirs.code, "c1") == CouponUse(1, 1)

    # --- loyalty ----------------------------------------------------------------------------

    async def test_ledger_entries_round_trip_oldest_first(
        self, database: UnitOfWorkFactory
    ) -> None:
        earned = an_entry(timedelta(hours=1))
        redeemed = an_entry(timedelta(hours=2), -50, kind=EntryKind.REDEEM, spend=None)
        reversed_ = an_entry(timedelta(hours=3), -50, kind=EntryKind.REVERSAL, booking_id=None)
        in_yen = an_entry(timedelta(0), 7, spend=Money.of(1234, JPY))
        async with database.for_tenant("default") as uow:
            await uow.loyalty.lock("c1")
            for entry in (reversed_, earned, redeemed, in_yen):
                await uow.loyalty.append("c1", entry)
            await uow.loyalty.append("c2", an_entry())
            await uow.commit()
        async with database.for_tenant("default") as uow:
            await uow.loyalty.lock("c1")
            await uow.loyalty.lock("c1")  # again in the same unit of work: fine
            assert list(await uow.loyalty.entries("c1")) == [in_yen, earned, redeemed, reversed_]
            assert len(await uow.loyalty.entries("c2")) == 1
            assert list(await uow.loyalty.entries("c3")) == []

    async def test_counted_spend_is_what_the_ledger_says(self, database: UnitOfWorkFactory) -> None:
        since = NOW - timedelta(days=365)

        def entry(kind: EntryKind, booking: str, days_ago: int, spend: str | None) -> LedgerEntry:
            amount = None if spend is None else Money.of(spend, USD)
            return an_entry(-timedelta(days=days_ago), kind=kind, booking_id=booking, spend=amount)

        ledger = [
            entry(EntryKind.EARN, "old", 400, "900.00"),  # earned before the window
            entry(EntryKind.PART_REVERSAL, "old", 10, "-300.00"),  # so its part is out too
            entry(EntryKind.EARN, "kept", 200, "1000.10"),
            entry(EntryKind.PART_REVERSAL, "kept", 100, "-250.05"),
            entry(EntryKind.REDEEM, "kept", 200, None),
            entry(EntryKind.EARN, "gone", 50, "700.00"),
            entry(EntryKind.REVERSAL, "gone", 5, None),
            entry(EntryKind.EARN, "edge", 365, "0.01"),  # exactly at the window's start: in
            entry(EntryKind.EARN, "yen", 3, None),  # an earning without spend counts nothing
        ]
        async with database.for_tenant("default") as uow:
            for item in ledger:
                await uow.loyalty.append("c1", item)
            await uow.loyalty.append("c2", entry(EntryKind.EARN, "other", 1, "5.00"))
            await uow.commit()
        async with database.for_tenant("default") as uow:
            assert await uow.loyalty.counted_spend("c1", since) == {"USD": Decimal("750.06")}
            assert await uow.loyalty.counted_spend("c3", since) == {}
        async with database.for_tenant("other") as uow:
            assert await uow.loyalty.counted_spend("c2", since) == {}

    async def test_counted_spend_agrees_with_the_core_on_random_ledgers(
        self, database: UnitOfWorkFactory
    ) -> None:
        draw = random.Random(6)
        since = NOW - timedelta(days=365)
        customers: dict[str, list[LedgerEntry]] = {}
        for number in range(25):
            ledger: list[LedgerEntry] = []
            for booking in (f"b{n}" for n in range(draw.randint(0, 6))):
                day = draw.randint(0, 500)
                spend = Money.of(f"{draw.randint(0, 99_999)}.{draw.randint(0, 99):02d}", USD)
                ledger.append(an_entry(-timedelta(days=day), booking_id=booking, spend=spend))
                for _ in range(draw.randint(0, 2)):
                    day = draw.randint(0, day)
                    part = (spend * -Decimal(draw.choice(["0.25", "0.5"]))).rounded()
                    kind = EntryKind.PART_REVERSAL
                    ledger.append(
                        an_entry(-timedelta(days=day), kind=kind, booking_id=booking, spend=part)
                    )
                if draw.random() < 0.3:
                    late = -timedelta(days=draw.randint(0, day))
                    ledger.append(
                        an_entry(late, kind=EntryKind.REVERSAL, booking_id=booking, spend=None)
                    )
            customers[f"r{number}"] = ledger
        async with database.for_tenant("default") as uow:
            for customer, ledger in customers.items():
                for item in ledger:
                    await uow.loyalty.append(customer, item)
            await uow.commit()
        async with database.for_tenant("default") as uow:
            for customer, ledger in customers.items():
                expected = LoyaltyAccount(tuple(ledger)).counted_spend(since)
                assert await uow.loyalty.counted_spend(customer, since) == expected, customer

    async def test_same_moment_entries_keep_their_order(self, database: UnitOfWorkFactory) -> None:
        entries = [an_entry(points=n) for n in range(6)]
        async with database.for_tenant("default") as uow:
            for entry in entries[:3]:
                await uow.loyalty.append("c1", entry)
            await uow.commit()
        async with database.for_tenant("default") as uow:
            for entry in entries[3:]:
                await uow.loyalty.append("c1", entry)
            await uow.commit()
        async with database.for_tenant("default") as uow:
            assert list(await uow.loyalty.entries("c1")) == entries

    async def test_ledger_entries_need_a_commit(self, database: UnitOfWorkFactory) -> None:
        async with database.for_tenant("default") as uow:
            await uow.loyalty.lock("c1")
            await uow.loyalty.append("c1", an_entry())
        async with database.for_tenant("default") as uow:
            assert list(await uow.loyalty.entries("c1")) == []

    async def test_another_tenants_ledgers_are_invisible(self, database: UnitOfWorkFactory) -> None:
        await self.add_tenant(database)
        async with database.for_tenant("acme") as uow:
            await uow.loyalty.lock("c1")
            await uow.loyalty.append("c1", an_entry())
            await uow.commit()
        async with database.for_tenant("default") as uow:
            await uow.loyalty.lock("c1")
            assert list(await uow.loyalty.entries("c1")) == []

    # --- audit ------------------------------------------------------------------------------

    async def test_audit_entries_round_trip_in_order(self, database: UnitOfWorkFactory) -> None:
        created = an_audit(action="create", before=None)
        updated = an_audit(at_offset=timedelta(minutes=1))
        deleted = an_audit(at_offset=timedelta(minutes=2), action="delete", after=None)
        other = an_audit("r2", timedelta(minutes=3), actor="cli:ops")
        coupon = an_audit("SUMMER10", timedelta(minutes=4), subject="coupon")
        async with database.for_tenant("default") as uow:
            for entry in (deleted, other, created, coupon, updated):
                await uow.audit.add(entry)
            await uow.commit()
        async with database.for_tenant("default") as uow:
            assert list(await uow.audit.for_subject("margin-rule", "r1")) == [
                created,
                updated,
                deleted,
            ]
            assert list(await uow.audit.for_subject("coupon", "r1")) == []
            assert list(await uow.audit.recent("margin-rule", 2)) == [other, deleted]
            assert list(await uow.audit.recent("margin-rule", 10)) == [
                other,
                deleted,
                updated,
                created,
            ]
            assert list(await uow.audit.recent("coupon", 10)) == [coupon]

    async def test_same_moment_changes_keep_their_order(self, database: UnitOfWorkFactory) -> None:
        changes = [an_audit(action=action) for action in ("create", "update", "update", "delete")]
        for change in changes:
            async with database.for_tenant("default") as uow:
                await uow.audit.add(change)
                await uow.commit()
        async with database.for_tenant("default") as uow:
            assert list(await uow.audit.for_subject("margin-rule", "r1")) == changes
            assert list(await uow.audit.recent("margin-rule", 3)) == changes[:0:-1]

    async def test_audit_entries_need_a_commit(self, database: UnitOfWorkFactory) -> None:
        async with database.for_tenant("default") as uow:
            await uow.audit.add(an_audit())
        async with database.for_tenant("default") as uow:
            assert list(await uow.audit.recent("margin-rule", 10)) == []

    async def test_another_tenants_audit_is_invisible(self, database: UnitOfWorkFactory) -> None:
        await self.add_tenant(database)
        theirs = an_audit(tenant_id="acme")
        async with database.for_tenant("acme") as uow:
            await uow.audit.add(theirs)
            await uow.commit()
        async with database.for_tenant("default") as uow:
            assert list(await uow.audit.for_subject("margin-rule", "r1")) == []
            assert list(await uow.audit.recent("margin-rule", 10)) == []
            with pytest.raises(ValueError, match="own tenant"):
                await uow.audit.add(an_audit(tenant_id="acme"))
        async with database.for_tenant("acme") as uow:
            assert list(await uow.audit.recent("margin-rule", 10)) == [theirs]
