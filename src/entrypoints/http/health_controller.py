"""Liveness (``/health``) and readiness (``/ready``)."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency

from entrypoints.http.problems import ProblemError, problem_responses
from entrypoints.http.route_pages import RoutePages
from entrypoints.http.wire import HealthOut


@get(
    "/health",
    tags=["operations"],
    summary="Liveness: the process answers",
    responses=problem_responses(400),
)
async def health() -> HealthOut:
    """Always ok while the process serves requests."""
    return HealthOut("ok")


@get(
    "/ready",
    tags=["operations"],
    summary="Readiness: the routes have been aggregated at least once",
    description="503 problem+json until the first refresh of the providers has finished.",
    responses=problem_responses(400, 503),
)
async def ready(route_pages: NamedDependency[RoutePages]) -> HealthOut:
    """Ready once the first aggregation finished (even a partial one)."""
    snapshot = route_pages.catalogue.latest
    if snapshot is None:
        raise ProblemError(503, "not-ready", "Not ready", "The providers are still being fetched.")
    return HealthOut("ready", routes=len(snapshot.routes))
