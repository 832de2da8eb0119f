"""Pricing: margin rules and their versions, coupons, loyalty ledgers, the audit log.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# tiers_text(DEFAULT_TIERS) when this migration was written: a migration must not change
# when the application's defaults later do.
_DEFAULT_TIERS = "blue:0:1;silver:2000:1.5;gold:5000:2"


def upgrade() -> None:
    """Apply."""
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("exchange_spread", sa.String(length=50), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("loyalty_tiers", sa.Text(), server_default=_DEFAULT_TIERS, nullable=False)
        )

    op.create_table(
        "margin_rules",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("percent", sa.String(length=50), nullable=False),
        sa.Column("fixed_per_passenger", sa.String(length=50), nullable=True),
        sa.Column("minimum", sa.String(length=50), nullable=True),
        sa.Column("maximum", sa.String(length=50), nullable=True),
        sa.Column("amounts_currency", sa.String(length=3), nullable=True),
        sa.Column("carrier", sa.String(length=3), nullable=True),
        sa.Column("flight_number", sa.String(length=10), nullable=True),
        sa.Column("origin", sa.String(length=3), nullable=True),
        sa.Column("destination", sa.String(length=3), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("country_side", sa.String(length=20), nullable=False),
        sa.Column("cabin", sa.String(length=20), nullable=True),
        sa.Column("travel_from", sa.Date(), nullable=True),
        sa.Column("travel_until", sa.Date(), nullable=True),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("removed_version", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_margin_rules_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_margin_rules")),
    )
    with op.batch_alter_table("margin_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_margin_rules_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(
            "ix_margin_rules_tenant_version", ["tenant_id", "version"], unique=False
        )

    op.create_table(
        "margin_rule_versions",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_margin_rule_versions_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_margin_rule_versions")),
    )

    op.create_table(
        "coupons",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("percent_off", sa.String(length=50), nullable=True),
        sa.Column("amount_off", sa.String(length=50), nullable=True),
        sa.Column("minimum_spend", sa.String(length=50), nullable=True),
        sa.Column("amounts_currency", sa.String(length=3), nullable=True),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("airlines", sa.Text(), nullable=False),
        sa.Column("routes", sa.Text(), nullable=False),
        sa.Column("cabins", sa.Text(), nullable=False),
        sa.Column("total_uses", sa.Integer(), nullable=True),
        sa.Column("uses_per_customer", sa.Integer(), nullable=True),
        sa.Column("combinable", sa.Boolean(), nullable=False),
        sa.Column("below_cost_allowed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("uses", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_coupons_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "code", name=op.f("pk_coupons")),
    )

    op.create_table(
        "coupon_redemptions",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "code"],
            ["coupons.tenant_id", "coupons.code"],
            name=op.f("fk_coupon_redemptions_tenant_id_coupons"),
        ),
        sa.PrimaryKeyConstraint(
            "tenant_id", "code", "reference", name=op.f("pk_coupon_redemptions")
        ),
    )
    with op.batch_alter_table("coupon_redemptions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_coupon_redemptions_customer", ["tenant_id", "code", "customer_id"], unique=False
        )

    op.create_table(
        "loyalty_accounts",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_loyalty_accounts_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "customer_id", name=op.f("pk_loyalty_accounts")),
    )

    op.create_table(
        "loyalty_entries",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("booking_id", sa.String(length=100), nullable=True),
        sa.Column("spend_amount", sa.String(length=50), nullable=True),
        sa.Column("spend_currency", sa.String(length=3), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_loyalty_entries_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_loyalty_entries")),
        sa.UniqueConstraint("id", name=op.f("uq_loyalty_entries_id")),
    )
    with op.batch_alter_table("loyalty_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_loyalty_entries_ledger", ["tenant_id", "customer_id", "at"], unique=False
        )

    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_audit_log_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("id", name=op.f("uq_audit_log_id")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_log_subject", ["tenant_id", "subject", "subject_id"], unique=False
        )


def downgrade() -> None:
    """Revert."""
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_subject")

    op.drop_table("audit_log")
    with op.batch_alter_table("loyalty_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_loyalty_entries_ledger")

    op.drop_table("loyalty_entries")
    op.drop_table("loyalty_accounts")
    with op.batch_alter_table("coupon_redemptions", schema=None) as batch_op:
        batch_op.drop_index("ix_coupon_redemptions_customer")

    op.drop_table("coupon_redemptions")
    op.drop_table("coupons")
    op.drop_table("margin_rule_versions")
    with op.batch_alter_table("margin_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_margin_rules_tenant_id"))

    op.drop_table("margin_rules")
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.drop_column("loyalty_tiers")
        batch_op.drop_column("exchange_spread")
