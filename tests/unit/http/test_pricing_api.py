"""Pricing end to end over HTTP: rules changed at run time, coupons, points, currencies."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from adapters.clocks import ManualClock
from adapters.route_feeds.in_memory_feed import InMemoryRouteFeed
from conftest import FLIGHTS1, fake_container
from entrypoints.bootstrap import PricingParts
from entrypoints.http.app import create_app
from funflights_core.identity import IdentityService
from funflights_core.money import Money
from funflights_core.role import Role
from funflights_core.tenant_admin import TenantAdmin

PASSWORD = "correct horse battery"
RULES = "/api/v1/admin/margin-rules"
COUPONS = "/api/v1/admin/coupons"
Client = TestClient[Litestar]
World = tuple[Client, PricingParts, dict[str, str], TenantAdmin]


@pytest.fixture
def world() -> Iterator[World]:
    clock = ManualClock()
    container = fake_container({"flights1": InMemoryRouteFeed(FLIGHTS1)}, clock=clock)
    identity: IdentityService = container.resolve(IdentityService)
    tenant_admin: TenantAdmin = container.resolve(TenantAdmin)
    pricing: PricingParts = container.resolve(PricingParts)
    with TestClient(create_app(container, refresh_in_background=False)) as client:
        portal = client.blocking_portal
        default = portal.call(tenant_admin.get, None, "default")
        users = {}
        for email, role in (("boss@example.com", Role.TENANT_ADMIN), ("ada@example.com", None)):
            roles = frozenset({role}) if role else frozenset({Role.CUSTOMER})
            user = portal.call(
                lambda e=email, r=roles: identity.add_user(
                    default, email=e, password=PASSWORD, roles=r
                )
            )
            users[email] = user.id
        yield client, pricing, users, tenant_admin


def bearer(client: Client, email: str) -> dict[str, str]:
    tokens = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def quote_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "carrier": "BA",
        "flight_number": "117",
        "origin": "LHR",
        "destination": "JFK",
        "departure": "2026-12-24",
        "currency": "EUR",
        "quotes": [
            {"provider": "duffel", "base_fare": "400.00", "taxes": "80.00", "currency": "EUR"},
            {"provider": "amadeus", "base_fare": "420.00", "taxes": "80.00", "currency": "EUR"},
        ],
    }
    body.update(changes)
    return body


def quote(client: Client, headers: dict[str, str] | None = None, **changes: Any) -> Any:
    response = client.post("/api/v1/pricing/quote", json=quote_body(**changes), headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_rule_changed_at_run_time_prices_the_next_quote(
    world: World,
) -> None:
    client, *_ = world
    staff = bearer(client, "boss@example.com")
    assert quote(client)["margin"] == {"amount": "0.00", "currency": "EUR"}

    created = client.post(RULES, headers=staff, json={"carrier": "BA", "percent": "5"})
    assert created.status_code == 201, created.text
    rule = created.json()
    priced = quote(client)
    assert priced["margin"]["amount"] == "20.00"  # 5% of the cheaper base fare, 400
    assert priced["margin_rule_id"] == rule["id"]
    assert priced["chosen"]["provider"] == "duffel"
    assert [q["provider"] for q in priced["other_quotes"]] == ["amadeus"]
    assert priced["total"] == {"amount": "500.00", "currency": "EUR"}

    patched = client.patch(f"{RULES}/{rule['id']}", headers=staff, json={"percent": "10"})
    assert patched.status_code == 200, patched.text
    assert quote(client)["margin"]["amount"] == "40.00"

    assert client.delete(f"{RULES}/{rule['id']}", headers=staff).status_code == 204
    assert quote(client)["margin"]["amount"] == "0.00"

    history = client.get(f"{RULES}/{rule['id']}/history", headers=staff).json()
    assert [h["action"] for h in history] == ["create", "update", "delete"]
    assert history[1]["before"]["percent"] == "5"
    assert history[1]["after"]["percent"] == "10"
    assert history[2]["after"] is None
    assert {h["actor"] for h in history} == {world[2]["boss@example.com"]}


def test_the_most_specific_rule_wins_and_explain_says_why(
    world: World,
) -> None:
    client, *_ = world
    staff = bearer(client, "boss@example.com")
    for body in (
        {"percent": "2"},
        {"country": "GB", "country_side": "origin", "percent": "3"},
        {"origin": "LHR", "destination": "JFK", "percent": "4"},
        {"carrier": "BA", "flight_number": "117", "fixed_per_passenger": "15", "currency": "USD"},
    ):
        assert client.post(RULES, headers=staff, json=body).status_code == 201

    params = "carrier=BA&flight_number=117&origin=LHR&destination=JFK&departure=2026-12-24"
    explained = client.get(f"{RULES}/explain?{params}", headers=staff).json()
    assert explained["chosen"]["level"] == "flight"
    reasons = [c["reason"] for c in explained["considered"]]
    assert reasons[0] == "chosen: flight rule"
    assert all(r.startswith("applies, but the flight rule") for r in reasons[1:]), reasons
    # 15 USD at the fixed test rate (1 EUR = 1.08 USD) is 13.888... EUR.
    assert quote(client)["margin"]["amount"] == "13.89"

    other_flight = quote(client, flight_number="115")
    assert Decimal(other_flight["margin"]["amount"]) == Decimal("16.00")  # the route rule, 4%
    listed = client.get(RULES, headers=staff).json()
    assert [r["level"] for r in listed] == ["flight", "route", "country", "tenant_default"]


def test_a_coupon_discounts_a_quote_or_says_why_not(
    world: World,
) -> None:
    client, *_ = world
    staff = bearer(client, "boss@example.com")
    client.post(RULES, headers=staff, json={"percent": "10"})
    made = client.post(
        COUPONS,
        headers=staff,
        json={"code": "winter25", "amount_off": "25", "currency": "EUR", "minimum_spend": "300"},
    )
    assert made.status_code == 201, made.text
    assert made.json()["code"] == "WINTER25"

    priced = quote(client, coupon="Winter25")
    assert priced["coupons"] == [
        {
            "code": "WINTER25",
            "discount": {"amount": "25.00", "currency": "EUR"},
            "refused": None,
            "capped_at_margin": False,
        }
    ]
    assert priced["total"]["amount"] == "495.00"  # 400 + 80 + 40 - 25

    cheap = quote(
        client,
        coupon="WINTER25",
        quotes=[{"provider": "p", "base_fare": "150", "taxes": "20", "currency": "EUR"}],
    )
    assert cheap["coupons"][0]["refused"] == "needs a spend of at least 300.00 EUR"
    assert cheap["coupons"][0]["discount"]["amount"] == "0.00"

    client.post(COUPONS, headers=staff, json={"code": "HALF", "percent_off": "50"})
    capped = quote(client, coupon="HALF")
    assert capped["coupons"][0]["capped_at_margin"] is True
    assert capped["coupons"][0]["discount"] == capped["margin"]  # never below the cost
    assert capped["total"]["amount"] == "480.00"

    unknown = client.post("/api/v1/pricing/quote", json=quote_body(coupon="NOPE1"))
    assert unknown.status_code == 422
    assert unknown.json()["invalid-params"][0]["name"] == "coupon"

    assert (
        client.post(
            COUPONS, headers=staff, json={"code": "WINTER25", "percent_off": "5"}
        ).status_code
        == 409
    )
    expired = client.post(
        COUPONS,
        headers=staff,
        json={"code": "OLD", "percent_off": "5", "valid_until": "2025-06-01T00:00:00Z"},
    )
    assert expired.status_code == 422
    assert expired.json()["invalid-params"][0]["name"] == "valid_until"
    patched = client.patch(f"{COUPONS}/winter25", headers=staff, json={"minimum_spend": None})
    assert patched.json()["minimum_spend"] is None
    assert [
        h["action"] for h in client.get(f"{COUPONS}/WINTER25/history", headers=staff).json()
    ] == [
        "create",
        "update",
    ]


def test_coupons_combine_only_when_each_allows_it_and_a_funded_one_goes_below_cost(
    world: World,
) -> None:
    client, *_ = world
    staff = bearer(client, "boss@example.com")
    client.post(RULES, headers=staff, json={"percent": "10"})  # margin 40 on a 400 fare
    for body in (
        {"code": "TEN", "amount_off": "10", "currency": "EUR", "combinable": True},
        {"code": "FIVE", "amount_off": "5", "currency": "EUR", "combinable": True},
        {"code": "SOLO", "amount_off": "20", "currency": "EUR"},
        {"code": "LAUNCH", "amount_off": "100", "currency": "EUR", "below_cost_allowed": True},
    ):
        assert client.post(COUPONS, headers=staff, json=body).status_code == 201

    both = quote(client, coupons=["TEN", "five"])
    assert [(c["code"], c["discount"]["amount"]) for c in both["coupons"]] == [
        ("TEN", "10.00"),
        ("FIVE", "5.00"),
    ]
    assert both["total"]["amount"] == "505.00"  # 400 + 80 + 40 - 15

    solo = quote(client, coupon="TEN", coupons=["SOLO"])
    assert solo["coupons"][1]["refused"] == "cannot be combined with another coupon"
    assert solo["total"]["amount"] == "510.00"

    funded = quote(client, coupon="LAUNCH")
    assert funded["coupons"][0]["capped_at_margin"] is False
    assert funded["total"]["amount"] == "420.00"  # 60 below the providers' cost of 480

    unknown = client.post("/api/v1/pricing/quote", json=quote_body(coupons=["TEN", "NOPE9"]))
    assert unknown.json()["invalid-params"] == [
        {"name": "coupons", "reason": "there is no coupon NOPE9"}
    ]
    too_many = client.post(
        "/api/v1/pricing/quote", json=quote_body(coupons=["A1A", "B2B", "C3C", "D4D", "E5E", "F6F"])
    )
    assert too_many.status_code == 400


def test_the_total_is_converted_with_the_tenants_spread_and_the_rate_recorded(
    world: World,
) -> None:
    client, *_ = world
    plain = quote(client, currency="USD")
    assert plain["exchange"]["mid_rate"] == "1.08"
    assert plain["exchange"]["source"] == "fixed rates (configuration)"
    assert plain["total"] == {"amount": "518.40", "currency": "USD"}

    boss = bearer(client, "boss@example.com")
    patched = client.patch(
        "/api/v1/tenants/default", headers=boss, json={"exchange_spread": "0.02"}
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["exchange_spread"] == "0.02"
    spread = quote(client, currency="JPY", headers=boss)
    assert spread["exchange"]["spread"] == "0.02"
    assert Decimal(spread["exchange"]["applied_rate"]) == Decimal("160") * Decimal("1.02")
    assert spread["total"] == {"amount": "78336", "currency": "JPY"}  # 480 x 163.2
    assert "." not in spread["total"]["amount"]  # yen have no minor units


def test_a_tenant_admin_sets_and_clears_the_refund_rules(world: World) -> None:
    client, *_ = world
    boss = bearer(client, "boss@example.com")
    rules = [
        {"notice_hours": 24, "percent": "50", "fee": "10"},
        {"notice_hours": 336, "percent": "100"},
    ]
    patched = client.patch("/api/v1/tenants/default", headers=boss, json={"refund_tiers": rules})
    assert patched.status_code == 200, patched.text
    assert patched.json()["refund_tiers"] == [
        {"notice_hours": 336.0, "percent": "100", "fee": "0", "cabin": None},
        {"notice_hours": 24.0, "percent": "50", "fee": "10", "cabin": None},
    ]
    more_for_less = [{"notice_hours": 24, "percent": "100"}, {"notice_hours": 48, "percent": "5"}]
    refused = client.patch(
        "/api/v1/tenants/default", headers=boss, json={"refund_tiers": more_for_less}
    )
    assert refused.status_code == 422
    assert refused.json()["invalid-params"][0]["name"] == "refund_tiers"
    by_fare = [
        {"notice_hours": 168, "percent": "100"},
        {"notice_hours": 24, "percent": "100", "cabin": "business"},
    ]
    patched = client.patch("/api/v1/tenants/default", headers=boss, json={"refund_tiers": by_fare})
    assert patched.status_code == 200, patched.text
    assert [t["cabin"] for t in patched.json()["refund_tiers"]] == [None, "business"]
    coach = [{"notice_hours": 24, "percent": "100", "cabin": "coach"}]
    refused = client.patch("/api/v1/tenants/default", headers=boss, json={"refund_tiers": coach})
    assert refused.status_code == 400, refused.text
    cleared = client.patch("/api/v1/tenants/default", headers=boss, json={"refund_tiers": []})
    assert cleared.json()["refund_tiers"] is None


def test_reference_data_currencies_and_rates(
    world: World,
) -> None:
    client, *_ = world
    currencies = {c["code"]: c for c in client.get("/api/v1/currencies").json()}
    assert currencies["JPY"]["minor_units"] == 0
    assert currencies["KWD"]["minor_units"] == 3
    assert currencies["CHF"]["cash_increment"] == "0.05"

    rates = client.get("/api/v1/fx/rates", params={"base": "usd"}).json()
    assert rates["base"] == "USD"
    assert Decimal(rates["rates"]["EUR"]) * Decimal("1.08") == pytest.approx(Decimal(1))
    assert "USD" not in rates["rates"]

    for bad in ("XXY", "AED"):  # not a currency; a currency the rates do not cover
        refused = client.get("/api/v1/fx/rates", params={"base": bad})
        assert refused.status_code == 422
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["invalid-params"][0]["name"] == "base"


def test_loyalty_points_pay_part_of_a_price_and_show_in_the_account(
    world: World,
) -> None:
    client, pricing, users, tenants = world
    ada = bearer(client, "ada@example.com")
    portal = client.blocking_portal
    tenant = portal.call(tenants.get, None, "default")
    portal.call(
        pricing.loyalty.earn,
        tenant,
        users["ada@example.com"],
        Money.of("2500", pricing.currencies.currency("USD")),
        "booking-1",
    )

    account = client.get("/api/v1/loyalty/me", headers=ada).json()
    assert account["balance"] == 2500  # blue tier: 1 point per USD
    assert account["tier"]["name"] == "silver"  # 2,500 USD in 12 months
    assert account["next_tier"]["name"] == "gold"
    assert account["entries"][0]["booking_id"] == "booking-1"
    exported = client.get("/api/v1/users/me/export", headers=ada).json()
    assert [(e["points"], e["booking_id"]) for e in exported["loyalty_ledger"]] == [
        (2500, "booking-1")
    ]

    priced = quote(client, headers=ada, redeem_points=1000, currency="EUR")
    # 1,000 points at the default tenant's point value, converted from USD at 1.08.
    value = Decimal(priced["loyalty"]["value"]["amount"])
    assert priced["loyalty"]["points"] == 1000
    assert value > 0
    assert Decimal(priced["total"]["amount"]) == Decimal("480.00") - value

    too_many = client.post(
        "/api/v1/pricing/quote", json=quote_body(redeem_points=99_999), headers=ada
    )
    assert too_many.status_code == 422
    anonymous = client.post("/api/v1/pricing/quote", json=quote_body(redeem_points=10))
    assert anonymous.status_code == 422
    assert client.get("/api/v1/loyalty/me").status_code == 401


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"origin": "QQQ"}, "origin"),
        ({"currency": "XYZ"}, "currency"),
        ({"passengers": 0}, "passengers"),
        (
            {"quotes": [{"provider": "p", "base_fare": "-1", "taxes": "0", "currency": "EUR"}]},
            "base_fare",
        ),
        ({"quotes": []}, "quotes"),
        ({"cabin": "steerage"}, "cabin"),
        ({"departure": "2025-12-31"}, "departure"),
        ({"currency": "AED"}, "currency"),
        ({"surprise": True}, "surprise"),
    ],
)
def test_bad_quote_requests_are_clear_4xx_problems(
    world: World, changes: dict[str, Any], field: str
) -> None:
    client, *_ = world
    response = client.post("/api/v1/pricing/quote", json=quote_body(**changes))

    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in response.text


def test_bad_margin_rules_are_refused_and_change_nothing(
    world: World,
) -> None:
    client, *_ = world
    staff = bearer(client, "boss@example.com")
    for body, field in (
        ({"flight_number": "117", "percent": "5"}, "carrier"),
        ({"origin": "LHR", "percent": "5"}, "destination"),
        ({"fixed_per_passenger": "5"}, "currency"),
        ({"minimum": "10", "maximum": "5", "currency": "EUR"}, "maximum"),
        ({"percent": "abc"}, "percent"),
        (
            {"valid_from": "2026-12-01T00:00:00Z", "valid_until": "2026-11-01T00:00:00Z"},
            "valid_until",
        ),
    ):
        refused = client.post(RULES, headers=staff, json=body)
        assert refused.status_code in (400, 422), (body, refused.text)
        assert field in refused.text
    assert client.get(RULES, headers=staff).json() == []
    assert client.patch(f"{RULES}/nope", headers=staff, json={"percent": "1"}).status_code == 404


def test_guessing_coupon_codes_is_limited(world: World) -> None:
    client, *_ = world
    for n in range(10):
        guess = client.post("/api/v1/pricing/quote", json=quote_body(coupon=f"GUESS{n}"))
        assert guess.status_code == 422

    blocked = client.post("/api/v1/pricing/quote", json=quote_body(coupon="GUESS99"))
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert quote(client)["coupons"] == []  # quotes without coupons still answer


def test_huge_or_naive_values_are_4xx_not_500(world: World) -> None:
    client, *_ = world
    staff = bearer(client, "boss@example.com")
    assert (
        client.post(
            RULES, headers=staff, json={"percent": "5", "valid_from": "2026-01-01T00:00:00Z"}
        ).status_code
        == 201
    )
    params = "carrier=BA&flight_number=117&origin=LHR&destination=JFK&departure=2026-12-24"
    naive = client.get(f"{RULES}/explain?{params}&at=2027-01-01T00:00:00", headers=staff)
    assert naive.status_code == 422
    assert naive.json()["invalid-params"][0]["name"] == "at"
    huge = client.post(
        COUPONS, headers=staff, json={"code": "HUGE", "percent_off": "5", "total_uses": 10**12}
    )
    assert huge.status_code in (400, 422)
    tiers = client.patch(
        "/api/v1/tenants/default",
        headers=staff,
        json={"loyalty_tiers": [{"name": "x", "min_spend_usd": "0", "points_per_usd": "1E+999"}]},
    )
    assert tiers.status_code == 422
