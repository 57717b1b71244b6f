"""Planning's tables: quarter-hour roll-ups of the contact log, and where rolling up stands.

Pages read roll-ups, never raw events: a year of a region is 35,040 rows however many calls
it had. A call counts in the quarter hour it arrived, whenever its later steps were logged.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base
from storage.types import UTCDateTime

# The counts of one region's quarter hour, in the order of the table's columns.
COUNT_COLUMNS: tuple[str, ...] = (
    "calls",  # calls that arrived (call_received)
    "callers",  # of them, the first of a caller within the repeat window: distinct demand
    "closed_calls",  # reached the closed line
    "closed_callers",
    "closed_to_callback",  # asked for a callback in the closed-line menu
    "offered",  # queued on an open line
    "answered",
    "answered_in_target",
    "abandoned",  # hung up while waiting, short abandons included
    "short_abandoned",
    "to_callback",  # left the queue for a callback
    "to_voicemail",
    "wait_answered_s",
    "wait_abandoned_s",
    "wait_exits_s",
    "handle_s",  # answer to hang-up of answered calls
    "callbacks_requested",  # concerns, by the channel they came in on
    "voicemails",
    "walk_ins",
    "web_forms",
    "settled",
    "settled_in_promise",
    "counselling_booked",
    "counselling_held",
    "counselling_no_show",
    "available_s",  # counsellor-seconds on the hotline
)


class CapacityInterval(Base):
    __tablename__ = "capacity_intervals"
    __table_args__ = (Index("ix_capacity_intervals_starts_at", "starts_at"),)  # all regions of a period

    region: Mapped[str] = mapped_column(String(40), primary_key=True)
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, primary_key=True)  # UTC, on the quarter hour
    calls: Mapped[int] = mapped_column(Integer, default=0)
    callers: Mapped[int] = mapped_column(Integer, default=0)
    closed_calls: Mapped[int] = mapped_column(Integer, default=0)
    closed_callers: Mapped[int] = mapped_column(Integer, default=0)
    closed_to_callback: Mapped[int] = mapped_column(Integer, default=0)
    offered: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    answered_in_target: Mapped[int] = mapped_column(Integer, default=0)
    abandoned: Mapped[int] = mapped_column(Integer, default=0)
    short_abandoned: Mapped[int] = mapped_column(Integer, default=0)
    to_callback: Mapped[int] = mapped_column(Integer, default=0)
    to_voicemail: Mapped[int] = mapped_column(Integer, default=0)
    wait_answered_s: Mapped[int] = mapped_column(Integer, default=0)
    wait_abandoned_s: Mapped[int] = mapped_column(Integer, default=0)
    wait_exits_s: Mapped[int] = mapped_column(Integer, default=0)
    handle_s: Mapped[int] = mapped_column(Integer, default=0)
    callbacks_requested: Mapped[int] = mapped_column(Integer, default=0)
    voicemails: Mapped[int] = mapped_column(Integer, default=0)
    walk_ins: Mapped[int] = mapped_column(Integer, default=0)
    web_forms: Mapped[int] = mapped_column(Integer, default=0)
    settled: Mapped[int] = mapped_column(Integer, default=0)
    settled_in_promise: Mapped[int] = mapped_column(Integer, default=0)
    counselling_booked: Mapped[int] = mapped_column(Integer, default=0)
    counselling_held: Mapped[int] = mapped_column(Integer, default=0)
    counselling_no_show: Mapped[int] = mapped_column(Integer, default=0)
    available_s: Mapped[int] = mapped_column(Integer, default=0)


class RollupState(Base):
    """One row: the settings the roll-ups were counted with, the last event rolled up, and where
    the contact log begins since retention deleted what came before (None: nothing deleted)."""

    __tablename__ = "capacity_rollup_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    settings_key: Mapped[str] = mapped_column(String(100))
    last_event_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    rolled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    contact_log_from: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
