"""Counselling: slots counsellors publish, booking links sent to customers, and bookings. A
booking holds its slot through a unique column, so no slot is ever booked twice.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "counselling_slots",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("region", sa.String(length=40), nullable=False),
        sa.Column("counsellor_id", sa.Integer(), sa.ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("series", sa.String(length=32), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("withdrawn_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_counselling_slots_region_starts_at", "counselling_slots", ["region", "starts_at"])
    op.create_index("ix_counselling_slots_counsellor_starts_at", "counselling_slots", ["counsellor_id", "starts_at"])
    op.create_table(
        "counselling_invitations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("link_key", sa.String(length=32), nullable=False, unique=True),
        sa.Column("region", sa.String(length=40), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("concern_id", sa.Integer(), sa.ForeignKey("concerns.id", ondelete="SET NULL"), nullable=True),
        sa.Column("sent_by", sa.Integer(), sa.ForeignKey("staff_users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("spent_at", UTCDateTime(), nullable=True),
        sa.Column("source_key", sa.String(length=80), nullable=True, unique=True),
    )
    op.create_table(
        "counselling_bookings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("link_key", sa.String(length=32), nullable=False, unique=True),
        sa.Column("slot_id", sa.Integer(), sa.ForeignKey("counselling_slots.id", ondelete="CASCADE"), nullable=False),
        sa.Column("holds_slot_id", sa.Integer(), nullable=True, unique=True),
        sa.Column(
            "invitation_id",
            sa.Integer(),
            sa.ForeignKey("counselling_invitations.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("region", sa.String(length=40), nullable=False),
        sa.Column("counsellor_id", sa.Integer(), sa.ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("room", sa.String(length=64), nullable=True, unique=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("first_name", sa.String(length=60), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("booked_at", UTCDateTime(), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=True),
        sa.Column("changed_by", sa.Integer(), sa.ForeignKey("staff_users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reminded_day_at", UTCDateTime(), nullable=True),
        sa.Column("reminded_soon_at", UTCDateTime(), nullable=True),
        sa.Column("call_started_at", UTCDateTime(), nullable=True),
        sa.Column("counsellor_call_sid", sa.String(length=34), nullable=True, unique=True),
        sa.Column("customer_call_sid", sa.String(length=34), nullable=True, unique=True),
        sa.Column("call_state", sa.String(length=20), nullable=True),
        sa.Column("personal_data_deleted_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_counselling_bookings_slot_id", "counselling_bookings", ["slot_id"])
    op.create_index("ix_counselling_bookings_status_starts_at", "counselling_bookings", ["status", "starts_at"])
    op.create_index("ix_counselling_bookings_region_starts_at", "counselling_bookings", ["region", "starts_at"])


def downgrade() -> None:
    op.drop_table("counselling_bookings")
    op.drop_table("counselling_invitations")
    op.drop_table("counselling_slots")
