"""Each tenant's margin book, kept in memory and reloaded when its rules change anywhere."""

from __future__ import annotations

import asyncio
import logging

from funflights_core.margin_book import MarginBook
from funflights_core.unit_of_work import UnitOfWorkFactory

_log = logging.getLogger(__name__)


class MarginBooks:
    """Loads a tenant's rules once; ``watch`` reloads them after a change in any process.

    A change made through ``MarginRuleAdmin`` applies to the next price in its process;
    other processes see it at their next ``poll`` (every ``interval_s`` while ``watch``
    runs), which fetches only the rules changed since (not the whole book).
    """

    def __init__(self, database: UnitOfWorkFactory) -> None:
        self._database = database
        self._books: dict[str, tuple[int, MarginBook]] = {}
        self._loading: dict[str, asyncio.Lock] = {}

    def loaded(self, tenant_id: str) -> MarginBook | None:
        """The book in memory, without waiting (None until first loaded)."""
        entry = self._books.get(tenant_id)
        return None if entry is None else entry[1]

    def version_of(self, tenant_id: str) -> int | None:
        """The rule version of the tenant's book in memory (None until loaded)."""
        entry = self._books.get(tenant_id)
        return None if entry is None else entry[0]

    async def book(self, tenant_id: str) -> MarginBook:
        """The tenant's current book, loading it the first time."""
        entry = self._books.get(tenant_id)
        if entry is not None:
            return entry[1]
        return await self._load(tenant_id)

    async def _load(self, tenant_id: str) -> MarginBook:
        lock = self._loading.setdefault(tenant_id, asyncio.Lock())
        async with lock:
            entry = self._books.get(tenant_id)
            if entry is not None:
                return entry[1]  # someone loaded it while we waited
            async with self._database.for_tenant(tenant_id) as uow:
                version = await uow.margin_rules.version()
                rules = await uow.margin_rules.all()
            book = MarginBook(rules)
            self._books[tenant_id] = (version, book)
            return book

    async def catch_up(self, tenant_id: str) -> None:
        """Apply the changes stored since the tenant's book was loaded (if it is loaded)."""
        entry = self._books.get(tenant_id)
        if entry is None:
            return
        lock = self._loading.setdefault(tenant_id, asyncio.Lock())
        async with lock:
            known, book = self._books[tenant_id]
            async with self._database.for_tenant(tenant_id) as uow:
                # The version before the changes: a change committed in between is fetched
                # again next time, which is harmless (applying a change is idempotent).
                version = await uow.margin_rules.version()
                if version == known:
                    return
                changed, removed = await uow.margin_rules.changed_since(known)
            self._books[tenant_id] = (version, book.updated(changed, removed))

    async def poll(self) -> list[str]:
        """Catch up with every loaded tenant whose version moved on; their ids."""
        if not self._books:
            return []
        async with self._database.platform() as uow:
            versions = await uow.margin_rule_versions.all()
        stale = [
            tenant
            for tenant, (version, _) in list(self._books.items())
            if versions.get(tenant, 0) != version
        ]
        for tenant in stale:
            try:
                await self.catch_up(tenant)
            except Exception:
                # One tenant's bad data must not keep every other tenant's rules stale.
                _log.exception("catching up with the margin rules of %s failed", tenant)
        return stale
