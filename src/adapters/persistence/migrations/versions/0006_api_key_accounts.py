"""API keys act for a reseller account: a replacement key keeps the account's bookings.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 19:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply."""
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("account", sa.String(length=36), nullable=True))


def downgrade() -> None:
    """Revert."""
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("account")
