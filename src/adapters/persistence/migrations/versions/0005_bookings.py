"""Bookings, seat assignments, the outbox, idempotency keys; tenants' refund rules; the
offers' expiry index.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 17:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply."""
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("refund_tiers", sa.Text(), nullable=True))
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.create_index("ix_offers_tenant_expires_at", ["tenant_id", "expires_at"])
    op.create_table(
        "bookings",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("record_locator", sa.String(length=6), nullable=True),
        sa.Column("departs_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hold_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("refund_pending", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_bookings_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
        sa.UniqueConstraint(
            "tenant_id", "record_locator", name=op.f("uq_bookings_tenant_id_record_locator")
        ),
    )
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_bookings_customer_departs_at", ["tenant_id", "customer_id", "departs_at"]
        )
        batch_op.create_index("ix_bookings_status_hold_expires_at", ["status", "hold_expires_at"])
        batch_op.create_index("ix_bookings_refund_pending", ["refund_pending"])
    op.create_table(
        "seat_assignments",
        sa.Column("flight_id", sa.String(length=40), nullable=False),
        sa.Column("seat", sa.String(length=4), nullable=False),
        sa.Column("booking_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["flight_id"],
            ["flights.id"],
            name=op.f("fk_seat_assignments_flight_id_flights"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("flight_id", "seat", name=op.f("pk_seat_assignments")),
    )
    with op.batch_alter_table("seat_assignments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_seat_assignments_booking_id"), ["booking_id"], unique=False
        )
    op.create_table(
        "outbox_events",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_outbox_events_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_outbox_events")),
        sa.UniqueConstraint("id", name=op.f("uq_outbox_events_id")),
    )
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_events_state_next_attempt_at", ["state", "next_attempt_at"]
        )
        batch_op.create_index("ix_outbox_events_tenant_subject", ["tenant_id", "subject_id"])
    op.create_table(
        "idempotency_keys",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_idempotency_keys_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "owner", "key", name=op.f("pk_idempotency_keys")),
    )
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.create_index("ix_idempotency_keys_created_at", ["created_at"])


def downgrade() -> None:
    """Revert."""
    op.drop_table("idempotency_keys")
    op.drop_table("outbox_events")
    op.drop_table("seat_assignments")
    op.drop_table("bookings")
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_index("ix_offers_tenant_expires_at")
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.drop_column("refund_tiers")
