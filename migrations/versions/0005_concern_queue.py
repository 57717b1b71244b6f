"""The concern queue: topics, notes, windows, claims, attempts and history of concerns.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from storage.types import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "callback_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("concern_id", sa.Integer(), nullable=False),
        sa.Column("counsellor_id", sa.Integer(), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("counsellor_call_sid", sa.String(length=34), nullable=True),
        sa.Column("customer_call_sid", sa.String(length=34), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["concern_id"], ["concerns.id"], name=op.f("fk_callback_attempts_concern_id_concerns"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["counsellor_id"],
            ["staff_users.id"],
            name=op.f("fk_callback_attempts_counsellor_id_staff_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_attempts")),
        sa.UniqueConstraint("counsellor_call_sid", name=op.f("uq_callback_attempts_counsellor_call_sid")),
        sa.UniqueConstraint("customer_call_sid", name=op.f("uq_callback_attempts_customer_call_sid")),
    )
    with op.batch_alter_table("callback_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_callback_attempts_concern_id"), ["concern_id"], unique=False)

    op.create_table(
        "concern_sources",
        sa.Column("source_key", sa.String(length=80), nullable=False),
        sa.Column("concern_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["concern_id"], ["concerns.id"], name=op.f("fk_concern_sources_concern_id_concerns"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("source_key", name=op.f("pk_concern_sources")),
    )
    op.create_index(op.f("ix_concern_sources_concern_id"), "concern_sources", ["concern_id"])
    op.execute("INSERT INTO concern_sources (source_key, concern_id) SELECT source_key, id FROM concerns")
    op.create_table(
        "concern_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("concern_id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["staff_users.id"], name=op.f("fk_concern_entries_actor_id_staff_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["concern_id"], ["concerns.id"], name=op.f("fk_concern_entries_concern_id_concerns"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concern_entries")),
    )
    with op.batch_alter_table("concern_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_concern_entries_concern_id"), ["concern_id"], unique=False)

    with op.batch_alter_table("concerns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("topic", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("customer_name", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("window_start", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("window_end", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("ad_hoc_talk", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("due_flag", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("recording_deleted_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("claimed_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("claim_expires_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("next_attempt_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("closed_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("closed_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("outcome", sa.String(length=20), nullable=True))
        batch_op.create_index(
            "ix_concerns_callback_number_region_status", ["callback_number", "region", "status"], unique=False
        )
        batch_op.create_index("ix_concerns_status_next_attempt_at", ["status", "next_attempt_at"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_concerns_claimed_by_staff_users"), "staff_users", ["claimed_by"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_concerns_closed_by_staff_users"), "staff_users", ["closed_by"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    op.drop_table("concern_sources")
    with op.batch_alter_table("concerns", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_concerns_closed_by_staff_users"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_concerns_claimed_by_staff_users"), type_="foreignkey")
        batch_op.drop_index("ix_concerns_status_next_attempt_at")
        batch_op.drop_index("ix_concerns_callback_number_region_status")
        batch_op.drop_column("outcome")
        batch_op.drop_column("closed_by")
        batch_op.drop_column("closed_at")
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("attempts")
        batch_op.drop_column("claim_expires_at")
        batch_op.drop_column("claimed_by")
        batch_op.drop_column("recording_deleted_at")
        batch_op.drop_column("due_flag")
        batch_op.drop_column("ad_hoc_talk")
        batch_op.drop_column("window_end")
        batch_op.drop_column("window_start")
        batch_op.drop_column("note")
        batch_op.drop_column("customer_name")
        batch_op.drop_column("topic")

    with op.batch_alter_table("concern_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_concern_entries_concern_id"))

    op.drop_table("concern_entries")
    with op.batch_alter_table("callback_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_callback_attempts_concern_id"))

    op.drop_table("callback_attempts")
