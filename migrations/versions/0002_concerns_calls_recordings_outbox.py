"""The concern queue, calls between webhooks, recording news, the simulator's outbox.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "concerns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=12), nullable=False),
        sa.Column("region", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("urgency", sa.String(length=10), nullable=False),
        sa.Column("callback_number", sa.String(length=20), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("queued_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("source_key", sa.String(length=80), nullable=False),
        sa.Column("call_sid", sa.String(length=34), nullable=True),
        sa.Column("recording_sid", sa.String(length=34), nullable=True),
        sa.Column("recording_url", sa.String(length=300), nullable=True),
        sa.Column("recording_duration", sa.Integer(), nullable=True),
        sa.Column("transcript", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concerns")),
        sa.UniqueConstraint("recording_sid", name=op.f("uq_concerns_recording_sid")),
        sa.UniqueConstraint("reference", name=op.f("uq_concerns_reference")),
        sa.UniqueConstraint("source_key", name=op.f("uq_concerns_source_key")),
    )
    op.create_index("ix_concerns_region_status_due_at", "concerns", ["region", "status", "due_at"])

    op.create_table(
        "telephony_calls",
        sa.Column("call_sid", sa.String(length=34), nullable=False),
        sa.Column("region", sa.String(length=40), nullable=False),
        sa.Column("direction", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("queued_at", UTCDateTime(), nullable=True),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("queue_choice", sa.String(length=20), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint("call_sid", name=op.f("pk_telephony_calls")),
    )
    op.create_index("ix_telephony_calls_region_queued_at", "telephony_calls", ["region", "queued_at"])

    op.create_table(
        "telephony_outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("sid", sa.String(length=34), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("to_number", sa.String(length=20), nullable=True),
        sa.Column("from_number", sa.String(length=20), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('call', 'sms', 'hang_up', 'delete_recording')", name=op.f("ck_telephony_outbox_kind")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telephony_outbox")),
        sa.UniqueConstraint("sid", name=op.f("uq_telephony_outbox_sid")),
    )
    op.create_index("ix_telephony_outbox_created_at", "telephony_outbox", ["created_at"])

    op.create_table(
        "telephony_recordings",
        sa.Column("recording_sid", sa.String(length=34), nullable=False),
        sa.Column("call_sid", sa.String(length=34), nullable=True),
        sa.Column("url", sa.String(length=300), nullable=True),
        sa.Column("duration_seconds", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("transcript", sa.Text(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("recording_sid", name=op.f("pk_telephony_recordings")),
    )


def downgrade() -> None:
    op.drop_table("telephony_recordings")
    op.drop_table("telephony_outbox")
    op.drop_table("telephony_calls")
    op.drop_table("concerns")
