"""Schemathesis fuzzes every operation of the app's own OpenAPI: no 5xx, responses conform."""

import schemathesis
from hypothesis import HealthCheck, settings

from adapters.route_feeds.in_memory_feed import InMemoryRouteFeed
from conftest import FLIGHTS1, FLIGHTS2, fake_container
from entrypoints.http.app import create_app

app = create_app(
    fake_container(
        {"flights1": InMemoryRouteFeed(FLIGHTS1), "flights2": InMemoryRouteFeed(FLIGHTS2)}
    ),
    refresh_in_background=False,
)
schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_conforms_to_its_schema(case: schemathesis.Case) -> None:
    case.call_and_validate()
