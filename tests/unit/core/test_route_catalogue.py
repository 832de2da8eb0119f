"""The route catalogue use case, with in-memory providers and a manual clock."""

import asyncio
import gc

import pytest

from adapters.clocks import ManualClock
from adapters.route_feeds.in_memory_feed import InMemoryRouteFeed
from funflights_core.circuit_breaker import CircuitBreaker, CircuitState
from funflights_core.feed_batch import FeedBatch
from funflights_core.route_catalogue import ProviderSource, RouteCatalogue
from funflights_core.route_provider import ProviderProfile
from funflights_core.route_snapshot import Completeness


def feed(*routes: tuple[str, str, str]) -> InMemoryRouteFeed:
    return InMemoryRouteFeed(
        [
            {
                "airline": a,
                "sourceAirport": s,
                "destinationAirport": d,
                "codeShare": "",
                "stops": 0,
                "equipment": "320",
            }
            for a, s, d in routes
        ]
    )


class SlowFeed:
    """A provider that answers only when released."""

    def __init__(self, inner: InMemoryRouteFeed) -> None:
        self.inner = inner
        self.release = asyncio.Event()

    async def fetch(self) -> FeedBatch:
        await self.release.wait()
        return await self.inner.fetch()


class BrokenFeed:
    async def fetch(self) -> FeedBatch:
        raise RuntimeError("bug in an adapter, with secret=hunter2")


def catalogue(
    providers: dict[str, object], clock: ManualClock, *, max_age_s: float = 60.0, threshold: int = 3
) -> RouteCatalogue:
    return RouteCatalogue(
        [
            ProviderSource(
                ProviderProfile(name, priority),
                provider,  # type: ignore[arg-type]
                CircuitBreaker(failure_threshold=threshold, reset_after_s=30, clock=clock),
            )
            for priority, (name, provider) in enumerate(providers.items(), start=1)
        ],
        clock=clock,
        max_age_s=max_age_s,
    )


async def test_refresh_merges_every_provider() -> None:
    clock = ManualClock()
    cat = catalogue(
        {"p1": feed(("BA", "LHR", "JFK")), "p2": feed(("BA", "LHR", "JFK"), ("AA", "JFK", "LAX"))},
        clock,
    )
    snapshot = await cat.refresh()
    assert snapshot.completeness is Completeness.COMPLETE
    assert [(r.key, r.providers) for r in snapshot.routes.routes] == [
        (("AA", "JFK", "LAX", 0), ("p2",)),
        (("BA", "LHR", "JFK", 0), ("p1", "p2")),
    ]
    assert [(o.provider, o.records, o.error) for o in snapshot.outcomes] == [
        ("p1", 1, None),
        ("p2", 2, None),
    ]
    assert snapshot.refreshed_at == clock.now()


async def test_one_failing_provider_gives_partial_results_naming_it() -> None:
    failing = feed(("AA", "JFK", "LAX"))
    failing.fail_with("connection failed (ConnectError) (3 attempts)")
    cat = catalogue({"p1": feed(("BA", "LHR", "JFK")), "p2": failing}, ManualClock())
    snapshot = await cat.refresh()
    assert snapshot.completeness is Completeness.PARTIAL
    assert [r.key for r in snapshot.routes.routes] == [("BA", "LHR", "JFK", 0)]
    assert [(o.provider, o.error) for o in snapshot.failed] == [
        ("p2", "connection failed (ConnectError) (3 attempts)")
    ]


async def test_all_failing_gives_an_empty_flagged_result() -> None:
    first, second = feed(("BA", "LHR", "JFK")), feed(("AA", "JFK", "LAX"))
    first.fail_with("HTTP 503 from provider (3 attempts)")
    second.fail_with("timed out after 5s (3 attempts)")
    snapshot = await catalogue({"p1": first, "p2": second}, ManualClock()).refresh()
    assert snapshot.completeness is Completeness.UNAVAILABLE
    assert len(snapshot.routes) == 0
    assert {o.provider for o in snapshot.failed} == {"p1", "p2"}


async def test_an_adapter_bug_is_a_named_failure_without_its_message() -> None:
    cat = catalogue({"ok": feed(("BA", "LHR", "JFK")), "broken": BrokenFeed()}, ManualClock())
    snapshot = await cat.refresh()
    assert snapshot.completeness is Completeness.PARTIAL
    (failed,) = snapshot.failed
    assert failed.error == "unexpected error (RuntimeError)"
    assert "hunter2" not in (failed.error or "")


