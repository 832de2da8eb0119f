"""Importing a merged company's customers: validated line by line, all or nothing, idempotent.

Lines are matched to existing accounts by the company's own customer id (``external_id``):
importing the same file twice changes nothing the second time. If any line is rejected,
nothing is stored and the report says why for each rejected line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import attrs

from funflights_core.accounts import ProfileChanges, apply_profile_changes
from funflights_core.clock import Clock
from funflights_core.email_address import normalise_email
from funflights_core.errors import InvalidInput, NotFound
from funflights_core.ids import IdGenerator
from funflights_core.role import Role
from funflights_core.tenant import Tenant
from funflights_core.unit_of_work import UnitOfWorkFactory
from funflights_core.user import User

FIELDS = ("external_id", "email", "full_name", "phone", "preferred_currency", "language")
"""The columns (CSV) or keys (JSON Lines) of a customer line; the first two are required."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Progress = Callable[[int], None]
"""Called with the number of lines just processed."""


@attrs.frozen
class RejectedLine:
    """A line that cannot be imported, and every reason why."""

    line: int
    external_id: str | None
    reasons: tuple[str, ...]


@attrs.frozen
class ImportReport:
    """What an import did (or, for a dry run or a rejected file, would have done)."""

    accepted: int
    updated: int
    unchanged: int
    rejected: tuple[RejectedLine, ...]
    stored: bool

    @property
    def ok(self) -> bool:
        """Whether every line was acceptable."""
        return not self.rejected


@attrs.frozen
class _Candidate:
    line: int
    external_id: str
    email: str
    changes: ProfileChanges


def _text(row: Mapping[str, Any], name: str) -> str | None:
    value = row.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(name, "must be text")
    return value.strip() or None


def _candidate(number: int, row: Mapping[str, Any]) -> _Candidate | RejectedLine:
    reasons: list[str] = []
    external_id = email = None
    try:
        external_id = _text(row, "external_id")
    except InvalidInput as exc:
        reasons.append(f"{exc.field}: {exc.reason}")
    if external_id is None and not reasons:
        reasons.append("external_id is required")
    elif external_id is not None and len(external_id) > 200:
        reasons.append("external_id must be at most 200 characters")
    unknown = sorted(set(row) - set(FIELDS))
    if unknown:
        reasons.append(f"unknown field(s): {', '.join(unknown)}")
    try:
        raw_email = _text(row, "email")
        if raw_email is None:
            reasons.append("email is required")
        else:
            email = normalise_email(raw_email)
    except InvalidInput as exc:
        reasons.append(f"{exc.field}: {exc.reason}")
    values: dict[str, str | None] = {}
    for name in ("full_name", "phone", "preferred_currency", "language"):
        try:
            values[name] = _text(row, name)
        except InvalidInput as exc:
            reasons.append(f"{exc.field}: {exc.reason}")
    changes = ProfileChanges(
        full_name=values["full_name"],
        preferred_currency=values["preferred_currency"],
        language=values["language"],
        phone=values["phone"],
    )
    probe = User("probe", "probe", "probe@example.com", None, frozenset(), created_at=_EPOCH)
    try:
        apply_profile_changes(probe, changes)
    except InvalidInput as exc:
        reasons.append(f"{exc.field}: {exc.reason}")
    if reasons or external_id is None or email is None:
        return RejectedLine(number, external_id, tuple(reasons))
    return _Candidate(number, external_id, email, changes)


class CustomerImporter:
    """Imports customers into one tenant."""

    def __init__(self, *, database: UnitOfWorkFactory, clock: Clock, ids: IdGenerator) -> None:
        self._database = database
        self._clock = clock
        self._ids = ids

    async def run(
        self,
        tenant_id: str,
        rows: Iterable[tuple[int, Mapping[str, Any] | InvalidInput]],
        *,
        dry_run: bool = False,
        progress: Progress | None = None,
    ) -> ImportReport:
        """Validate every line, then store all of them in one transaction, or none.

        ``rows`` are (line number in the file, decoded line), or ``InvalidInput`` for a line
        whose format is broken.
        """
        candidates: list[_Candidate] = []
        rejected: list[RejectedLine] = []
        for count, (number, row) in enumerate(rows, start=1):
            if isinstance(row, InvalidInput):  # the file format itself was broken here
                rejected.append(RejectedLine(number, None, (row.reason,)))
            else:
                checked = _candidate(number, row)
                if isinstance(checked, RejectedLine):
                    rejected.append(checked)
                else:
                    candidates.append(checked)
            if progress is not None and count % 1000 == 0:
                progress(1000)
        async with self._database.platform() as platform:
            tenant = await platform.tenants.get(tenant_id)
        if tenant is None:
            raise NotFound("no such tenant")
        async with self._database.for_tenant(tenant_id) as uow:
            known = {user.external_id: user for user in await uow.users.imported()}
            owners = dict(await uow.users.email_owners())
            new: list[User] = []
            changed: list[User] = []
            unchanged = 0
            seen_ids: dict[str, int] = {}
            seen_emails: dict[str, int] = {}
            for candidate in candidates:
                reasons = self._clashes(candidate, owners, seen_ids, seen_emails)
                if reasons:
                    rejected.append(RejectedLine(candidate.line, candidate.external_id, reasons))
                    continue
                existing = known.get(candidate.external_id)
                if existing is None:
                    new.append(self._new_user(tenant, candidate))
                    continue
                updated = apply_profile_changes(
                    attrs.evolve(existing, email=candidate.email), candidate.changes
                )
                if updated == existing:
                    unchanged += 1
                else:
                    changed.append(updated)
            rejected.sort(key=lambda r: r.line)
            store = not rejected and not dry_run
            if store:
                await uow.users.add_many(new)
                await uow.users.update_many(changed)
                await uow.commit()
        return ImportReport(len(new), len(changed), unchanged, tuple(rejected), store)

    @staticmethod
    def _clashes(
        candidate: _Candidate,
        owners: Mapping[str, str | None],
        seen_ids: dict[str, int],
        seen_emails: dict[str, int],
    ) -> tuple[str, ...]:
        reasons: list[str] = []
        first = seen_ids.setdefault(candidate.external_id, candidate.line)
        if first != candidate.line:
            reasons.append(f"external_id repeats line {first}")
        first_email = seen_emails.setdefault(candidate.email, candidate.line)
        if first_email != candidate.line:
            reasons.append(f"email repeats line {first_email}")
        if candidate.email in owners and owners[candidate.email] != candidate.external_id:
            reasons.append("email belongs to another account")
        return tuple(reasons)

    def _new_user(self, tenant: Tenant, candidate: _Candidate) -> User:
        base = User(
            id=self._ids.new_id(),
            tenant_id=tenant.id,
            email=candidate.email,
            password_hash=None,  # the customer chooses one through a password reset
            roles=frozenset({Role.CUSTOMER}),
            created_at=self._clock.now(),
            external_id=candidate.external_id,
            email_verified=True,  # the merged company verified its customers' addresses
            preferred_currency=tenant.default_currency,
            language=tenant.locale,
        )
        return apply_profile_changes(base, candidate.changes)
