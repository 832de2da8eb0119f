"""Pricing use cases over the in-memory database: rules, coupons, loyalty and quotes."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import attrs
import pytest

from adapters.clocks import ManualClock
from adapters.fx.fixed_rates import FixedRates
from adapters.money.fixed_currencies import FixedCurrencies
from adapters.persistence.in_memory import InMemoryDatabase
from funflights_core.coupon import CouponUse
from funflights_core.coupon_fields import coupon_fields
from funflights_core.coupons import CouponService
from funflights_core.errors import Conflict, InvalidInput, NotFound
from funflights_core.exchange import CurrencyExchange
from funflights_core.loyalty import EntryKind
from funflights_core.loyalty_accounts import LoyaltyService
from funflights_core.margin_books import MarginBooks
from funflights_core.margin_rule import FlightFacts
from funflights_core.margin_rule_admin import MarginRuleAdmin
from funflights_core.margin_rule_fields import rule_fields
from funflights_core.money import Money
from funflights_core.price_quotes import Buyer, QuoteRequest, QuoteService
from funflights_core.pricing import ProviderQuote
from funflights_core.role import Role
from funflights_core.staff import Staff
from funflights_core.tenant import AuthMethod, Tenant
from funflights_core.user import User

START = datetime(2030, 1, 2, 12, tzinfo=UTC)
CURRENCIES = FixedCurrencies()
EUR, USD, GBP, JPY = (CURRENCIES.currency(c) for c in ("EUR", "USD", "GBP", "JPY"))
USD_PER_EUR = Decimal("1.0812")
ACME = Tenant(
    id="acme",
    name="Acme Air Travel",
    domains=("acme.example",),
    default_currency="EUR",
    locale="en",
    loyalty_programme="AcmeMiles",
    point_value_usd=Decimal("0.01"),
    auth_methods=frozenset({AuthMethod.PASSWORD}),
    created_at=START,
)
ADA = Staff("acme", "user-ada")
FACTS = FlightFacts("BA", "117", "LHR", "JFK", "GB", "US", date(2030, 3, 1))
CUSTOMER = "cust-1"


class PaddedIds:
    """Sequential ids that also sort in the order they were made."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def new_id(self) -> str:
        return f"id-{next(self._counter):05d}"


class AirportTable:
    """AirportCountries from a dict."""

    def __init__(self, countries: dict[str, str]) -> None:
        self._countries = countries

    def country_of(self, iata: str) -> str | None:
        return self._countries.get(iata)


AIRPORTS = AirportTable({"LHR": "GB", "JFK": "US", "CDG": "FR", "MAN": "GB"})


@attrs.define
class World:
    database: InMemoryDatabase
    clock: ManualClock
    books: MarginBooks
    admin: MarginRuleAdmin
    coupons: CouponService
    loyalty: LoyaltyService
    quotes: QuoteService
    exchange: CurrencyExchange

    def later(self, seconds: float = 60) -> datetime:
        self.clock.advance(seconds)
        return self.clock.now()


@pytest.fixture
async def world() -> World:
    clock = ManualClock(START)
    database = InMemoryDatabase()
    async with database.platform() as uow:
        await uow.tenants.add(ACME)
        await uow.commit()
    async with database.for_tenant(ACME.id) as uow:
        await uow.users.add(
            User(
                id=CUSTOMER,
                tenant_id=ACME.id,
                email="ada@example.com",
                password_hash=None,
                roles=frozenset({Role.CUSTOMER}),
                created_at=START,
            )
        )
        await uow.commit()
    ids = PaddedIds()
    exchange = CurrencyExchange(
        sources=[
            FixedRates(
                {"USD": USD_PER_EUR, "GBP": Decimal("0.8561"), "JPY": Decimal("163.2")},
                clock=clock,
            )
        ],
        currencies=CURRENCIES,
        clock=clock,
        max_age=timedelta(days=1),
    )
    books = MarginBooks(database)
    coupons = CouponService(database=database, currencies=CURRENCIES, clock=clock, ids=ids)
    loyalty = LoyaltyService(database=database, exchange=exchange, clock=clock, ids=ids)
    return World(
        database=database,
        clock=clock,
        books=books,
        admin=MarginRuleAdmin(
            database=database, books=books, currencies=CURRENCIES, clock=clock, ids=ids
        ),
        coupons=coupons,
        loyalty=loyalty,
        quotes=QuoteService(
            books=books,
            exchange=exchange,
            coupons=coupons,
            loyalty=loyalty,
            airports=AIRPORTS,
            clock=clock,
        ),
        exchange=exchange,
    )


