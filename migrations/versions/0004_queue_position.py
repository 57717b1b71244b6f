"""The last queue position Twilio told a waiting caller, logged when they give up.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("telephony_calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("queue_position", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("telephony_calls", schema=None) as batch_op:
        batch_op.drop_column("queue_position")
