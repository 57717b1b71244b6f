"""Capacity planning: quarter-hour roll-ups of the contact log per region, and the state of rolling up.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# As planning.models.COUNT_COLUMNS; a migration keeps its own copy, so later changes there cannot rewrite it.
_COUNTS = (
    "calls",
    "callers",
    "closed_calls",
    "closed_callers",
    "closed_to_callback",
    "offered",
    "answered",
    "answered_in_target",
    "abandoned",
    "short_abandoned",
    "to_callback",
    "to_voicemail",
    "wait_answered_s",
    "wait_abandoned_s",
    "wait_exits_s",
    "handle_s",
    "callbacks_requested",
    "voicemails",
    "walk_ins",
    "web_forms",
    "settled",
    "settled_in_promise",
    "counselling_booked",
    "counselling_held",
    "counselling_no_show",
    "available_s",
)


def upgrade() -> None:
    op.create_table(
        "capacity_intervals",
        sa.Column("region", sa.String(length=40), primary_key=True),
        sa.Column("starts_at", UTCDateTime(), primary_key=True),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in _COUNTS),
    )
    op.create_index("ix_capacity_intervals_starts_at", "capacity_intervals", ["starts_at"])
    op.create_table(
        "capacity_rollup_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("settings_key", sa.String(length=100), nullable=False),
        sa.Column("last_event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("rolled_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("capacity_rollup_state")
    op.drop_index("ix_capacity_intervals_starts_at", table_name="capacity_intervals")
    op.drop_table("capacity_intervals")
