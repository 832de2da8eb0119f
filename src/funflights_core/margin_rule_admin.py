"""Use cases of margin rules: staff list, set, change, delete and explain them; all audited."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from funflights_core.audit import AuditEntry, change_entry
from funflights_core.clock import Clock
from funflights_core.errors import NotFound
from funflights_core.ids import IdGenerator
from funflights_core.margin_book import Explanation
from funflights_core.margin_books import MarginBooks
from funflights_core.margin_rule import FlightFacts, MarginRule
from funflights_core.margin_rule_fields import changed_rule, rule_fields, rule_from_fields
from funflights_core.money import CurrencyCatalogue
from funflights_core.staff import Staff
from funflights_core.unit_of_work import TenantUnitOfWork, UnitOfWorkFactory

SUBJECT = "margin-rule"

_log = logging.getLogger(__name__)


class MarginRuleAdmin:
    """A tenant's margin rules; every change is audited and reaches every process."""

    def __init__(
        self,
        *,
        database: UnitOfWorkFactory,
        books: MarginBooks,
        currencies: CurrencyCatalogue,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._database = database
        self._books = books
        self._currencies = currencies
        self._clock = clock
        self._ids = ids

    async def all(self, staff: Staff) -> Sequence[MarginRule]:
        """Every rule of the tenant, most specific level first, then by preference."""
        async with self._database.for_tenant(staff.tenant_id) as uow:
            rules = await uow.margin_rules.all()
        return sorted(rules, key=lambda r: (r.level, -r.priority, -r.created_at.timestamp(), r.id))

    async def get(self, staff: Staff, rule_id: str) -> MarginRule:
        """One rule of the tenant; ``NotFound`` if there is none."""
        async with self._database.for_tenant(staff.tenant_id) as uow:
            rule = await uow.margin_rules.get(rule_id)
        if rule is None:
            raise NotFound(f"no margin rule {rule_id}")
        return rule

    async def create(self, staff: Staff, fields: Mapping[str, Any]) -> MarginRule:
        """A new rule from flat fields (see ``RULE_FIELDS``)."""
        now = self._clock.now()
        rule = rule_from_fields(
            fields,
            rule_id=self._ids.new_id(),
            tenant_id=staff.tenant_id,
            created_at=now,
            currencies=self._currencies,
        )
        async with self._database.for_tenant(staff.tenant_id) as uow:
            version = await uow.margin_rules.bump_version()
            await uow.margin_rules.add(rule, version=version)
            await self._changed(uow, staff, rule.id, None, rule, now)
        return rule

    async def update(self, staff: Staff, rule_id: str, changes: Mapping[str, Any]) -> MarginRule:
        """The rule with the given fields changed (None clears a field)."""
        async with self._database.for_tenant(staff.tenant_id) as uow:
            # The version first: it orders concurrent changes, so ``before`` is current (and
            # the audit times follow the same order).
            version = await uow.margin_rules.bump_version()
            before = await uow.margin_rules.get(rule_id)
            if before is None:
                raise NotFound(f"no margin rule {rule_id}")
            after = changed_rule(before, changes, currencies=self._currencies)
            if after == before:
                return before  # nothing changes: the version bump is rolled back
            await uow.margin_rules.replace(after, version=version)
            await self._changed(uow, staff, rule_id, before, after, self._clock.now())
        return after

    async def delete(self, staff: Staff, rule_id: str) -> MarginRule:
        """Remove a rule; the removed rule is returned (and kept in the audit log)."""
        async with self._database.for_tenant(staff.tenant_id) as uow:
            version = await uow.margin_rules.bump_version()
            before = await uow.margin_rules.get(rule_id)
            if before is None:
                raise NotFound(f"no margin rule {rule_id}")
            await uow.margin_rules.remove(rule_id, version=version)
            await self._changed(uow, staff, rule_id, before, None, self._clock.now())
        return before

    async def history(self, staff: Staff, rule_id: str) -> Sequence[AuditEntry]:
        """Every change to one rule, oldest first (also after it was deleted)."""
        async with self._database.for_tenant(staff.tenant_id) as uow:
            entries = await uow.audit.for_subject(SUBJECT, rule_id)
        if not entries:
            raise NotFound(f"no margin rule {rule_id} was ever recorded")
        return entries

    async def explain(self, staff: Staff, facts: FlightFacts, at: datetime) -> Explanation:
        """Which rule prices the flight at ``at``, and why each candidate won or lost."""
        book = await self._books.book(staff.tenant_id)
        return book.explain(facts, at)

    async def _changed(
        self,
        uow: TenantUnitOfWork,
        staff: Staff,
        rule_id: str,
        before: MarginRule | None,
        after: MarginRule | None,
        at: datetime,
    ) -> None:
        await uow.audit.add(
            change_entry(
                self._ids.new_id(),
                staff,
                SUBJECT,
                rule_id,
                at,
                None if before is None else rule_fields(before),
                None if after is None else rule_fields(after),
            )
        )
        await uow.commit()
        try:
            await self._books.catch_up(staff.tenant_id)
        except Exception:
            # The change is stored; this process catches up at its next poll instead.
            _log.exception("applying a margin-rule change to this process's book failed")
