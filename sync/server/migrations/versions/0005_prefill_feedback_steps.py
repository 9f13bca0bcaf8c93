"""Pre-fill feedback of every step (issue 14, third round): `prefill_feedback_steps` keeps the feedback of each step
of an order that carried one, keyed by the order and the version the step made, where `prefill_feedback` (0003)
kept only the latest per order — so the figures of a period changed when an order was saved again later, and an
order's earlier saves were lost. The rows of 0003 are copied with the version their operation made.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prefill_feedback_steps",
        sa.Column("order_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("op_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("seat", sa.String(64), nullable=True),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
    )
    op.create_index("ix_prefill_feedback_steps_made_at", "prefill_feedback_steps", ["made_at"])
    # every row of 0003 was stored with an applied operation, whose version is the step's
    op.execute(
        "INSERT INTO prefill_feedback_steps (order_id, version, op_id, user_id, seat, made_at, stored_at, payload) "
        "SELECT f.order_id, COALESCE(o.version, 0), f.op_id, f.user_id, f.seat, f.made_at, f.stored_at, f.payload "
        "FROM prefill_feedback f LEFT JOIN operations o ON o.op_id = f.op_id"
    )
    op.drop_index("ix_prefill_feedback_made_at", table_name="prefill_feedback")
    op.drop_table("prefill_feedback")


def downgrade() -> None:
    op.create_table(
        "prefill_feedback",
        sa.Column("order_id", sa.String(64), primary_key=True),
        sa.Column("op_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("seat", sa.String(64), nullable=True),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
    )
    op.create_index("ix_prefill_feedback_made_at", "prefill_feedback", ["made_at"])
    op.execute(
        "INSERT INTO prefill_feedback (order_id, op_id, user_id, seat, made_at, stored_at, payload) "
        "SELECT s.order_id, s.op_id, s.user_id, s.seat, s.made_at, s.stored_at, s.payload "
        "FROM prefill_feedback_steps s WHERE s.version = "
        "(SELECT MAX(t.version) FROM prefill_feedback_steps t WHERE t.order_id = s.order_id)"
    )
    op.drop_index("ix_prefill_feedback_steps_made_at", table_name="prefill_feedback_steps")
    op.drop_table("prefill_feedback_steps")