def eur(amount: str) -> Money:
    return Money.of(amount, EUR)


def usd(amount: str) -> Money:
    return Money.of(amount, USD)


def request(**changes: object) -> QuoteRequest:
    values: dict[str, object] = {
        "carrier": "ba",
        "flight_number": "117",
        "origin": "lhr",
        "destination": "jfk",
        "departure": date(2030, 3, 1),
        "quotes": [ProviderQuote("flights1", eur("400"), eur("60"))],
        **changes,
    }
    return QuoteRequest(**values)  # type: ignore[arg-type]


async def rule_version(world: World, tenant_id: str = ACME.id) -> int:
    async with world.database.for_tenant(tenant_id) as uow:
        return await uow.margin_rules.version()


async def earn(world: World, spend: Money, booking: str, customer: str = CUSTOMER) -> int:
    entry = await world.loyalty.earn(ACME, customer, spend, booking)
    world.later()
    return entry.points


# --- margin rules ------------------------------------------------------------------------


async def test_rule_changes_are_audited_with_actor_and_states(world: World) -> None:
    created_at = world.clock.now()
    rule = await world.admin.create(ADA, {"percent": "5", "carrier": "ba"})
    updated_at = world.later()
    updated = await world.admin.update(ADA, rule.id, {"percent": "7.5", "priority": 3})
    deleted_at = world.later()
    deleted = await world.admin.delete(ADA, rule.id)

    history = await world.admin.history(ADA, rule.id)

    assert [entry.action for entry in history] == ["create", "update", "delete"]
    assert [entry.at for entry in history] == [created_at, updated_at, deleted_at]
    for entry in history:
        assert (entry.tenant_id, entry.subject, entry.subject_id) == (
            "acme",
            "margin-rule",
            rule.id,
        )
        assert entry.actor == "user-ada"
    create, update, delete = history
    assert create.before is None
    assert create.after_fields() == rule_fields(rule)
    assert update.before_fields() == rule_fields(rule)
    assert update.after_fields() == rule_fields(updated)
    after = update.after_fields()
    assert after is not None
    assert (after["percent"], after["priority"], after["carrier"]) == ("7.5", 3, "BA")
    assert delete.before_fields() == rule_fields(updated)
    assert delete.after is None
    assert deleted == updated
    assert updated.id == rule.id
    assert updated.created_at == rule.created_at


async def test_every_rule_change_bumps_the_version(world: World) -> None:
    assert await rule_version(world) == 0

    rule = await world.admin.create(ADA, {"percent": "5"})
    assert await rule_version(world) == 1
    await world.admin.update(ADA, rule.id, {"percent": "6"})
    assert await rule_version(world) == 2
    await world.admin.delete(ADA, rule.id)
    assert await rule_version(world) == 3

    async with world.database.platform() as uow:
        assert await uow.margin_rule_versions.all() == {"acme": 3}
    assert await rule_version(world, "default") == 0


async def test_a_refused_rule_changes_nothing(world: World) -> None:
    with pytest.raises(InvalidInput) as caught:
        await world.admin.create(ADA, {"percent": "5", "flight_number": "117"})

    assert caught.value.field == "carrier"
    assert await world.admin.all(ADA) == []
    assert await rule_version(world) == 0
    rule = await world.admin.create(ADA, {"percent": "5"})
    with pytest.raises(InvalidInput):
        await world.admin.update(ADA, rule.id, {"cabin": "coach"})
    assert await world.admin.get(ADA, rule.id) == rule
    assert [e.action for e in await world.admin.history(ADA, rule.id)] == ["create"]
    assert await rule_version(world) == 1


async def test_unknown_rules_are_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        await world.admin.get(ADA, "nope")
    with pytest.raises(NotFound):
        await world.admin.update(ADA, "nope", {"percent": "1"})
    with pytest.raises(NotFound):
        await world.admin.delete(ADA, "nope")
    with pytest.raises(NotFound):
        await world.admin.history(ADA, "nope")
    assert await rule_version(world) == 0


