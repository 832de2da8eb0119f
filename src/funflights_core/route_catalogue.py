"""Use case: keep an aggregated route catalogue fresh from many providers.

Providers are fetched concurrently, each behind its own circuit breaker; one provider
failing yields a partial catalogue that names it. Reads are stale-while-revalidate: after
the first refresh a reader never waits for a provider.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Sequence

import attrs

from funflights_core.aggregation import ProviderFeed, aggregate
from funflights_core.bulk_allocation import CollectorPause, garbage_collection_paused
from funflights_core.circuit_breaker import CircuitBreaker
from funflights_core.clock import Clock
from funflights_core.errors import ProviderUnavailable
from funflights_core.feed_batch import FeedBatch
from funflights_core.provider_outcome import ProviderOutcome
from funflights_core.route_provider import ProviderProfile, RouteProvider
from funflights_core.route_set import RouteSet
from funflights_core.route_snapshot import RouteSnapshot

_log = logging.getLogger(__name__)


@attrs.frozen
class ProviderSource:
    """A provider with its profile and its circuit breaker."""

    profile: ProviderProfile
    provider: RouteProvider
    breaker: CircuitBreaker


def _build_route_set(feeds: list[ProviderFeed]) -> RouteSet:
    with garbage_collection_paused():
        return RouteSet.of(aggregate(feeds))


class RouteCatalogue:
    """The aggregated routes of all providers, refreshed on demand and when stale."""

    def __init__(
        self, sources: Sequence[ProviderSource], *, clock: Clock, max_age_s: float
    ) -> None:
        names = [source.profile.name for source in sources]
        if len(set(names)) != len(names):
            raise ValueError(f"provider names must be unique, got {names}")
        self._sources = tuple(sorted(sources, key=lambda s: (s.profile.priority, s.profile.name)))
        self._clock = clock
        self._max_age_s = max_age_s
        self._snapshot: RouteSnapshot | None = None
        self._refreshed_at_monotonic = 0.0
        self._inflight: asyncio.Task[RouteSnapshot] | None = None

    @property
    def sources(self) -> tuple[ProviderSource, ...]:
        """The providers, in priority order."""
        return self._sources

    @property
    def latest(self) -> RouteSnapshot | None:
        """The last completed refresh, or ``None`` before the first one."""
        return self._snapshot

    def is_stale(self) -> bool:
        """Whether the latest snapshot is missing or older than the maximum age."""
        if self._snapshot is None:
            return True
        return self._clock.monotonic() - self._refreshed_at_monotonic >= self._max_age_s

    async def refresh(self) -> RouteSnapshot:
        """Fetch every provider now; concurrent callers share one refresh."""
        if self._inflight is None or self._inflight.done():
            self._inflight = asyncio.create_task(self._refresh())
        return await asyncio.shield(self._inflight)

    async def current(self) -> RouteSnapshot:
        """The latest snapshot; waits only when there is none yet, revalidates when stale."""
        if self._snapshot is None:
            return await self.refresh()
        if self.is_stale() and (self._inflight is None or self._inflight.done()):
            self._inflight = asyncio.create_task(self._refresh())
            self._inflight.add_done_callback(_log_background_failure)
        return self._snapshot

    async def aclose(self) -> None:
        """Cancel a refresh still running (at shutdown)."""
        if self._inflight is not None and not self._inflight.done():
            self._inflight.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._inflight

    async def _refresh(self) -> RouteSnapshot:
        # The collector stays paused for the whole refresh; the worker that frees the
        # previous snapshot ends the pause, so the one collection that walks the new
        # objects happens after they are published, not before.
        pause = CollectorPause()
        try:
            snapshot, garbage = await self._build_snapshot()
        except BaseException:
            pause.end()
            raise
        asyncio.get_running_loop().run_in_executor(None, _release, garbage, pause)
        for outcome in snapshot.failed:
            _log.warning("provider %s failed: %s", outcome.provider, outcome.error)
        return snapshot

    async def _build_snapshot(self) -> tuple[RouteSnapshot, list[object]]:
        started = self._clock.monotonic()
        results = await asyncio.gather(*(self._fetch(source) for source in self._sources))
        feeds = [
            ProviderFeed(source.profile.name, source.profile.priority, batch.records)
            for source, (_, batch) in zip(self._sources, results, strict=True)
            if batch is not None
        ]
        # Aggregating ~10^5 records takes a noticeable slice of a second: a worker thread
        # keeps the event loop answering requests from the previous snapshot meanwhile.
        route_set = await asyncio.to_thread(_build_route_set, feeds)
        snapshot = RouteSnapshot(
            routes=route_set,
            outcomes=tuple(outcome for outcome, _ in results),
            refreshed_at=self._clock.now(),
            duration_s=self._clock.monotonic() - started,
        )
        garbage: list[object] = [self._snapshot, feeds, results]
        self._snapshot = snapshot
        self._refreshed_at_monotonic = self._clock.monotonic()
        return snapshot, garbage

    async def _fetch(self, source: ProviderSource) -> tuple[ProviderOutcome, FeedBatch | None]:
        breaker = source.breaker
        started = self._clock.monotonic()
        batch: FeedBatch | None = None
        error: str | None = None
        if not breaker.allow():
            error = (
                f"circuit open after {breaker.consecutive_failures} consecutive failures; "
                f"next attempt in {breaker.seconds_until_retry():.0f}s"
            )
        else:
            try:
                batch = await source.provider.fetch()
            except ProviderUnavailable as exc:
                error = exc.reason
            except Exception as exc:  # an adapter bug must not take the catalogue down
                _log.exception("provider %s raised unexpectedly", source.profile.name)
                error = f"unexpected error ({type(exc).__name__})"
            if batch is None:
                breaker.record_failure()
            else:
                breaker.record_success()
        outcome = ProviderOutcome(
            provider=source.profile.name,
            priority=source.profile.priority,
            records=0 if batch is None else len(batch.records),
            dropped={} if batch is None else {str(k): v for k, v in batch.dropped.items()},
            error=error,
            latency_s=self._clock.monotonic() - started,
            circuit=breaker.state,
        )
        return outcome, batch


def _release(garbage: list[object], pause: CollectorPause) -> None:
    """Free the previous snapshot and the fetched records, then let the collector run."""
    garbage.clear()
    pause.end()
    gc.collect(0)


def _log_background_failure(task: asyncio.Task[RouteSnapshot]) -> None:
    if not task.cancelled() and task.exception() is not None:
        _log.error("background route refresh failed", exc_info=task.exception())
