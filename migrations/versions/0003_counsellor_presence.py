"""Counsellor presence: who takes hotline calls, on which phone, for which regions; staff-line PINs.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from storage.types import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "telephony_presence",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("regions", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.Column("misses", sa.Integer(), nullable=False),
        sa.Column("busy_call_sid", sa.String(length=34), nullable=True),
        sa.Column("ring_region", sa.String(length=40), nullable=True),
        sa.Column("ring_started_at", UTCDateTime(), nullable=True),
        sa.Column("pin_digest", sa.String(length=64), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["staff_users.id"], name=op.f("fk_telephony_presence_user_id_staff_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_telephony_presence")),
        sa.UniqueConstraint("pin_digest", name=op.f("uq_telephony_presence_pin_digest")),
    )


def downgrade() -> None:
    op.drop_table("telephony_presence")