async def test_another_tenants_staff_do_not_see_a_rule(world: World) -> None:
    rule = await world.admin.create(ADA, {"percent": "5"})
    outsider = Staff("default", "user-bob")

    with pytest.raises(NotFound):
        await world.admin.get(outsider, rule.id)
    with pytest.raises(NotFound):
        await world.admin.update(outsider, rule.id, {"percent": "50"})
    with pytest.raises(NotFound):
        await world.admin.delete(outsider, rule.id)
    with pytest.raises(NotFound):
        await world.admin.history(outsider, rule.id)
    assert await world.admin.all(outsider) == []
    assert await world.admin.get(ADA, rule.id) == rule


async def test_the_history_of_a_deleted_rule_still_answers(world: World) -> None:
    rule = await world.admin.create(ADA, {"percent": "5"})
    world.later()
    await world.admin.delete(ADA, rule.id)

    with pytest.raises(NotFound):
        await world.admin.get(ADA, rule.id)
    history = await world.admin.history(ADA, rule.id)
    assert [entry.action for entry in history] == ["create", "delete"]
    assert history[-1].before_fields() == rule_fields(rule)


async def test_rules_are_listed_most_specific_first(world: World) -> None:
    default = await world.admin.create(ADA, {"percent": "1"})
    country = await world.admin.create(ADA, {"percent": "2", "country": "GB"})
    flight = await world.admin.create(ADA, {"percent": "3", "carrier": "BA", "flight_number": "1"})
    airline_low = await world.admin.create(ADA, {"percent": "4", "carrier": "BA"})
    airline_high = await world.admin.create(ADA, {"percent": "5", "carrier": "AA", "priority": 9})

    listed = [rule.id for rule in await world.admin.all(ADA)]

    assert listed == [flight.id, airline_high.id, airline_low.id, country.id, default.id]


async def test_the_next_price_in_this_process_uses_the_changed_rule(world: World) -> None:
    buyer = Buyer(ACME)
    before = await world.quotes.quote(buyer, request())
    assert before.margin_rule_id is None
    assert world.books.loaded("acme") is not None  # the empty book is cached now

    rule = await world.admin.create(ADA, {"percent": "10", "carrier": "BA"})
    created = await world.quotes.quote(buyer, request())
    await world.admin.update(ADA, rule.id, {"percent": "20"})
    updated = await world.quotes.quote(buyer, request())
    await world.admin.delete(ADA, rule.id)
    deleted = await world.quotes.quote(buyer, request())

    assert (created.margin_rule_id, created.margin) == (rule.id, eur("40"))
    assert (updated.margin_rule_id, updated.margin) == (rule.id, eur("80"))
    assert (deleted.margin_rule_id, deleted.margin) == (None, eur("0"))


async def test_another_process_keeps_its_book_until_it_polls(world: World) -> None:
    other = MarginBooks(world.database)  # same database, another process's memory
    assert await other.poll() == []  # nothing loaded: nothing to check
    rule = await world.admin.create(ADA, {"percent": "10", "carrier": "BA"})
    old_book = await other.book("acme")
    await other.book("default")
    assert old_book.rule_for(FACTS, START) == rule

    changed = await world.admin.update(ADA, rule.id, {"percent": "20"})

    assert await other.book("acme") is old_book
    assert old_book.rule_for(FACTS, START) == rule
    assert await other.poll() == ["acme"]  # only the tenant whose rules changed
    new_book = await other.book("acme")
    assert new_book is not old_book
    assert new_book.rule_for(FACTS, START) == changed
    assert await other.poll() == []  # up to date: nothing reloaded

    await world.admin.delete(ADA, rule.id)
    assert (await other.book("acme")).rule_for(FACTS, START) == changed
    assert await other.poll() == ["acme"]
    assert (await other.book("acme")).rule_for(FACTS, START) is None


