"""A route feed fetched over HTTP, with a timeout per attempt and retries with backoff."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from adapters.route_feeds.routes_json import RoutesJsonDecoder
from funflights_core.errors import ProviderUnavailable
from funflights_core.feed_batch import FeedBatch

Sleep = Callable[[float], Awaitable[None]]


class _Transient(Exception):
    """A failure worth another attempt: timeout, 429, 5xx or a connection error."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class HttpRouteFeed:
    """GETs a ``routes-json`` feed; retries transient failures, never other 4xx."""

    def __init__(
        self,
        *,
        url: str,
        client: httpx.AsyncClient,
        decoder: RoutesJsonDecoder,
        timeout_s: float,
        retries: int,
        backoff_s: float = 0.25,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._url = url
        self._client = client
        self._decoder = decoder
        self._timeout_s = timeout_s
        self._attempts = retries + 1
        self._backoff_s = backoff_s
        self._sleep = sleep

    async def fetch(self) -> FeedBatch:
        """Fetch and decode the feed, or raise ``ProviderUnavailable`` saying why."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._attempts),
            # Jitter in proportion to the backoff: tenacity's default adds up to a whole second.
            wait=wait_exponential_jitter(
                multiplier=self._backoff_s, max=10 * self._backoff_s, jitter=self._backoff_s
            ),
            retry=retry_if_exception_type(_Transient),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            body: bytes = await retrying(self._get_once)
        except _Transient as exc:
            attempts = "1 attempt" if self._attempts == 1 else f"{self._attempts} attempts"
            raise ProviderUnavailable(f"{exc.reason} ({attempts})") from None
        return await asyncio.to_thread(self._decoder.decode, body)

    async def _get_once(self) -> bytes:
        try:
            async with asyncio.timeout(self._timeout_s):
                response = await self._client.get(self._url)
        except TimeoutError:
            raise _Transient(f"timed out after {self._timeout_s:g}s") from None
        except httpx.TimeoutException:
            raise _Transient(f"timed out after {self._timeout_s:g}s") from None
        except httpx.TransportError as exc:
            raise _Transient(f"connection failed ({type(exc).__name__})") from None
        except httpx.TooManyRedirects:
            raise ProviderUnavailable("too many redirects (not retried)") from None
        except httpx.DecodingError:
            raise ProviderUnavailable("response body could not be decoded (not retried)") from None
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"HTTP error ({type(exc).__name__}, not retried)") from None
        status = response.status_code
        if status == 429 or status >= 500:
            raise _Transient(f"HTTP {status} from provider")
        if status >= 400:
            raise ProviderUnavailable(f"HTTP {status} from provider (not retried)")
        if status != 200:
            raise ProviderUnavailable(f"unexpected HTTP {status} from provider")
        return response.content
