"""Wire formats of the HTTP API (msgspec structs), and their mapping from domain objects."""

from __future__ import annotations

from datetime import datetime

import msgspec

from funflights_core.provider_outcome import ProviderOutcome
from funflights_core.route import Route
from funflights_core.route_snapshot import RouteSnapshot


class RouteOut(msgspec.Struct, frozen=True):
    """A route as the provider feeds describe it, plus the providers that offer it."""

    airline: str
    sourceAirport: str  # noqa: N815 - the feeds' field names are the public contract
    destinationAirport: str  # noqa: N815
    codeShare: str  # noqa: N815
    stops: int
    equipment: str
    providers: list[str]

    @classmethod
    def of(cls, route: Route) -> RouteOut:
        """The wire form of a route."""
        return cls(
            route.airline,
            route.source_airport,
            route.destination_airport,
            "Y" if route.code_share else "",
            route.stops,
            route.equipment,
            list(route.providers),
        )


class ProviderStatusOut(msgspec.Struct, frozen=True, rename="camel"):
    """How one provider fared in the last refresh."""

    name: str
    priority: int
    ok: bool
    records: int
    dropped: int
    dropped_by_reason: dict[str, int]
    error: str | None
    latency_ms: float
    circuit: str

    @classmethod
    def of(cls, outcome: ProviderOutcome) -> ProviderStatusOut:
        """The wire form of a provider outcome."""
        return cls(
            name=outcome.provider,
            priority=outcome.priority,
            ok=outcome.ok,
            records=outcome.records,
            dropped=outcome.dropped_total,
            dropped_by_reason=dict(outcome.dropped),
            error=outcome.error,
            latency_ms=round(outcome.latency_s * 1000, 1),
            circuit=str(outcome.circuit),
        )


class RoutesStatusOut(msgspec.Struct, frozen=True, rename="camel"):
    """The state of the aggregated catalogue."""

    status: str
    routes: int
    refreshed_at: datetime | None
    refresh_duration_ms: float | None
    stale: bool
    providers: list[ProviderStatusOut]

    @classmethod
    def of(cls, snapshot: RouteSnapshot | None, *, stale: bool) -> RoutesStatusOut:
        """The wire form of the latest snapshot (``None``: not warmed up yet)."""
        if snapshot is None:
            return cls("warming-up", 0, None, None, stale, [])
        return cls(
            status=str(snapshot.completeness),
            routes=len(snapshot.routes),
            refreshed_at=snapshot.refreshed_at,
            refresh_duration_ms=round(snapshot.duration_s * 1000, 1),
            stale=stale,
            providers=[ProviderStatusOut.of(outcome) for outcome in snapshot.outcomes],
        )


class HealthOut(msgspec.Struct, frozen=True, omit_defaults=True):
    """Liveness or readiness."""

    status: str
    routes: int | None = None