async def test_explain_names_the_winner_and_why_others_lost(world: World) -> None:
    default = await world.admin.create(ADA, {"percent": "1"})
    airline = await world.admin.create(ADA, {"percent": "5", "carrier": "BA"})
    business = await world.admin.create(
        ADA, {"percent": "9", "carrier": "BA", "flight_number": "117", "cabin": "business"}
    )

    explanation = await world.admin.explain(ADA, FACTS, START)

    assert explanation.chosen == airline
    reasons = dict((rule.id, why) for rule, why in explanation.considered)
    assert reasons == {
        business.id: "only for cabin business",
        airline.id: "chosen: airline rule",
        default.id: f"applies, but the airline rule {airline.id} is more specific",
    }


async def test_explain_with_no_rule_chooses_none(world: World) -> None:
    explanation = await world.admin.explain(ADA, FACTS, START)

    assert explanation.chosen is None
    assert explanation.considered == ()


# --- coupons -----------------------------------------------------------------------------


async def test_coupon_changes_are_audited(world: World) -> None:
    coupon = await world.coupons.create(ADA, "spring15", {"percent_off": "15"})
    world.later()
    updated = await world.coupons.update(ADA, "Spring15", {"percent_off": "25", "total_uses": 5})
    world.later()
    deleted = await world.coupons.delete(ADA, "SPRING15")

    history = await world.coupons.history(ADA, "spring15")

    assert coupon.code == "SPRING15"
    assert [entry.action for entry in history] == ["create", "update", "delete"]
    assert {(e.actor, e.subject, e.subject_id) for e in history} == {
        ("user-ada", "coupon", "SPRING15")
    }
    assert history[0].before is None
    assert history[0].after_fields() == coupon_fields(coupon)
    assert history[1].before_fields() == coupon_fields(coupon)
    assert history[1].after_fields() == coupon_fields(updated)
    assert history[2].before_fields() == coupon_fields(updated)
    assert history[2].after is None
    assert deleted == updated
    assert updated.percent_off == Decimal("0.25")
    with pytest.raises(NotFound):
        await world.coupons.get(ADA, "spring15")


async def test_a_coupon_code_is_taken_once_whatever_its_case(world: World) -> None:
    await world.coupons.create(ADA, "spring15", {"percent_off": "15"})

    with pytest.raises(Conflict):
        await world.coupons.create(ADA, " SPRING15 ", {"amount_off": "5", "currency": "EUR"})

    assert [e.action for e in await world.coupons.history(ADA, "spring15")] == ["create"]
    stored = await world.coupons.get(ADA, "spring15")
    assert stored.coupon.percent_off == Decimal("0.15")
    # another tenant may use the same code
    other = await world.coupons.create(
        Staff("default", "user-bob"), "spring15", {"percent_off": "5"}
    )
    assert other.tenant_id == "default"


async def test_unknown_coupons_are_not_found(world: World) -> None:
    for call in (
        world.coupons.get(ADA, "NOPE1"),
        world.coupons.update(ADA, "NOPE1", {"percent_off": "5"}),
        world.coupons.delete(ADA, "NOPE1"),
        world.coupons.history(ADA, "NOPE1"),
        world.coupons.for_customer("acme", "NOPE1", None),
        world.coupons.redeem("acme", "NOPE1", CUSTOMER, "b1"),
    ):
        with pytest.raises(NotFound):
            await call


async def test_a_coupon_is_redeemed_until_its_total_uses(world: World) -> None:
    await world.coupons.create(ADA, "twice", {"percent_off": "15", "total_uses": 2})

    await world.coupons.redeem("acme", "twice", "c1", "b1")
    await world.coupons.redeem("acme", "TWICE", "c2", "b2")
    with pytest.raises(Conflict):
        await world.coupons.redeem("acme", "twice", "c3", "b3")

    assert (await world.coupons.get(ADA, "twice")).uses == 2
    assert [(s.coupon.code, s.uses) for s in await world.coupons.all(ADA)] == [("TWICE", 2)]


async def test_redeeming_again_for_the_same_booking_counts_once(world: World) -> None:
    await world.coupons.create(ADA, "once", {"percent_off": "15", "total_uses": 1})

    await world.coupons.redeem("acme", "once", "c1", "b1")
    await world.coupons.redeem("acme", "once", "c1", "b1")

    assert (await world.coupons.get(ADA, "once")).uses == 1


