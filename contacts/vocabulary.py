"""The channels and kinds of contact events; anything else is a programming error."""

from __future__ import annotations

from typing import Literal, get_args

ContactChannel = Literal["phone", "callback", "voicemail", "walk_in", "web_form", "sms", "video", "survey"]
CONTACT_CHANNELS: tuple[ContactChannel, ...] = get_args(ContactChannel)

# Kinds grow with the capabilities that write them; keeping the list closed catches typos
# that would otherwise split one kind of event into two in every report.
CONTACT_KINDS: frozenset[str] = frozenset(
    {
        # a call on a hotline
        "call_received",
        "language_chosen",
        "closed_line",  # the hotline was closed when the caller was routed (detail: reason)
        "queued",
        "answered",
        "abandoned",
        "left_queue_for_callback",
        "left_queue_for_voicemail",
        "closed_menu_choice",
        "call_completed",
        "call_failed",
        # concerns from any channel
        "callback_requested",
        "voicemail_left",
        "concern_raised",
        "concern_merged",
        "concern_claimed",
        "callback_attempted",
        "concern_settled",
        "concern_unreachable",
        "concern_withdrawn",  # the customer asked for erasure while it was open
        # messages
        "sms_received",
        "sms_sent",
        # counselling sessions (channel phone or video; the booking link's on sms)
        "counselling_link_sent",
        "counselling_booked",
        "counselling_moved",
        "counselling_cancelled",
        "counselling_reminded",
        "counselling_joined",
        "counselling_call_started",
        "counselling_call_connected",
        "counselling_call_failed",
        "counselling_held",
        "counselling_no_show",
        # counsellors on the hotline (reference "counsellor:<user id>"), for occupancy
        "counsellor_available",
        "counsellor_unavailable",
        # survey
        "survey_invited",
        "survey_answered",
    }
)
