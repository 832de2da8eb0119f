"""Health, readiness, errors, OpenAPI and the demo feeds."""

import logging

import msgspec
from litestar import Litestar
from litestar.testing import TestClient

from adapters.clocks import ManualClock
from adapters.route_feeds.in_memory_feed import InMemoryRouteFeed
from conftest import fake_container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from funflights_core.route_catalogue import RouteCatalogue
from funflights_core.route_snapshot import RouteSnapshot


def test_health_is_always_ok(app: Litestar) -> None:
    with TestClient(app) as client:
        response = client.get("/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_ready_only_after_the_first_refresh(app: Litestar) -> None:
    with TestClient(app) as client:
        before = client.get("/ready")
        client.get("/routes")
        after = client.get("/ready")
    assert before.status_code == 503
    assert before.headers["content-type"] == "application/problem+json"
    assert before.json()["type"] == "urn:funflights:problem:not-ready"
    assert (after.status_code, after.json()) == (200, {"status": "ready", "routes": 5})


def test_background_refresher_warms_the_catalogue(feeds: dict[str, InMemoryRouteFeed]) -> None:
    container = fake_container(feeds)
    app = create_app(container, refresh_in_background=True)
    catalogue: RouteCatalogue = container.resolve(RouteCatalogue)
    with TestClient(app) as client:
        for _ in range(200):
            if catalogue.latest is not None:
                break
            client.get("/health")
        assert client.get("/ready").status_code == 200
    assert feeds["flights1"].calls == 1, "readers did not trigger a second fetch"


def test_unknown_path_and_wrong_method_are_problems(app: Litestar) -> None:
    with TestClient(app) as client:
        missing = client.get("/nowhere")
        wrong = client.delete("/routes")
    assert missing.status_code == 404
    assert missing.json()["type"] == "urn:funflights:problem:not-found"
    assert wrong.status_code == 405
    assert wrong.headers["content-type"] == "application/problem+json"
    assert "GET" in wrong.headers["allow"]


class ExplodingCatalogue(RouteCatalogue):
    async def current(self) -> RouteSnapshot:
        raise RuntimeError("database password is hunter2")


class Collected(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_unexpected_errors_are_a_500_problem_without_details(
    feeds: dict[str, InMemoryRouteFeed],
) -> None:
    collected = Collected()
    logging.getLogger("entrypoints.http.problems").addHandler(collected)
    container = fake_container(feeds)
    container.register(
        RouteCatalogue, instance=ExplodingCatalogue([], clock=ManualClock(), max_age_s=1)
    )
    with TestClient(create_app(container, refresh_in_background=False)) as client:
        response = client.get("/routes")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "urn:funflights:problem:internal-error"
    assert "hunter2" not in response.text
    assert "Traceback" not in response.text
    logging.getLogger("entrypoints.http.problems").removeHandler(collected)
    assert collected.messages == ["unhandled error on GET /routes"]


def test_openapi_documents_routes_filters_and_headers(app: Litestar) -> None:
    with TestClient(app) as client:
        schema = client.get("/schema/openapi.json").json()
    operation = schema["paths"]["/routes"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {
        "airline",
        "source",
        "destination",
        "max_stops",
        "limit",
        "offset",
    }
    assert {"X-Routes-Status", "X-Routes-Failed-Providers", "X-Total-Count"} <= set(
        operation["responses"]["200"]["headers"]
    )
    assert "/demo/provider/{feed}" not in schema["paths"]


def test_demo_feeds_are_served_only_in_demo_mode(feeds: dict[str, InMemoryRouteFeed]) -> None:
    plain = create_app(fake_container(feeds), refresh_in_background=False)
    demo = create_app(
        fake_container(feeds, settings=Settings(demo=True)), refresh_in_background=False
    )
    with TestClient(plain) as client:
        assert client.get("/demo/provider/flights1").status_code == 404
    with TestClient(demo) as client:
        body = client.get("/demo/provider/flights1")
        missing = client.get("/demo/provider/flights9")
    assert body.status_code == 200
    records = msgspec.json.decode(body.content)
    assert len(records) == 45109
    assert set(records[0]) == {
        "airline",
        "sourceAirport",
        "destinationAirport",
        "codeShare",
        "stops",
        "equipment",
    }
    assert missing.status_code == 404
    assert missing.json()["type"] == "urn:funflights:problem:not-found"
