"""HttpRouteFeed: timeouts, retries with backoff (never really sleeping), status handling."""

from __future__ import annotations

import asyncio
import json
import warnings
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from adapters.route_feeds.http_feed import HttpRouteFeed
from adapters.route_feeds.routes_json import RoutesJsonDecoder
from funflights_core.errors import ProviderUnavailable
from funflights_core.route_record import RouteRecord

URL = "http://provider.test/provider/flights1"
BODY = json.dumps(
    [
        {
            "airline": "BA",
            "sourceAirport": "LHR",
            "destinationAirport": "JFK",
            "codeShare": "",
            "stops": 0,
            "equipment": "744",
        }
    ]
).encode()
RECORDS = (RouteRecord("BA", "LHR", "JFK", 0, False, "744"),)

Outcome = httpx.Response | Exception | Callable[[httpx.Request], Any]


class Script:
    """A MockTransport handler that plays its outcomes in turn, repeating the last one."""

    def __init__(self, *outcomes: Outcome) -> None:
        self.outcomes = list(outcomes)
        self.requests: list[httpx.Request] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        index = min(len(self.requests), len(self.outcomes)) - 1
        outcome = self.outcomes[index]
        if isinstance(outcome, Exception):
            raise outcome
        if isinstance(outcome, httpx.Response):
            return outcome
        result = outcome(request)
        if asyncio.iscoroutine(result):
            result = await result
        assert isinstance(result, httpx.Response)
        return result

    @property
    def attempts(self) -> int:
        return len(self.requests)


