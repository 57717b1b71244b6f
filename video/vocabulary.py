"""Counselling's closed vocabularies and limits, apart from the tables: the command line builds
its options from them without loading the database layer."""

from __future__ import annotations

SLOT_KINDS = ("phone", "video", "either")  # "either": the customer chooses when booking
SESSION_MODES = ("phone", "video")
# A booking is `booked` until the counsellor records how it went, or someone cancels it.
BOOKING_STATUSES = ("booked", "held", "no_show", "cancelled", "moved")
OUTCOMES = ("held", "no_show", "cancelled", "moved")  # what a counsellor records afterwards
INVITATION_SOURCES = ("closed_line", "sms", "concern", "staff", "command_line")
MAX_WEEKS = 26  # half a year of a weekly repetition at once
