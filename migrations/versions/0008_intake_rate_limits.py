"""Rate limit of the public web form: accepted submissions per client address (as a keyed HMAC).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intake_rate_limits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_rate_limits")),
    )
    op.create_index("ix_intake_rate_limits_key_at", "intake_rate_limits", ["key", "at"])
    op.create_index(op.f("ix_intake_rate_limits_at"), "intake_rate_limits", ["at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_intake_rate_limits_at"), table_name="intake_rate_limits")
    op.drop_index("ix_intake_rate_limits_key_at", table_name="intake_rate_limits")
    op.drop_table("intake_rate_limits")