class RecordingSleep:
    """A fake ``sleep``: records the delays asked for, returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
async def clients() -> AsyncIterator[list[httpx.AsyncClient]]:
    made: list[httpx.AsyncClient] = []
    yield made
    for client in made:
        await client.aclose()


@pytest.fixture
def sleep() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
def feed_for(
    clients: list[httpx.AsyncClient], sleep: RecordingSleep
) -> Callable[..., HttpRouteFeed]:
    def make(
        script: Script,
        *,
        retries: int = 2,
        timeout_s: float = 1.0,
        backoff_s: float = 1.0,
        follow_redirects: bool = False,
    ) -> HttpRouteFeed:
        client = httpx.AsyncClient(
            transport=httpx.MockTransport(script), follow_redirects=follow_redirects
        )
        clients.append(client)
        return HttpRouteFeed(
            url=URL,
            client=client,
            decoder=RoutesJsonDecoder(),
            timeout_s=timeout_s,
            retries=retries,
            backoff_s=backoff_s,
            sleep=sleep,
        )

    return make


def connect_error(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


def read_timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("read timed out", request=request)


async def hang(request: httpx.Request) -> httpx.Response:
    await asyncio.Event().wait()  # never set: only the feed's own timeout ends this
    raise AssertionError("unreachable")


async def test_ok_response_is_decoded(feed_for: Callable[..., HttpRouteFeed]) -> None:
    script = Script(httpx.Response(200, content=BODY))

    batch = await feed_for(script).fetch()

    assert batch.records == RECORDS
    assert script.attempts == 1
    assert script.requests[0].method == "GET"
    assert str(script.requests[0].url) == URL


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
async def test_transient_status_is_retried_then_unavailable(
    feed_for: Callable[..., HttpRouteFeed], sleep: RecordingSleep, status: int
) -> None:
    script = Script(httpx.Response(status))

    with pytest.raises(ProviderUnavailable) as raised:
        await feed_for(script, retries=3).fetch()

    assert script.attempts == 4
    assert raised.value.reason == f"HTTP {status} from provider (4 attempts)"
    assert len(sleep.delays) == 3


async def test_backoff_delays_increase(
    feed_for: Callable[..., HttpRouteFeed], sleep: RecordingSleep
) -> None:
    script = Script(httpx.Response(503))

    with pytest.raises(ProviderUnavailable):
        await feed_for(script, retries=3, backoff_s=1.0).fetch()

    assert len(sleep.delays) == 3
    assert sleep.delays == sorted(sleep.delays)
    assert len(set(sleep.delays)) == 3
    # Exponential from backoff_s: 1s, 2s, 4s, each plus some jitter.
    for attempt, delay in enumerate(sleep.delays):
        assert 2**attempt <= delay <= 2**attempt + 1


async def test_backoff_is_capped_at_ten_times_backoff_s(
    feed_for: Callable[..., HttpRouteFeed], sleep: RecordingSleep
) -> None:
    script = Script(httpx.Response(500))

    with pytest.raises(ProviderUnavailable):
        await feed_for(script, retries=6, backoff_s=1.0).fetch()

    assert script.attempts == 7
    assert len(sleep.delays) == 6
    assert max(sleep.delays) == 10.0
    assert sleep.delays[-2:] == [10.0, 10.0]


async def test_read_timeout_is_retried(
    feed_for: Callable[..., HttpRouteFeed], sleep: RecordingSleep
) -> None:
    script = Script(read_timeout)

    with pytest.raises(ProviderUnavailable) as raised:
        await feed_for(script, retries=2, timeout_s=0.5).fetch()

    assert script.attempts == 3
    assert raised.value.reason == "timed out after 0.5s (3 attempts)"
    assert len(sleep.delays) == 2
    assert sleep.delays[0] < sleep.delays[1]


async def test_a_hanging_provider_is_cut_by_the_timeout(
    feed_for: Callable[..., HttpRouteFeed], sleep: RecordingSleep
) -> None:
    script = Script(hang)

    with pytest.raises(ProviderUnavailable) as raised:
        await feed_for(script, retries=1, timeout_s=0.02).fetch()

    assert script.attempts == 2
    assert raised.value.reason == "timed out after 0.02s (2 attempts)"
    assert len(sleep.delays) == 1


async def test_connection_error_is_retried(
    feed_for: Callable[..., HttpRouteFeed], sleep: RecordingSleep
) -> None:
    script = Script(connect_error)

    with pytest.raises(ProviderUnavailable) as raised:
        await feed_for(script, retries=2).fetch()

    assert script.attempts == 3
    assert raised.value.reason == "connection failed (ConnectError) (3 attempts)"
    assert len(sleep.delays) == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410])
async def test_client_errors_are_not_retried(
    feed_for: Callable[..., HttpRouteFeed], sleep: RecordingSleep, status: int
) -> None:
    script = Script(httpx.Response(status), httpx.Response(200, content=BODY))

    with pytest.raises(ProviderUnavailable) as raised:
        await feed_for(script, retries=3).fetch()

    assert script.attempts == 1
    assert raised.value.reason == f"HTTP {status} from provider (not retried)"
    assert sleep.delays == []


async def test_unexpected_success_status_is_unavailable(
    feed_for: Callable[..., HttpRouteFeed], sleep: RecordingSleep
) -> None:
    script = Script(httpx.Response(204))

    with pytest.raises(ProviderUnavailable) as raised:
        await feed_for(script, retries=3).fetch()

    assert script.attempts == 1
    assert raised.value.reason == "unexpected HTTP 204 from provider"
    assert sleep.delays == []


async def test_503_then_200_succeeds(
    feed_for: Callable[..., HttpRouteFeed], sleep: RecordingSleep
) -> None:
    script = Script(httpx.Response(503), httpx.Response(200, content=BODY))

    batch = await feed_for(script, retries=2).fetch()

    assert batch.records == RECORDS
    assert script.attempts == 2
    assert len(sleep.delays) == 1


async def test_timeout_then_connection_error_then_200_succeeds(
    feed_for: Callable[..., HttpRouteFeed], sleep: RecordingSleep
) -> None:
    script = Script(read_timeout, connect_error, httpx.Response(200, content=BODY))

    batch = await feed_for(script, retries=2).fetch()

    assert batch.records == RECORDS
    assert script.attempts == 3
    assert len(sleep.delays) == 2


async def test_no_retries_means_one_attempt(
    feed_for: Callable[..., HttpRouteFeed], sleep: RecordingSleep
) -> None:
    script = Script(httpx.Response(500), httpx.Response(200, content=BODY))

    with pytest.raises(ProviderUnavailable) as raised:
        await feed_for(script, retries=0).fetch()

    assert script.attempts == 1
    assert raised.value.reason == "HTTP 500 from provider (1 attempt)"
    assert sleep.delays == []


@pytest.mark.parametrize("body", [b"", b"[{", b"<html>502 Bad Gateway</html>"])
async def test_invalid_json_body_is_unavailable(
    feed_for: Callable[..., HttpRouteFeed], body: bytes
) -> None:
    script = Script(httpx.Response(200, content=body))

    with pytest.raises(ProviderUnavailable) as raised:
        await feed_for(script).fetch()

    assert raised.value.reason.startswith("body is not valid JSON")
    assert script.attempts == 1


async def test_each_fetch_makes_a_new_request(feed_for: Callable[..., HttpRouteFeed]) -> None:
    script = Script(httpx.Response(200, content=BODY), httpx.Response(404))
    feed = feed_for(script)

    assert (await feed.fetch()).records == RECORDS
    with pytest.raises(ProviderUnavailable):
        await feed.fetch()
    assert script.attempts == 2


async def test_undecodable_content_encoding_is_unavailable(
    feed_for: Callable[..., HttpRouteFeed],
) -> None:
    script = Script(
        httpx.Response(
            200, stream=httpx.ByteStream(b"not gzip at all"), headers={"Content-Encoding": "gzip"}
        )
    )

    with pytest.raises(ProviderUnavailable):
        await feed_for(script).fetch()


async def test_redirect_loop_is_unavailable(feed_for: Callable[..., HttpRouteFeed]) -> None:
    script = Script(httpx.Response(302, headers={"Location": URL}))

    with pytest.raises(ProviderUnavailable):
        await feed_for(script, follow_redirects=True).fetch()


async def test_fetch_uses_no_deprecated_tenacity_api(
    feed_for: Callable[..., HttpRouteFeed],
) -> None:
    script = Script(httpx.Response(200, content=BODY))
    feed = feed_for(script, backoff_s=0.25)

    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        await feed.fetch()


class _HighestJitter:
    """Stands in for ``random`` in tenacity.wait: jitter always at its upper bound."""

    @staticmethod
    def uniform(low: float, high: float) -> float:
        return high


async def test_jitter_is_proportionate_to_the_backoff(
    feed_for: Callable[..., HttpRouteFeed],
    sleep: RecordingSleep,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("tenacity.wait.random", _HighestJitter)
    script = Script(httpx.Response(503))

    with pytest.raises(ProviderUnavailable):
        await feed_for(script, retries=1, backoff_s=0.25).fetch()

    assert len(sleep.delays) == 1
    assert sleep.delays[0] <= 2 * 0.25
