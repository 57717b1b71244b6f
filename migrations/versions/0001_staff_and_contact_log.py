"""Staff accounts, roles, regions, sessions, failed logins; the contact log.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from storage.types import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_CHANNELS = "'phone', 'callback', 'voicemail', 'walk_in', 'web_form', 'sms', 'video', 'survey'"


def upgrade() -> None:
    op.create_table(
        "contact_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("region", sa.String(40), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("caller_pseudonym", sa.String(64), nullable=True),
        sa.Column("reference", sa.String(64), nullable=True),
        sa.Column("duration_seconds", sa.Integer(), nullable=True),
        sa.Column("wait_seconds", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.CheckConstraint(f"channel IN ({_CHANNELS})", name=op.f("ck_contact_events_channel")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_contact_events_event_id")),
    )
    op.create_index("ix_contact_events_occurred_at", "contact_events", ["occurred_at"])
    op.create_index("ix_contact_events_reference", "contact_events", ["reference"])
    op.create_index("ix_contact_events_region_occurred_at", "contact_events", ["region", "occurred_at"])

    op.create_table(
        "staff_login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("remote", sa.String(64), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_login_failures")),
    )
    op.create_index("ix_staff_login_failures_remote_at", "staff_login_failures", ["remote", "at"])
    op.create_index("ix_staff_login_failures_username_at", "staff_login_failures", ["username", "at"])

    op.create_table(
        "staff_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(120), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_users")),
        sa.UniqueConstraint("username", name=op.f("uq_staff_users_username")),
    )
    for table, column, width in (("staff_user_roles", "role", 20), ("staff_user_regions", "region_id", 40)):
        op.create_table(
            table,
            sa.Column("user_id", sa.Integer(), nullable=False),
            sa.Column(column, sa.String(width), nullable=False),
            sa.ForeignKeyConstraint(
                ["user_id"], ["staff_users.id"], name=op.f(f"fk_{table}_user_id_staff_users"), ondelete="CASCADE"
            ),
            sa.PrimaryKeyConstraint("user_id", column, name=op.f(f"pk_{table}")),
        )
    op.create_table(
        "staff_sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["staff_users.id"], name=op.f("fk_staff_sessions_user_id_staff_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_staff_sessions")),
    )
    op.create_index(op.f("ix_staff_sessions_user_id"), "staff_sessions", ["user_id"])


def downgrade() -> None:
    for table in (
        "staff_sessions",
        "staff_user_regions",
        "staff_user_roles",
        "staff_users",
        "staff_login_failures",
        "contact_events",
    ):
        op.drop_table(table)
