"""The auditor's call-log search by kind of event: an index on (kind, occurred_at, reference).

A search for a rare kind (or one that never happened) over a year would otherwise read the whole
year by time to fill a page; the outcome filter finds the contacts with an outcome by the kinds
of their events, from the index alone (hence the reference in it).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_contact_events_kind_occurred_at", "contact_events", ["kind", "occurred_at", "reference"])


def downgrade() -> None:
    op.drop_index("ix_contact_events_kind_occurred_at", table_name="contact_events")
