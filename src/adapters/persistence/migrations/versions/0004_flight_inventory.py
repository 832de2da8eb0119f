"""Flight inventory: flights (legs and fares as JSON), their cabins' seats, and offers.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 12:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply."""
    op.create_table(
        "flights",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("marketing_carrier", sa.String(length=3), nullable=False),
        sa.Column("flight_number", sa.String(length=5), nullable=False),
        sa.Column("operating_carrier", sa.String(length=3), nullable=False),
        sa.Column("aircraft", sa.String(length=4), nullable=False),
        sa.Column("origin", sa.String(length=3), nullable=False),
        sa.Column("destination", sa.String(length=3), nullable=False),
        sa.Column("departs_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("arrives_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("legs", sa.Text(), nullable=False),
        sa.Column("fares", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flights")),
    )
    with op.batch_alter_table("flights", schema=None) as batch_op:
        batch_op.create_index(
            "ix_flights_origin_departs_at", ["origin", "departs_at"], unique=False
        )
        batch_op.create_index(
            "ix_flights_destination_departs_at", ["destination", "departs_at"], unique=False
        )
    op.create_table(
        "flight_cabins",
        sa.Column("flight_id", sa.String(length=40), nullable=False),
        sa.Column("cabin_class", sa.String(length=20), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("seats_available", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "seats_available >= 0", name=op.f("ck_flight_cabins_seats_not_negative")
        ),
        sa.CheckConstraint(
            "seats_available <= capacity", name=op.f("ck_flight_cabins_seats_within_capacity")
        ),
        sa.ForeignKeyConstraint(
            ["flight_id"],
            ["flights.id"],
            name=op.f("fk_flight_cabins_flight_id_flights"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("flight_id", "cabin_class", name=op.f("pk_flight_cabins")),
    )
    op.create_table(
        "inventory_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory_version")),
    )
    op.execute("INSERT INTO inventory_version (id, version) VALUES (1, 0)")
    op.create_table(
        "offers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_offers_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offers")),
    )
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offers_tenant_id"), ["tenant_id"], unique=False)


def downgrade() -> None:
    """Revert."""
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offers_tenant_id"))
    op.drop_table("offers")
    op.drop_table("inventory_version")
    op.drop_table("flight_cabins")
    with op.batch_alter_table("flights", schema=None) as batch_op:
        batch_op.drop_index("ix_flights_destination_departs_at")
        batch_op.drop_index("ix_flights_origin_departs_at")
    op.drop_table("flights")
