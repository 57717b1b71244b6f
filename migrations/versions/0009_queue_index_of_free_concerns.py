"""The "take next" index holds free concerns only, so held ones cost nothing to pass over.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_FREE = "status = 'open' AND next_attempt_at IS NULL AND claimed_by IS NULL"
_OPEN = "status = 'open' AND next_attempt_at IS NULL"


def _replace(where: str) -> None:
    op.drop_index("ix_concerns_queue", table_name="concerns")
    op.create_index(
        "ix_concerns_queue", "concerns", ["due_at"], postgresql_where=sa.text(where), sqlite_where=sa.text(where)
    )


def upgrade() -> None:
    _replace(_FREE)


def downgrade() -> None:
    _replace(_OPEN)
