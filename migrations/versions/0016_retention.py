"""Retention: where the contact log begins once its oldest events are deleted, so the capacity
roll-ups of those events are never counted again.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("capacity_rollup_state") as table:
        table.add_column(sa.Column("contact_log_from", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("capacity_rollup_state") as table:
        table.drop_column("contact_log_from")
