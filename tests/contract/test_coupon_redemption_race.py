"""Concurrent redeemers never exceed a coupon's limits (each on its own connection)."""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path

import pytest
from persistence_contract import NOW
from pricing_persistence_contract import a_coupon

from adapters.clocks import ManualClock
from adapters.identity.ids import UuidIds
from adapters.money.babel_currencies import BabelCurrencies
from adapters.persistence.engine import create_engine
from adapters.persistence.migrate import upgrade
from adapters.persistence.sql_unit_of_work import SqlUnitOfWorkFactory
from funflights_core.audit import AuditEntry
from funflights_core.coupon import Coupon, CouponUse
from funflights_core.coupon_fields import coupon_fields
from funflights_core.coupons import CouponService
from funflights_core.margin_books import MarginBooks
from funflights_core.margin_rule_admin import MarginRuleAdmin
from funflights_core.staff import operator
from funflights_core.unit_of_work import UnitOfWorkFactory
from postgres_schema import postgres_schema

POSTGRES_URL = os.environ.get("FUNFLIGHTS_TEST_DATABASE_URL")


async def redeem(database: UnitOfWorkFactory, coupon: Coupon, customer: str, ref: str) -> bool:
    """One booking's unit of work: redeem, and commit what it got."""
    async with database.for_tenant(coupon.tenant_id) as uow:
        redeemed = await uow.coupons.redeem(
            coupon.code,
            customer,
            ref,
            NOW,
            total_uses=coupon.total_uses,
            uses_per_customer=coupon.uses_per_customer,
        )
        if redeemed:
            await uow.commit()
        return redeemed


async def stored(database: UnitOfWorkFactory, coupon: Coupon) -> Coupon:
    async with database.for_tenant(coupon.tenant_id) as uow:
        await uow.coupons.add(coupon)
        await uow.commit()
    return coupon


async def usage(database: UnitOfWorkFactory, code: str, customer: str) -> CouponUse:
    async with database.for_tenant("default") as uow:
        return await uow.coupons.usage(code, customer)


async def fifty_redeem_a_coupon_of_ten(database: UnitOfWorkFactory) -> None:
    coupon = await stored(database, a_coupon(total_uses=10))
    results = await asyncio.gather(
        *(redeem(database, coupon, f"customer-{n}", f"BK-{n}") for n in range(50))
    )
    assert results.count(True) == 10
    assert await usage(database, coupon.code, "customer-0") == CouponUse(10, 1 if results[0] else 0)
    async with database.for_tenant("default") as uow:
        held = [
            n
            for n in range(50)
            if (await uow.coupons.usage(coupon.code, f"customer-{n}")).by_customer
        ]
    assert held == [n for n, won in enumerate(results) if won]


async def one_customer_redeems_twenty_times(database: UnitOfWorkFactory) -> None:
    coupon = await stored(database, a_coupon("ONCE", uses_per_customer=1))
    results = await asyncio.gather(
        *(redeem(database, coupon, "customer-1", f"BK-{n}") for n in range(20))
    )
    assert results.count(True) == 1
    assert await usage(database, coupon.code, "customer-1") == CouponUse(1, 1)


async def twenty_redeem_one_reference(database: UnitOfWorkFactory) -> None:
    coupon = await stored(database, a_coupon("SAME", total_uses=5))
    results = await asyncio.gather(
        *(redeem(database, coupon, "customer-1", "BK-1") for _ in range(20))
    )
    assert all(results)
    assert await usage(database, coupon.code, "customer-1") == CouponUse(1, 1)


async def twenty_bump_the_version(database: UnitOfWorkFactory) -> None:
    async def bump() -> int:
        async with database.for_tenant("default") as uow:
            version = await uow.margin_rules.bump_version()
            await uow.commit()
            return version

    versions = await asyncio.gather(*(bump() for _ in range(20)))
    assert sorted(versions) == list(range(1, 21))


def staff_services(database: UnitOfWorkFactory) -> tuple[CouponService, MarginRuleAdmin]:
    currencies = BabelCurrencies()
    clock, ids = ManualClock(NOW), UuidIds()
    coupons = CouponService(database=database, currencies=currencies, clock=clock, ids=ids)
    rules = MarginRuleAdmin(
        database=database,
        books=MarginBooks(database),
        currencies=currencies,
        clock=clock,
        ids=ids,
    )
    return coupons, rules


def assert_history_is_a_chain(history: Sequence[AuditEntry]) -> None:
    """Each change starts from what the previous one left: none was lost."""
    for earlier, later in itertools.pairwise(history):
        assert later.before_fields() == earlier.after_fields()


async def staff_edit_one_coupon_at_once(database: UnitOfWorkFactory) -> None:
    coupons, _ = staff_services(database)
    staff = operator("default", "race")
    await coupons.create(staff, "EDITED", {"amount_off": "5", "currency": "EUR"})
    edits = [{"description": f"edit {n}", "total_uses": 10 + n} for n in range(10)]
    edits.append({"percent_off": "5", "amount_off": None, "currency": None})
    await asyncio.gather(
        *(coupons.update(staff, "EDITED", edit) for edit in edits), return_exceptions=True
    )
    history = await coupons.history(staff, "EDITED")
    assert len(history) == 1 + len(edits)
    assert_history_is_a_chain(history)
    final = coupon_fields((await coupons.get(staff, "EDITED")).coupon)
    assert final == {**history[-1].after_fields()}


async def staff_edit_one_rule_at_once(database: UnitOfWorkFactory) -> None:
    _, rules = staff_services(database)
    staff = operator("default", "race")
    rule = await rules.create(staff, {"carrier": "BA", "percent": "1"})
    await asyncio.gather(
        *(rules.update(staff, rule.id, {"percent": str(n), "priority": n}) for n in range(2, 12))
    )
    history = await rules.history(staff, rule.id)
    assert len(history) == 11
    assert_history_is_a_chain(history)
    async with database.for_tenant("default") as uow:
        assert await uow.margin_rules.version() == 11


Race = Callable[[UnitOfWorkFactory], Awaitable[None]]
RACES: list[Race] = [
    fifty_redeem_a_coupon_of_ten,
    one_customer_redeems_twenty_times,
    twenty_redeem_one_reference,
    twenty_bump_the_version,
    staff_edit_one_coupon_at_once,
    staff_edit_one_rule_at_once,
]


@pytest.mark.postgres
@pytest.mark.skipif(POSTGRES_URL is None, reason="FUNFLIGHTS_TEST_DATABASE_URL is not set")
class TestPostgresRaces:
    @pytest.fixture
    async def database(self) -> AsyncIterator[UnitOfWorkFactory]:
        assert POSTGRES_URL is not None
        async with postgres_schema(POSTGRES_URL) as factory:
            yield factory

    @pytest.mark.parametrize("race", RACES, ids=[race.__name__ for race in RACES])
    async def test_race(self, database: UnitOfWorkFactory, race: Race) -> None:
        await race(database)


class TestSqliteFileRaces:
    """SQLite queues writers (BEGIN IMMEDIATE, a busy timeout): the same races, a file DB."""

    @pytest.fixture
    async def database(self, tmp_path: Path) -> AsyncIterator[UnitOfWorkFactory]:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'race.db'}")
        await upgrade(engine)
        yield SqlUnitOfWorkFactory(engine)
        await engine.dispose()

    @pytest.mark.parametrize("race", RACES, ids=[race.__name__ for race in RACES])
    async def test_race(self, database: UnitOfWorkFactory, race: Race) -> None:
        await race(database)
