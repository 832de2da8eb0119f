"""Encoded search pages: from this process's memory, else the shared store, else computed.

A page is named by ``FlightSearch.page_key``, which changes whenever the page would, so a
stored page is never served after the flights, fares, seats, margin rules or rates it was
computed from have moved; the search warmer fills the shared store ahead of demand.

Pages travel and rest compressed (zlib level 1: a 47 KB page is ~5 KB); the most used are
also kept here ready to send.
"""

from __future__ import annotations

import zlib

from entrypoints.http.flights_wire import Places, encode_slice
from funflights_core.flight_search import FlightSearch, SearchPage, SearchRequest
from funflights_core.page_store import PageStore
from funflights_core.price_quotes import Buyer
from funflights_core.search_cache import SearchCache


def pack(page: bytes) -> bytes:
    """A page as it is kept and shared."""
    return zlib.compress(page, 1)


def unpack(packed: bytes) -> bytes:
    """A kept page as it is answered."""
    return zlib.decompress(packed)


class SearchPages:
    """The JSON of one slice's page, computed at most once wherever it is kept."""

    def __init__(
        self,
        *,
        search: FlightSearch,
        places: Places,
        local: SearchCache[bytes] | None = None,
        shared: PageStore | None = None,
    ) -> None:
        """``local``: the most used pages, ready to send; ``shared``: all of them, compressed
        (the store keeps its own copy in the process: see ``RedisPageStore.follow``)."""
        self._search = search
        self._places = places
        self._local = local
        self._shared = shared

    async def slice(self, buyer: Buyer, request: SearchRequest) -> bytes:
        """The page's JSON; bad input raises as the search does."""
        if self._local is None and self._shared is None:
            return (await self.computed(buyer, request))[0]
        key = await self._search.page_key(buyer, request)
        if self._local is not None:
            known = self._local.get(key)
            if known is not None:
                return known
        kept = None if self._shared is None else await self._shared.get(key)
        if kept is not None:
            page = unpack(kept)
            if self._local is not None:
                self._local.put(key, page)
            return page
        encoded, computed = await self.computed(buyer, request)
        if computed.fingerprint is not None:
            # Named by what it was computed from (the versions may have moved meanwhile).
            if self._local is not None:
                self._local.put(computed.fingerprint, encoded)
            if self._shared is not None:
                await self._shared.put({computed.fingerprint: pack(encoded)})
        return encoded

    async def computed(self, buyer: Buyer, request: SearchRequest) -> tuple[bytes, SearchPage]:
        """The page searched now, and its JSON."""
        page = await self._search.search(buyer, request)
        encoded = encode_slice(
            request.origin, request.destination, request.departure, page, self._places
        )
        return encoded, page