async def test_a_customer_uses_a_coupon_only_as_often_as_allowed(world: World) -> None:
    await world.coupons.create(ADA, "welcome", {"percent_off": "15", "uses_per_customer": 1})

    await world.coupons.redeem("acme", "welcome", "c1", "b1")
    with pytest.raises(Conflict):
        await world.coupons.redeem("acme", "welcome", "c1", "b2")
    await world.coupons.redeem("acme", "welcome", "c2", "b3")

    coupon, use = await world.coupons.for_customer("acme", "welcome", "c1")
    assert coupon.code == "WELCOME"
    assert use == CouponUse(total=2, by_customer=1)
    assert (await world.coupons.for_customer("acme", "welcome", "c9"))[1] == CouponUse(2, 0)
    assert (await world.coupons.for_customer("acme", "welcome", None))[1] == CouponUse(2, 0)


async def test_releasing_gives_the_use_back_once(world: World) -> None:
    await world.coupons.create(
        ADA, "once", {"percent_off": "15", "total_uses": 1, "uses_per_customer": 1}
    )
    await world.coupons.redeem("acme", "once", "c1", "b1")

    assert await world.coupons.release("acme", "once", "b1") is True
    assert await world.coupons.release("acme", "once", "b1") is False
    assert await world.coupons.release("acme", "once", "never") is False
    assert (await world.coupons.get(ADA, "once")).uses == 0
    await world.coupons.redeem("acme", "once", "c1", "b2")  # the customer's use is back too
    assert (await world.coupons.for_customer("acme", "once", "c1"))[1] == CouponUse(1, 1)


async def test_a_coupon_update_keeps_its_uses(world: World) -> None:
    await world.coupons.create(ADA, "keep", {"percent_off": "15", "total_uses": 3})
    await world.coupons.redeem("acme", "keep", "c1", "b1")

    await world.coupons.update(ADA, "keep", {"total_uses": 1})

    assert (await world.coupons.get(ADA, "keep")).uses == 1
    with pytest.raises(Conflict):
        await world.coupons.redeem("acme", "keep", "c2", "b2")


async def test_redeem_in_joins_the_callers_unit_of_work(world: World) -> None:
    await world.coupons.create(ADA, "joint", {"percent_off": "15"})

    async with world.database.for_tenant("acme") as uow:
        await world.coupons.redeem_in(uow, "joint", "c1", "b1")
        await uow.rollback()  # the booking failed: its use is not counted

    assert (await world.coupons.get(ADA, "joint")).uses == 0


# --- loyalty -----------------------------------------------------------------------------


async def test_earning_converts_the_spend_to_usd_for_tiers(world: World) -> None:
    entry = await world.loyalty.earn(ACME, CUSTOMER, eur("100"), "b1")

    assert entry.kind is EntryKind.EARN
    assert entry.spend == usd("108.12")  # 100 EUR at 1.0812, rounded to cents
    assert entry.points == 108  # blue: one point per whole USD
    assert entry.booking_id == "b1"
    assert await world.loyalty.balance("acme", CUSTOMER) == 108


async def test_earning_applies_the_customers_tier_rate(world: World) -> None:
    assert await earn(world, usd("2000"), "b1") == 2000  # blue, and now silver
    assert await earn(world, usd("100"), "b2") == 150  # silver: 1.5 a dollar
    assert await earn(world, usd("3000"), "b3") == 4500  # silver, and now gold
    assert await earn(world, usd("10.99"), "b4") == 21  # gold: 2 a dollar, whole points

    assert await world.loyalty.balance("acme", CUSTOMER) == 2000 + 150 + 4500 + 21


async def test_earning_for_an_unknown_customer_is_refused(world: World) -> None:
    with pytest.raises(NotFound):
        await world.loyalty.earn(ACME, "ghost", usd("10"), "b1")
    assert await world.loyalty.balance("acme", "ghost") == 0


async def test_redeeming_beyond_the_balance_is_refused(world: World) -> None:
    await earn(world, usd("100"), "b1")

    async with world.database.for_tenant("acme") as uow:
        with pytest.raises(InvalidInput) as caught:
            await world.loyalty.redeem_in(uow, CUSTOMER, 101, "b2")
        spent = await world.loyalty.redeem_in(uow, CUSTOMER, 40, "b2")
        await uow.commit()

    assert caught.value.field == "points"
    assert (spent.kind, spent.points, spent.booking_id) == (EntryKind.REDEEM, -40, "b2")
    assert await world.loyalty.balance("acme", CUSTOMER) == 60


