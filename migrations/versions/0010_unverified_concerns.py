"""Concerns from the contact form are marked unverified and linked to an open concern of the
same number instead of being merged into it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("concerns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unverified", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("linked_concern_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_concerns_linked_concern_id"), ["linked_concern_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_concerns_linked_concern_id_concerns"),
            "concerns",
            ["linked_concern_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("concerns", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_concerns_linked_concern_id_concerns"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_concerns_linked_concern_id"))
        batch_op.drop_column("linked_concern_id")
        batch_op.drop_column("unverified")
