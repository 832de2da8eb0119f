"""Flight search over HTTP: results, local times, filters, facets, pages, slices, details."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from adapters.clocks import ManualClock
from adapters.money.babel_currencies import BabelCurrencies
from adapters.route_feeds.in_memory_feed import InMemoryRouteFeed
from conftest import FLIGHTS1, fake_container
from entrypoints.bootstrap import InventoryParts, PricingParts
from entrypoints.http.app import create_app
from funflights_core.flight import Cabin, CabinClass, Fare, Flight, Leg, flight_id
from funflights_core.identity import IdentityService
from funflights_core.money import Money
from funflights_core.role import Role
from funflights_core.staff import operator
from funflights_core.tenant_admin import TenantAdmin

EUR = BabelCurrencies().currency("EUR")
DAY = date(2026, 6, 1)
SEARCH = "/api/v1/flights/search"
Client = TestClient[Litestar]
PASSWORD = "correct horse battery"


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def flight(
    carrier: str,
    number: str,
    origin: str,
    destination: str,
    departs: datetime,
    hours: float,
    fare: str = "400",
    seats: int = 100,
) -> Flight:
    return Flight(
        id=flight_id(carrier, number, origin, departs.date()),
        marketing_carrier=carrier,
        flight_number=number,
        operating_carrier=carrier,
        aircraft="388",
        legs=(Leg(origin, destination, departs, departs + timedelta(hours=hours)),),
        cabins=(Cabin(CabinClass.ECONOMY, 200, seats),),
        fares=(Fare("p1", CabinClass.ECONOMY, Money.of(fare, EUR), Money.of(80, EUR)),),
    )


SCHEDULE = [
    flight("BA", "117", "LHR", "JFK", at(10), 8),
    flight("AA", "101", "LGW", "JFK", at(12), 8.5, fare="300", seats=3),
    flight("EI", "154", "LHR", "DUB", at(7), 1.25, fare="60"),
    flight("EI", "105", "DUB", "JFK", at(10), 7.5, fare="250"),
    flight("BA", "112", "JFK", "LHR", at(22, day=date(2026, 6, 8)), 7),
]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def pricing() -> list[PricingParts]:
    return []


@pytest.fixture
def customers() -> dict[str, str]:
    """Access tokens of the customers the client fixture signs up, by email."""
    return {}


@pytest.fixture
def client(
    clock: ManualClock, pricing: list[PricingParts], customers: dict[str, str]
) -> Iterator[Client]:
    container = fake_container({"flights1": InMemoryRouteFeed(FLIGHTS1)}, clock=clock)
    inventory: InventoryParts = container.resolve(InventoryParts)
    identity: IdentityService = container.resolve(IdentityService)
    tenants: TenantAdmin = container.resolve(TenantAdmin)
    pricing.append(container.resolve(PricingParts))
    with TestClient(create_app(container, refresh_in_background=False)) as test_client:
        portal = test_client.blocking_portal
        portal.call(inventory.flights.upsert, SCHEDULE)
        default = portal.call(tenants.get, None, "default")
        for email in ("ada@example.com", "bob@example.com"):
            portal.call(
                lambda e=email: identity.add_user(
                    default, email=e, password=PASSWORD, roles=frozenset({Role.CUSTOMER})
                )
            )
            tokens = test_client.post(
                "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
            ).json()
            customers[email] = tokens["access_token"]
        yield test_client


def search(client: Client, **params: Any) -> Any:
    query = {"origin": "LON", "destination": "NYC", "date": "2026-06-01", **params}
    response = client.get(SEARCH, params=query)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_city_search_shows_priced_results_in_local_time(client: Client) -> None:
    found = search(client)["slices"][0]

    assert [r["id"] for r in found["results"]] == [
        "BA117-LHR-20260601",
        "AA101-LGW-20260601",
        "EI154-LHR-20260601+EI105-DUB-20260601",
    ]
    first = found["results"][0]
    assert first["price"] == {"amount": "480.00", "currency": "EUR"}
    ba = first["flights"][0]
    assert ba["marketing_carrier_name"] == "British Airways"
    assert ba["departs_local"] == "2026-06-01T11:00:00+01:00"  # London in summer
    assert ba["arrives_local"] == "2026-06-01T14:00:00-04:00"  # New York in summer
    assert ba["duration_minutes"] == 480
    assert first["rating"] == {"average": None, "count": 0}
    assert first["seats_left"] is None
    assert found["results"][1]["seats_left"] == 3  # few seats: shown
    assert found["results"][2]["stops"] == 1
    assert found["facets"]["airlines"] == {"AA": 1, "BA": 1, "EI": 1}
    assert found["facets"]["stops"] == {"0": 2, "1": 1}
    assert found["total"] == 3


def test_filters_sort_and_pages(client: Client) -> None:
    cheapest = search(client, sort="cheapest")["slices"][0]["results"]
    direct = search(client, max_stops=0, exclude_airlines="aa")["slices"][0]
    paged = search(client, limit=2)["slices"][0]
    rest = search(client, limit=2, cursor=paged["next_cursor"])["slices"][0]
    morning = search(client, depart_before="10:30")["slices"][0]["results"]

    assert cheapest[0]["id"].startswith("AA101")
    assert [r["id"] for r in direct["results"]] == ["BA117-LHR-20260601"]
    assert direct["facets"]["airlines"] == {"BA": 1}
    assert len(paged["results"]) == 2
    assert [r["id"][:5] for r in rest["results"]] == ["EI154"]
    assert rest["next_cursor"] is None
    assert [r["id"][:5] for r in morning] == ["EI154"]  # 08:00 local


def test_a_return_search_has_two_slices_and_prices_follow_the_currency(client: Client) -> None:
    found = search(client, return_date="2026-06-08", currency="USD", adults=2)

    outbound, back = found["slices"]
    assert (back["origin"], back["destination"], back["date"]) == ("NYC", "LON", "2026-06-08")
    assert [r["id"] for r in back["results"]] == ["BA112-JFK-20260608"]
    assert outbound["currency"] == "USD"
    assert outbound["results"][0]["price"]["currency"] == "USD"


def test_a_multi_city_search_prices_each_slice(client: Client) -> None:
    response = client.post(
        SEARCH,
        json={
            "slices": [
                {"origin": "LHR", "destination": "DUB", "date": "2026-06-01"},
                {"origin": "DUB", "destination": "JFK", "date": "2026-06-01"},
            ],
            "filters": {"max_stops": 0},
        },
    )

    assert response.status_code == 200, response.text
    first, second = response.json()["slices"]
    assert [r["id"] for r in first["results"]] == ["EI154-LHR-20260601"]
    assert [r["id"] for r in second["results"]] == ["EI105-DUB-20260601"]


def test_one_flight_and_a_missing_one(client: Client) -> None:
    found = client.get("/api/v1/flights/BA117-LHR-20260601")
    missing = client.get("/api/v1/flights/XX1-LHR-20260601")

    assert found.status_code == 200
    assert found.json()["aircraft_name"] is not None
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"origin": "QQQ"}, 422, "origin"),
        ({"destination": "LON"}, 422, "destination"),
        ({"depart_after": "25:00"}, 422, "depart_after"),
        ({"min_price": "cheap"}, 422, "min_price"),
        ({"return_date": "2026-05-01"}, 422, "return_date"),
        ({"cursor": "garbage"}, 422, "cursor"),
        ({"adults": "0"}, 400, "adults"),
        ({"infants": "2"}, 422, "infants"),
        ({"currency": "XYZ"}, 422, "currency"),
        ({"cabin": "steerage"}, 400, "cabin"),
        ({"depart_after": "0630Z"}, 422, "depart_after"),
        ({"date": "9999-12-31"}, 422, "date"),
        ({"cursor": "WyJiZXN0IiwgIjEiLCAiTmFOIiwgIngiXQ"}, 422, "cursor"),
        ({"surprise": "1"}, 400, "surprise"),
    ],
)
def test_bad_searches_are_clear_problems(
    client: Client, params: dict[str, str], status: int, field: str
) -> None:
    query = {"origin": "LON", "destination": "NYC", "date": "2026-06-01", **params}
    response = client.get(SEARCH, params=query)

    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in response.text


def test_an_offer_holds_a_price_until_it_expires(client: Client, clock: ManualClock) -> None:
    made = client.post(
        "/api/v1/offers",
        json={"flight_ids": ["EI154-LHR-20260601", "EI105-DUB-20260601"], "adults": 2},
    )
    assert made.status_code == 201, made.text
    offer = made.json()
    assert offer["total"] == {"amount": "940.00", "currency": "EUR"}  # (60+80+250+80) x 2
    assert [line["provider"] for line in offer["lines"]] == ["p1", "p1"]

    assert client.get(f"/api/v1/offers/{offer['id']}").json() == offer
    check = client.post(f"/api/v1/offers/{offer['id']}/price").json()
    assert check["status"] == "unchanged"

    clock.advance(20 * 60)
    expired = client.get(f"/api/v1/offers/{offer['id']}")
    assert expired.status_code == 410
    assert expired.json()["type"].endswith("gone")


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"flight_ids": ["XX1-LHR-20260601"]}, 422, "flight_ids"),
        ({"flight_ids": ["EI105-DUB-20260601", "EI154-LHR-20260601"]}, 422, "connect"),
        ({"flight_ids": ["AA101-LGW-20260601"], "adults": 4}, 409, "seats"),
        ({"flight_ids": []}, 400, "flight_ids"),
    ],
)
def test_offers_refuse_what_cannot_be_sold(
    client: Client, body: dict[str, Any], status: int, field: str
) -> None:
    response = client.post("/api/v1/offers", json=body)

    assert response.status_code == status, response.text
    assert field in response.text
    assert client.get("/api/v1/offers/nope").status_code == 404


def test_a_margin_change_shows_when_an_offer_is_priced_again(
    client: Client, pricing: list[PricingParts]
) -> None:
    offer = client.post("/api/v1/offers", json={"flight_ids": ["BA117-LHR-20260601"]}).json()
    rules = pricing[0].margin_rules
    client.blocking_portal.call(
        rules.create, operator("default", "test"), {"carrier": "BA", "percent": "10"}
    )

    check = client.post(f"/api/v1/offers/{offer['id']}/price").json()

    assert check["status"] == "changed"
    assert check["old_total"]["amount"] == "480.00"
    assert check["new_total"]["amount"] == "520.00"  # 10% of the 400 fare
    assert client.get(f"/api/v1/offers/{offer['id']}").json()["total"]["amount"] == "520.00"


def test_availability_shows_seats_left_prices_and_a_seat_map(client: Client) -> None:
    response = client.get("/api/v1/flights/AA101-LGW-20260601/availability")

    assert response.status_code == 200, response.text
    (economy,) = response.json()["cabins"]
    assert (economy["cabin"], economy["capacity"], economy["seats_left"]) == ("economy", 200, 3)
    assert economy["price_from"] == {"amount": "380.00", "currency": "EUR"}
    seats = [seat for row in economy["seat_map"] for seat in row["seats"]]
    assert len(seats) == 200
    assert sum(seat["available"] for seat in seats) == 3
    assert economy["seat_map"][0]["seats"][0]["seat"] == "1A"
    assert client.get("/api/v1/flights/nope/availability").status_code == 404


def test_a_flight_leaving_too_soon_is_not_offered(client: Client, clock: ManualClock) -> None:
    clock.advance((at(9, 45) - clock.now()).total_seconds())  # BA117 leaves at 10:00

    refused = client.post("/api/v1/offers", json={"flight_ids": ["BA117-LHR-20260601"]})
    found = search(client, origin="LHR", destination="JFK")

    assert refused.status_code == 409
    assert "too soon" in refused.json()["detail"]
    assert found["slices"][0]["results"] == []


def test_a_customers_offer_is_theirs_alone(client: Client, customers: dict[str, str]) -> None:
    ada, bob = (
        {"Authorization": f"Bearer {customers[name]}"}
        for name in ("ada@example.com", "bob@example.com")
    )
    made = client.post("/api/v1/offers", headers=ada, json={"flight_ids": ["BA117-LHR-20260601"]})
    assert made.status_code == 201, made.text
    offer = made.json()["id"]

    assert client.get(f"/api/v1/offers/{offer}", headers=ada).status_code == 200
    assert client.get(f"/api/v1/offers/{offer}", headers=bob).status_code == 404
    assert client.get(f"/api/v1/offers/{offer}").status_code == 404
    assert client.post(f"/api/v1/offers/{offer}/price", headers=bob).status_code == 404