async def test_a_refund_is_reversed_once(world: World) -> None:
    await earn(world, usd("100"), "b1")
    await earn(world, usd("50"), "b2")
    async with world.database.for_tenant("acme") as uow:
        await world.loyalty.redeem_in(uow, CUSTOMER, 30, "b1")
        await uow.commit()

    async with world.database.for_tenant("acme") as uow:
        first = await world.loyalty.reverse_in(uow, CUSTOMER, "b1")
        again = await world.loyalty.reverse_in(uow, CUSTOMER, "b1")
        nothing = await world.loyalty.reverse_in(uow, CUSTOMER, "never-booked")
        await uow.commit()

    assert first is not None
    assert (first.kind, first.points) == (EntryKind.REVERSAL, -70)  # +100 earned, -30 spent
    assert again is None
    assert nothing is None
    assert await world.loyalty.balance("acme", CUSTOMER) == 50


async def test_the_summary_pages_newest_first_and_shows_the_next_tier(world: World) -> None:
    spends = ["100", "200", "300", "400", "500"]
    for number, spend in enumerate(spends, start=1):
        await earn(world, usd(spend), f"b{number}")

    first = await world.loyalty.summary(ACME, CUSTOMER, offset=0, limit=2)
    last = await world.loyalty.summary(ACME, CUSTOMER, offset=4, limit=2)

    assert first.programme == "AcmeMiles"
    assert first.balance == 1500
    assert first.balance_usd == Decimal("15.00")
    assert first.spend_12_months == Decimal(1500)
    assert (first.tier.name, first.next_tier.name if first.next_tier else None) == (
        "blue",
        "silver",
    )
    assert [e.booking_id for e in first.entries] == ["b5", "b4"]
    assert first.more is True
    assert [e.booking_id for e in last.entries] == ["b1"]
    assert last.more is False


async def test_the_top_tier_has_no_next_tier(world: World) -> None:
    await earn(world, usd("6000"), "b1")

    summary = await world.loyalty.summary(ACME, CUSTOMER)

    assert summary.tier.name == "gold"
    assert summary.next_tier is None
    assert summary.more is False


async def test_an_empty_ledger_has_an_empty_summary(world: World) -> None:
    summary = await world.loyalty.summary(ACME, "newcomer")

    assert (summary.balance, summary.balance_usd, summary.entries) == (0, Decimal(0), ())
    assert summary.tier.name == "blue"


