"""The automated return visit and the centre's clock (issue 13): `survey_jobs` (the survey's schedule per order),
`survey_attempts` (every attempt with its dialer's lease and outcome), `server_jobs` (the clock's leased row).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "survey_jobs",
        sa.Column("order_id", sa.String(64), primary_key=True),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_survey_jobs_due", "survey_jobs", ["state", "next_at"])
    op.create_table(
        "survey_attempts",
        sa.Column("attempt_id", sa.String(80), primary_key=True),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("attempt_no", sa.Integer, nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("dialer", sa.String(64), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("digit", sa.String(8), nullable=True),
        sa.Column("recording", sa.Text, nullable=True),
    )
    op.create_index("ix_survey_attempts_open", "survey_attempts", ["finished_at", "lease_until"])
    op.create_index("ix_survey_attempts_finished", "survey_attempts", ["finished_at"])
    op.create_table(
        "server_jobs",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("owner", sa.String(64), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("server_jobs")
    op.drop_index("ix_survey_attempts_finished", table_name="survey_attempts")
    op.drop_index("ix_survey_attempts_open", table_name="survey_attempts")
    op.drop_table("survey_attempts")
    op.drop_index("ix_survey_jobs_due", table_name="survey_jobs")
    op.drop_table("survey_jobs")
