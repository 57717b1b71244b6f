"""A partial index for "take next": open concerns without a pending retry, by due time.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_OPEN = "status = 'open' AND next_attempt_at IS NULL"


def upgrade() -> None:
    op.create_index(
        "ix_concerns_queue",
        "concerns",
        ["due_at"],
        postgresql_where=sa.text(_OPEN),
        sqlite_where=sa.text(_OPEN),
    )


def downgrade() -> None:
    op.drop_index("ix_concerns_queue", table_name="concerns")
