"""Pre-fill feedback (issue 14): `prefill_feedback`, per order the feedback of the seat's latest step that carried
one, for supervisors to measure the pre-fill against what agents saved.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
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


def downgrade() -> None:
    op.drop_index("ix_prefill_feedback_made_at", table_name="prefill_feedback")
    op.drop_table("prefill_feedback")
