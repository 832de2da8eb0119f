"""GET /routes and GET /routes/status over in-memory providers."""

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient, TestClient

from adapters.route_feeds.in_memory_feed import InMemoryRouteFeed
from conftest import fake_container, route
from entrypoints.http.app import create_app
from funflights_core.route_catalogue import RouteCatalogue


def get(app: Litestar, path: str, **params: Any) -> Any:
    with TestClient(app) as client:
        return client.get(path, params=params)


def test_routes_are_merged_with_the_feed_field_names_plus_providers(app: Litestar) -> None:
    response = get(app, "/routes")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == [
        {
            "airline": "AA",
            "sourceAirport": "JFK",
            "destinationAirport": "LAX",
            "codeShare": "Y",
            "stops": 0,
            "equipment": "321",
            "providers": ["flights1"],
        },
        {
            "airline": "AA",
            "sourceAirport": "JFK",
            "destinationAirport": "LAX",
            "codeShare": "",
            "stops": 1,
            "equipment": "321",
            "providers": ["flights1"],
        },
        {
            "airline": "B6",
            "sourceAirport": "JFK",
            "destinationAirport": "BOS",
            "codeShare": "",
            "stops": 0,
            "equipment": "E90",
            "providers": ["flights2"],
        },
        {
            "airline": "BA",
            "sourceAirport": "LHR",
            "destinationAirport": "JFK",
            "codeShare": "",
            "stops": 0,
            "equipment": "744 777 380",
            "providers": ["flights1", "flights2"],
        },
        {
            "airline": "DL",
            "sourceAirport": "ATL",
            "destinationAirport": "LAX",
            "codeShare": "",
            "stops": 0,
            "equipment": "",
            "providers": ["flights1"],
        },
    ]
    assert response.headers["x-routes-status"] == "complete"
    assert response.headers["x-total-count"] == "5"
    assert "x-routes-failed-providers" not in response.headers
    assert response.headers["x-routes-refreshed-at"].startswith("2026-01-01T00:00:00")


def test_filters_and_pages(app: Litestar) -> None:
    response = get(app, "/routes", source="jfk", max_stops=0, limit=1, offset=1)
    assert response.status_code == 200
    assert [(r["airline"], r["destinationAirport"]) for r in response.json()] == [("B6", "BOS")]
    assert response.headers["x-total-count"] == "2"
    assert get(app, "/routes", airline="AA", destination="LAX").headers["x-total-count"] == "2"
    assert get(app, "/routes", source="XXX").json() == []


def test_one_failing_provider_gives_partial_results_that_name_it(
    feeds: dict[str, InMemoryRouteFeed],
) -> None:
    feeds["flights2"].fail_with("connection failed (ConnectError) (3 attempts)")
    app = create_app(fake_container(feeds), refresh_in_background=False)
    with TestClient(app) as client:
        response = client.get("/routes")
        status = client.get("/routes/status").json()
    assert response.status_code == 200
    assert response.headers["x-routes-status"] == "partial"
    assert response.headers["x-routes-failed-providers"] == "flights2"
    assert {r["airline"] for r in response.json()} == {"AA", "BA", "DL"}
    assert status["status"] == "partial"
    failed = [p for p in status["providers"] if not p["ok"]]
    assert failed == [
        {
            "name": "flights2",
            "priority": 2,
            "ok": False,
            "records": 0,
            "dropped": 0,
            "droppedByReason": {},
            "error": "connection failed (ConnectError) (3 attempts)",
            "latencyMs": 0.0,
            "circuit": "closed",
        }
    ]


def test_all_failing_gives_an_empty_flagged_list(feeds: dict[str, InMemoryRouteFeed]) -> None:
    for feed in feeds.values():
        feed.fail_with("HTTP 503 from provider (3 attempts)")
    response = get(create_app(fake_container(feeds), refresh_in_background=False), "/routes")
    assert response.status_code == 200
    assert response.json() == []
    assert response.headers["x-routes-status"] == "unavailable"
    assert response.headers["x-routes-failed-providers"] == "flights1,flights2"


def test_status_counts_records_and_dropped_records(app: Litestar) -> None:
    with TestClient(app) as client:
        assert client.get("/routes/status").json()["status"] == "warming-up"
        client.get("/routes")
        status = client.get("/routes/status").json()
    assert status["status"] == "complete"
    assert status["routes"] == 5
    assert status["stale"] is False
    assert [
        (p["name"], p["records"], p["dropped"], p["droppedByReason"]) for p in status["providers"]
    ] == [
        ("flights1", 4, 0, {}),
        ("flights2", 2, 1, {"missing-airline": 1}),
    ]


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"sorce": "JFK"}, "sorce"),
        ({"source": "JFK", "destination": "LAX", "limt": "5", "x": "1"}, "limt, x"),
    ],
)
def test_unknown_query_parameters_are_named_in_a_400(
    app: Litestar, params: dict[str, str], names: str
) -> None:
    response = get(app, "/routes", **params)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "urn:funflights:problem:unknown-parameters"
    assert problem["detail"] == f"Unknown query parameter(s): {names}."
    assert problem["status"] == 400


@pytest.mark.parametrize(
    ("params", "bad"),
    [
        ({"max_stops": "two"}, ["max_stops"]),
        ({"max_stops": "-1"}, ["max_stops"]),
        ({"limit": "0"}, ["limit"]),
        ({"limit": "100001", "offset": "-3"}, ["limit", "offset"]),
        ({"source": ""}, ["source"]),
        ({"airline": "B A"}, ["airline"]),
        ({"destination": "J\u00e9K"}, ["destination"]),
        ({"limit": "1.0"}, ["limit"]),
        ({"limit": "1e3", "offset": "x"}, ["limit", "offset"]),
        ({"max_stops": " 1"}, ["max_stops"]),
    ],
)
def test_bad_values_get_a_400_naming_each_parameter(
    app: Litestar, params: dict[str, str], bad: list[str]
) -> None:
    response = get(app, "/routes", **params)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "urn:funflights:problem:invalid-parameters"
    assert sorted(p["name"] for p in problem["invalid-params"]) == bad


def test_a_repeated_parameter_is_a_400_not_last_one_wins(app: Litestar) -> None:
    with TestClient(app) as client:
        response = client.get("/routes?source=JFK&source=LHR&limit=2")
    assert response.status_code == 400
    problem = response.json()
    assert problem["type"] == "urn:funflights:problem:invalid-parameters"
    assert problem["invalid-params"] == [
        {"name": "source", "reason": "given more than once; give it at most once"}
    ]


async def test_a_refresh_is_visible_in_the_next_response(
    feeds: dict[str, InMemoryRouteFeed],
) -> None:
    container = fake_container(feeds)
    catalogue: RouteCatalogue = container.resolve(RouteCatalogue)
    app = create_app(container, refresh_in_background=False)
    async with AsyncTestClient(app) as client:
        before = (await client.get("/routes", params={"airline": "BA"})).json()
        feeds["flights2"].content = [route("BA", "LHR", "JFK", equipment="388")]
        await catalogue.refresh()
        after = (await client.get("/routes", params={"airline": "BA"})).json()
    assert before[0]["equipment"] == "744 777 380"
    assert after[0]["equipment"] == "744 777 388"
    assert after[0]["codeShare"] == ""
