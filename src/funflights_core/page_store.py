"""The PageStore port: encoded result pages shared by every process of the platform.

A page is named by a key that changes whenever its content would (``FlightSearch.page_key``),
so a store never needs to be told what to forget: entries under old keys expire.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol


class PageStore(Protocol):
    """Opaque bytes by key, kept for a while; a store that is down answers as if empty."""

    async def get(self, key: str) -> bytes | None:
        """The page under ``key``, or None."""
        ...

    async def put(self, pages: Mapping[str, bytes]) -> None:
        """Keep each page under its key (replacing any), for the store's time to live."""
        ...

    async def present(self, keys: Iterable[str]) -> set[str]:
        """Which of ``keys`` the store holds now."""
        ...
