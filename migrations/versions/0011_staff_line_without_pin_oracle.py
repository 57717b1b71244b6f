"""Staff line: issued PINs checked for one counsellor (no unique PIN), staff numbers, further
phones, wrong-PIN counts and blocks per caller number (as a keyed pseudonym).

Every stored PIN is cleared: counsellors chose them, and the "already taken" answer let anyone
with a login learn a colleague's PIN. Each counsellor gets a PIN issued on /counsellor.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(sa.text("UPDATE telephony_presence SET pin_digest = NULL"))
    with op.batch_alter_table("telephony_presence", schema=None) as batch_op:
        batch_op.drop_constraint("uq_telephony_presence_pin_digest", type_="unique")
        batch_op.add_column(sa.Column("pin_issued_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("staff_number", sa.String(length=8), nullable=True))
        batch_op.create_unique_constraint("uq_telephony_presence_staff_number", ["staff_number"])

    op.create_table(
        "telephony_staff_line_phones",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["staff_users.id"],
            name=op.f("fk_telephony_staff_line_phones_user_id_staff_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "number", name=op.f("pk_telephony_staff_line_phones")),
    )
    op.create_index(op.f("ix_telephony_staff_line_phones_number"), "telephony_staff_line_phones", ["number"])

    op.create_table(
        "telephony_staff_line_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("caller_key", sa.String(length=64), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telephony_staff_line_failures")),
    )
    op.create_index(
        "ix_telephony_staff_line_failures_caller_key_at", "telephony_staff_line_failures", ["caller_key", "at"]
    )
    op.create_index(op.f("ix_telephony_staff_line_failures_at"), "telephony_staff_line_failures", ["at"])

    op.create_table(
        "telephony_staff_line_blocks",
        sa.Column("caller_key", sa.String(length=64), nullable=False),
        sa.Column("until", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("caller_key", name=op.f("pk_telephony_staff_line_blocks")),
    )


def downgrade() -> None:
    op.drop_table("telephony_staff_line_blocks")
    op.drop_index(op.f("ix_telephony_staff_line_failures_at"), table_name="telephony_staff_line_failures")
    op.drop_index("ix_telephony_staff_line_failures_caller_key_at", table_name="telephony_staff_line_failures")
    op.drop_table("telephony_staff_line_failures")
    op.drop_index(op.f("ix_telephony_staff_line_phones_number"), table_name="telephony_staff_line_phones")
    op.drop_table("telephony_staff_line_phones")
    # The old code checks PINs without the user id, so issued ones would never match; they go.
    op.execute(sa.text("UPDATE telephony_presence SET pin_digest = NULL"))
    with op.batch_alter_table("telephony_presence", schema=None) as batch_op:
        batch_op.drop_constraint("uq_telephony_presence_staff_number", type_="unique")
        batch_op.drop_column("staff_number")
        batch_op.drop_column("pin_issued_at")
        batch_op.create_unique_constraint("uq_telephony_presence_pin_digest", ["pin_digest"])