async def test_circuit_opens_and_the_provider_is_left_alone_until_reset() -> None:
    clock = ManualClock()
    failing = feed(("AA", "JFK", "LAX"))
    failing.fail_with("HTTP 500 from provider (1 attempt)")
    cat = catalogue({"p1": feed(("BA", "LHR", "JFK")), "p2": failing}, clock, threshold=2)
    await cat.refresh()
    await cat.refresh()
    assert failing.calls == 2
    snapshot = await cat.refresh()
    assert failing.calls == 2, "an open circuit does not call the provider"
    (outcome,) = snapshot.failed
    assert outcome.circuit is CircuitState.OPEN
    assert outcome.error is not None
    assert outcome.error.startswith("circuit open after 2")
    failing.recover()
    clock.advance(30)
    snapshot = await cat.refresh()
    assert failing.calls == 3
    assert snapshot.completeness is Completeness.COMPLETE
    assert snapshot.outcomes[1].circuit is CircuitState.CLOSED


async def test_current_waits_only_for_the_very_first_refresh() -> None:
    clock = ManualClock()
    provider = feed(("BA", "LHR", "JFK"))
    cat = catalogue({"p1": provider}, clock, max_age_s=60)
    assert cat.latest is None
    first = await cat.current()
    assert provider.calls == 1
    clock.advance(59)
    assert await cat.current() is first
    assert provider.calls == 1, "a fresh snapshot is served without calling providers"


async def test_stale_snapshot_is_served_at_once_while_revalidating() -> None:
    clock = ManualClock()
    inner = feed(("BA", "LHR", "JFK"))
    slow = SlowFeed(inner)
    cat = catalogue({"p1": slow}, clock, max_age_s=60)
    slow.release.set()
    first = await cat.current()
    slow.release.clear()
    inner.content = [
        *inner.content,
        {
            "airline": "AA",
            "sourceAirport": "JFK",  # type: ignore[misc]
            "destinationAirport": "LAX",
            "stops": 0,
        },
    ]
    clock.advance(61)
    assert cat.is_stale()
    stale = await asyncio.wait_for(cat.current(), timeout=1)
    assert stale is first, "the reader got the stale snapshot without waiting"
    assert await asyncio.wait_for(cat.current(), timeout=1) is first, "one revalidation at a time"
    slow.release.set()
    fresh = await cat.refresh()  # joins the revalidation already running
    assert inner.calls == 2
    assert cat.latest is fresh is not first
    assert len(fresh.routes) == 2
    assert not cat.is_stale()


async def test_concurrent_refreshes_share_one_fetch() -> None:
    inner = feed(("BA", "LHR", "JFK"))
    slow = SlowFeed(inner)
    cat = catalogue({"p1": slow}, ManualClock())
    waiting = [asyncio.create_task(cat.refresh()) for _ in range(5)]
    await asyncio.sleep(0)
    slow.release.set()
    snapshots = await asyncio.gather(*waiting)
    assert inner.calls == 1
    assert all(s is snapshots[0] for s in snapshots)


async def test_aclose_cancels_a_running_refresh() -> None:
    slow = SlowFeed(feed(("BA", "LHR", "JFK")))
    cat = catalogue({"p1": slow}, ManualClock())
    task = asyncio.create_task(cat.refresh())
    await asyncio.sleep(0)
    await cat.aclose()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cat.latest is None


def test_provider_names_must_be_unique() -> None:
    clock = ManualClock()
    source = ProviderSource(
        ProviderProfile("p1", 1),
        feed(),
        CircuitBreaker(failure_threshold=1, reset_after_s=1, clock=clock),
    )
    with pytest.raises(ValueError, match="unique"):
        RouteCatalogue([source, source], clock=clock, max_age_s=1)


async def wait_for_the_collector() -> bool:
    for _ in range(200):
        if gc.isenabled():
            return True
        await asyncio.sleep(0.005)
    return False


async def test_the_collector_is_paused_during_a_refresh_and_resumed_after() -> None:
    slow = SlowFeed(feed(("BA", "LHR", "JFK")))
    cat = catalogue({"p1": slow}, ManualClock())

    task = asyncio.create_task(cat.refresh())
    for _ in range(3):  # the refresh task, then its inner task, start
        await asyncio.sleep(0)
    paused_meanwhile = not gc.isenabled()
    slow.release.set()
    await task

    assert paused_meanwhile
    assert await wait_for_the_collector()


async def test_a_cancelled_refresh_resumes_the_collector() -> None:
    cat = catalogue({"p1": SlowFeed(feed(("BA", "LHR", "JFK")))}, ManualClock())
    task = asyncio.create_task(cat.refresh())
    await asyncio.sleep(0)

    await cat.aclose()

    with pytest.raises(asyncio.CancelledError):
        await task
    assert gc.isenabled()
