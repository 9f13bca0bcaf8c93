"""Bounded rejected operations and the seat's last sync: `operations.command_sha256` (a rejected operation keeps the
hash of its command and an excerpt, not the command) and `operations.synced_at` (the time the seat says it last
synced before the step, beside its own time and the server's).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("operations") as batch:
        batch.add_column(sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("command_sha256", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("operations") as batch:
        batch.drop_column("command_sha256")
        batch.drop_column("synced_at")
