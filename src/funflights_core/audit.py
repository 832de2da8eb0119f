"""The audit log entry: one change to a thing, by whom, when, from what to what."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from funflights_core.staff import Staff


@attrs.frozen
class AuditEntry:
    """One state change. ``before`` is None for a creation, ``after`` for a deletion."""

    id: str
    tenant_id: str
    subject: str
    """The kind of thing changed: ``margin-rule``, ``coupon``."""
    subject_id: str
    action: str
    """``create``, ``update`` or ``delete``."""
    actor: str
    """The user id of who made the change (or ``cli:<name>`` for an operator's command)."""
    at: datetime
    before: str | None
    """The thing before the change, as JSON text."""
    after: str | None

    def before_fields(self) -> Mapping[str, Any] | None:
        """The state before the change, decoded."""
        return None if self.before is None else _decoded(self.before)

    def after_fields(self) -> Mapping[str, Any] | None:
        """The state after the change, decoded."""
        return None if self.after is None else _decoded(self.after)


def _decoded(text: str) -> Mapping[str, Any]:
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("an audit state is a JSON object")
    return value


def audit_state(fields: Mapping[str, Any]) -> str:
    """A thing's fields as stable JSON text (Decimals and dates as strings)."""
    return json.dumps(fields, sort_keys=True, default=str, separators=(",", ":"))


def change_entry(
    entry_id: str,
    staff: Staff,
    subject: str,
    subject_id: str,
    at: datetime,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
) -> AuditEntry:
    """The entry for a change by staff: a create without ``before``, a delete without ``after``."""
    action = "create" if before is None else "delete" if after is None else "update"
    return AuditEntry(
        id=entry_id,
        tenant_id=staff.tenant_id,
        subject=subject,
        subject_id=subject_id,
        action=action,
        actor=staff.actor,
        at=at,
        before=None if before is None else audit_state(before),
        after=None if after is None else audit_state(after),
    )