@pytest.mark.parametrize(("offset", "limit"), [(-1, 10), (0, 0), (0, 101)])
async def test_bad_summary_pages_are_refused(world: World, offset: int, limit: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        await world.loyalty.summary(ACME, CUSTOMER, offset=offset, limit=limit)

    assert caught.value.field == "limit"


# --- quotes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"origin": "XXX"}, "origin"),
        ({"destination": "ZZZ"}, "destination"),
        ({"origin": "XXX", "destination": "ZZZ"}, "origin"),
        ({"coupon": "NOSUCH"}, "coupon"),
        ({"redeem_points": 10}, "redeem_points"),  # an anonymous buyer has no points
        ({"currency": "EURO"}, "currency"),
        ({"currency": "XXX"}, "currency"),
    ],
)
async def test_a_quote_names_the_bad_field(
    world: World, changes: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        await world.quotes.quote(Buyer(ACME), request(**changes))

    assert caught.value.field == field


async def test_points_above_the_balance_are_refused(world: World) -> None:
    await earn(world, usd("100"), "b1")
    buyer = Buyer(ACME, customer_id=CUSTOMER)

    with pytest.raises(InvalidInput) as caught:
        await world.quotes.quote(buyer, request(redeem_points=101))

    assert caught.value.field == "redeem_points"
    assert "100" in caught.value.reason


async def test_a_signed_in_customer_pays_with_points(world: World) -> None:
    await earn(world, usd("1000"), "b1")
    buyer = Buyer(ACME, customer_id=CUSTOMER)

    breakdown = await world.quotes.quote(buyer, request(redeem_points=500))

    assert breakdown.loyalty_points == 500
    assert breakdown.loyalty_value == Money(Decimal("5.00") / USD_PER_EUR, EUR)
    assert breakdown.total == eur("455.38")  # 460 - 4.62
    assert await world.loyalty.balance("acme", CUSTOMER) == 1000  # quoting spends nothing


async def test_the_currency_defaults_to_the_buyers_then_the_tenants(world: World) -> None:
    tenant_default = await world.quotes.quote(Buyer(ACME), request())
    preferred = await world.quotes.quote(Buyer(ACME, preferred_currency="usd"), request())
    asked = await world.quotes.quote(Buyer(ACME, preferred_currency="USD"), request(currency="jpy"))
    pounds = await world.quotes.quote(Buyer(attrs.evolve(ACME, default_currency="GBP")), request())

    assert tenant_default.conversion is None
    assert tenant_default.total == eur("460.00")
    assert preferred.total.currency == USD
    assert preferred.total == usd("497.35")  # 460 x 1.0812
    assert asked.total.currency == JPY
    assert pounds.total.currency == GBP


async def test_the_tenants_exchange_spread_is_applied(world: World) -> None:
    tenant = attrs.evolve(ACME, exchange_spread=Decimal("0.02"))

    breakdown = await world.quotes.quote(Buyer(tenant, preferred_currency="USD"), request())

    assert breakdown.conversion is not None
    assert breakdown.conversion.spread == Decimal("0.02")
    assert breakdown.conversion.mid_rate == USD_PER_EUR
    assert breakdown.conversion.applied_rate == USD_PER_EUR * Decimal("1.02")
    assert breakdown.total == Money(Decimal(460) * USD_PER_EUR * Decimal("1.02"), USD).rounded()


async def test_a_country_rule_applies_through_the_airports_countries(world: World) -> None:
    into_us = await world.admin.create(
        ADA, {"percent": "10", "country": "us", "country_side": "destination"}
    )
    from_gb = await world.admin.create(
        ADA, {"percent": "3", "country": "GB", "country_side": "origin", "priority": -1}
    )

    to_new_york = await world.quotes.quote(Buyer(ACME), request())
    to_paris = await world.quotes.quote(Buyer(ACME), request(destination="CDG"))
    from_paris = await world.quotes.quote(Buyer(ACME), request(origin="CDG", destination="MAN"))

    assert (to_new_york.margin_rule_id, to_new_york.margin) == (into_us.id, eur("40"))
    assert (to_paris.margin_rule_id, to_paris.margin) == (from_gb.id, eur("12"))
    assert (from_paris.margin_rule_id, from_paris.margin) == (None, eur("0"))


async def test_a_quote_counts_the_customers_coupon_uses(world: World) -> None:
    await world.admin.create(ADA, {"percent": "10"})
    await world.coupons.create(ADA, "welcome", {"percent_off": "5", "uses_per_customer": 1})
    await world.coupons.redeem("acme", "welcome", CUSTOMER, "b1")

    used = await world.quotes.quote(Buyer(ACME, customer_id=CUSTOMER), request(coupon="welcome"))
    fresh = await world.quotes.quote(Buyer(ACME, customer_id="cust-2"), request(coupon="welcome"))

    assert used.coupon_refused == "already used as often as allowed"
    assert used.coupon_discount == eur("0")
    assert fresh.coupon_refused is None
    assert fresh.coupon_code == "WELCOME"
    assert fresh.coupon_discount == eur("25.00")  # 5% of 460 + 40


async def test_a_fully_used_coupon_is_refused_in_a_quote(world: World) -> None:
    await world.admin.create(ADA, {"percent": "10"})
    await world.coupons.create(
        ADA, "single", {"amount_off": "10", "currency": "USD", "total_uses": 1}
    )
    anonymous = await world.quotes.quote(Buyer(ACME), request(coupon="single"))
    await world.coupons.redeem("acme", "single", "cust-2", "b1")

    after = await world.quotes.quote(Buyer(ACME), request(coupon="single"))

    assert anonymous.coupon_refused is None
    assert anonymous.coupon_discount == Money(Decimal(10) * (Decimal(1) / USD_PER_EUR), EUR)
    assert after.coupon_refused == "fully used"
