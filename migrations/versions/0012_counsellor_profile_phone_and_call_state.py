"""The counsellor's phone moves to the staff account (set once on the profile page) and is the
one phone for queue calls and for calling customers back; a callback attempt keeps the state
of its call (ringing the counsellor, ringing the customer, connected) for the live concern page.

Phones given with "Verfügbar melden" before are carried over to the account.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE (SQLite has DROP COLUMN since 3.35): a batch copy of staff_users would
    # drop the old table, and with foreign keys on, everything that cascades from it.
    op.add_column("staff_users", sa.Column("phone", sa.String(length=20), nullable=True))
    op.execute(
        sa.text(
            "UPDATE staff_users SET phone = (SELECT p.phone FROM telephony_presence p WHERE p.user_id = staff_users.id)"
        )
    )
    op.drop_column("telephony_presence", "phone")
    op.add_column("callback_attempts", sa.Column("state", sa.String(length=20), nullable=True))


def downgrade() -> None:
    op.drop_column("callback_attempts", "state")
    op.add_column("telephony_presence", sa.Column("phone", sa.String(length=20), nullable=True))
    op.execute(
        sa.text(
            "UPDATE telephony_presence SET phone = (SELECT u.phone FROM staff_users u WHERE u.id = telephony_presence.user_id)"
        )
    )
    op.drop_column("staff_users", "phone")
