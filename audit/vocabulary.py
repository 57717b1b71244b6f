"""The actions the audit trail records; anything else is a programming error."""

from __future__ import annotations

from typing import Literal, get_args

# Closed, like the contact log's kinds: a typo would otherwise split one action into two in
# every search an auditor runs. Past tense, as the trail reads: "anna viewed_concern ...".
AuditAction = Literal[
    # signing in and out
    "signed_in",
    "sign_in_failed",
    "signed_out",
    # concerns and voicemails
    "viewed_concern",
    "viewed_concern_list",
    "played_voicemail",
    "claimed",
    "released",
    "called",
    "closed",
    "changed_concern",
    "raised_concern",
    # counselling
    "published_slot",
    "withdrew_slot",
    "recorded_outcome",
    "sent_booking_link",
    "viewed_bookings",  # the counselling page: first names and masked numbers of those booked
    "joined_session",  # a video session's host page
    # staff accounts
    "added_user",
    "changed_user",
    "changed_roles",
    "deactivated_user",
    # exports and the auditor's pages
    "exported",
    "searched_call_log",
    "viewed_timeline",
    "viewed_promise_report",
    # data protection
    "ran_deletion",
    "erased_personal_data",
    "exported_personal_data",
    # the trail itself
    "verified_chain",
]
AUDIT_ACTIONS: frozenset[str] = frozenset(get_args(AuditAction))
