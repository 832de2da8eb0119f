"""``GET /routes`` (the aggregated catalogue) and ``GET /routes/status``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar import Controller, MediaType, get
from litestar.datastructures import ResponseHeader
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIHeader, OpenAPIResponse, OpenAPIType, Operation, Schema
from litestar.params import Parameter
from litestar.types import ASGIApp

from entrypoints.http.problems import problem_responses
from entrypoints.http.route_pages import RoutePages
from entrypoints.http.wire import RouteOut, RoutesStatusOut
from funflights_core.api_key import Scope
from funflights_core.route_query import MAX_PAGE_SIZE

_CODE = r"^[A-Za-z0-9_.-]{1,16}$"

ROUTE_HEADERS = [
    ResponseHeader(
        name="X-Routes-Status",
        description="complete (every provider answered), partial (some failed: see "
        "X-Routes-Failed-Providers) or unavailable (none answered; the list is empty).",
        documentation_only=True,
        required=True,
    ),
    ResponseHeader(
        name="X-Routes-Failed-Providers",
        description="Comma-separated names of the providers that failed in the last refresh.",
        documentation_only=True,
        required=False,
    ),
    ResponseHeader(
        name="X-Total-Count",
        description="How many routes match the filters, before limit/offset.",
        documentation_only=True,
        required=True,
    ),
    ResponseHeader(
        name="X-Routes-Refreshed-At",
        description="When the aggregated routes were last refreshed (RFC 3339).",
        documentation_only=True,
        required=True,
    ),
]


@dataclass
class _RoutesOperation(Operation):
    """Documents ROUTE_HEADERS on the 200 answer, which ``responses`` cannot carry."""

    def __post_init__(self) -> None:
        ok = (self.responses or {}).get("200")
        if isinstance(ok, OpenAPIResponse):
            ok.headers = {
                header.name: OpenAPIHeader(
                    schema=Schema(type=OpenAPIType.STRING),
                    description=header.description,
                    required=header.required,
                )
                for header in ROUTE_HEADERS
            }


class RoutesController(Controller):
    """The aggregated route catalogue of every provider."""

    path = "/routes"
    tags = ["routes"]

    @get(
        "/",
        summary="Aggregated routes of every provider",
        description="One object per (airline, source, destination, stops), with the providers' "
        "field names plus `providers`. Filters combine with AND; codes are case-insensitive. "
        "When a provider fails the result is partial and the headers name the failed "
        "providers; when all fail it is an empty list flagged `unavailable`.",
        operation_class=_RoutesOperation,
        # A request with an X-API-Key is metered and needs the key's search scope: checked
        # in the app's before_request hook (a Litestar guard would copy the handler on
        # every request, keys or not).
        opt={"api_key_scope": Scope.SEARCH},
        responses={
            200: ResponseSpec(
                data_container=list[RouteOut],
                description="The matching routes, in key order.",
                media_type=MediaType.JSON,
                generate_examples=False,
            ),
            **problem_responses(400),
        },
    )
    async def list_routes(
        self,
        route_pages: NamedDependency[RoutePages],
        airline: Annotated[
            str | None, Parameter(description="Airline code, e.g. `BA`.", pattern=_CODE)
        ] = None,
        source: Annotated[
            str | None, Parameter(description="Source airport code, e.g. `JFK`.", pattern=_CODE)
        ] = None,
        destination: Annotated[
            str | None, Parameter(description="Destination airport code.", pattern=_CODE)
        ] = None,
        max_stops: Annotated[
            int | None,
            Parameter(
                description="Only routes with at most this many stops.",
                ge=0,
                schema_extra={"minimum": 0},
            ),
        ] = None,
        limit: Annotated[
            int | None,
            Parameter(
                description="Page size (all matching routes when absent).",
                ge=1,
                le=MAX_PAGE_SIZE,
                schema_extra={"minimum": 1, "maximum": MAX_PAGE_SIZE},
            ),
        ] = None,
        offset: Annotated[int, Parameter(description="Routes to skip.", ge=0)] = 0,
    ) -> ASGIApp:
        """The routes matching the filters, in (airline, source, destination, stops) order."""
        # An answer kept from an earlier request is sent as it is (see RoutePageAnswer).
        return await route_pages.answer((airline, source, destination, max_stops, limit, offset))

    @get(
        "/status",
        summary="Provider status of the aggregated routes",
        description="Last refresh time, route count, and per provider: records, dropped "
        "records by reason, error, latency and circuit-breaker state.",
    )
    async def routes_status(self, route_pages: NamedDependency[RoutePages]) -> RoutesStatusOut:
        """Where the aggregated routes came from, and what failed."""
        catalogue = route_pages.catalogue
        return RoutesStatusOut.of(catalogue.latest, stale=catalogue.is_stale())
