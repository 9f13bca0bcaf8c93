"""The central store's first schema: users, orders, the change log, operations, knowledge-base entries.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("unit", sa.String(128), nullable=True),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "orders",
        sa.Column("order_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("lead_unit", sa.String(128), nullable=True),
        sa.Column("cursor", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
    )
    op.create_table(
        "changes",
        sa.Column("cursor", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("op_id", sa.String(36), nullable=True),
        sa.Column("units", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.UniqueConstraint("kind", "entity_id", "version", name="uq_changes_entity_version"),
    )
    op.create_table(
        "operations",
        sa.Column("op_id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("seat", sa.String(64), nullable=True),
        sa.Column("base_version", sa.Integer, nullable=True),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("step_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("version", sa.Integer, nullable=True),
        sa.Column("cursor", sa.BigInteger, nullable=True),
        sa.Column("reject_code", sa.String(64), nullable=True),
        sa.Column("reject_reason", sa.Text, nullable=True),
        sa.Column("reject_article", sa.String(64), nullable=True),
        sa.Column("reject_deadline", sa.String(64), nullable=True),
        sa.Column("command", sa.Text, nullable=False),
    )
    op.create_index("ix_operations_entity", "operations", ["kind", "entity_id"])
    op.create_table(
        "kb_entries",
        sa.Column("entry_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("unit", sa.String(128), nullable=True),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("cursor", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("kb_entries")
    op.drop_index("ix_operations_entity", table_name="operations")
    op.drop_table("operations")
    op.drop_table("changes")
    op.drop_table("orders")
    op.drop_table("users")
