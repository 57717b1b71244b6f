"""Why a counselling action was refused, as a stable code the pages and commands turn into words."""

from __future__ import annotations

from typing import Literal

RefusalCode = Literal[
    "unknown_region",
    "no_counselling_hours",
    "outside_hours_without_reason",
    "slot_in_past",
    "slot_too_short",
    "slot_too_long",
    "slot_overlaps",
    "slot_not_found",
    "slot_taken",
    "slot_booked",
    "mode_not_offered",
    "video_not_configured",
    "link_invalid",
    "link_expired",
    "link_spent",
    "booking_not_found",
    "booking_closed",
    "not_your_session",
    "outcome_too_early",
    "number_invalid",
    "number_cannot_text",
    "no_counsellor_phone",
]


class CounsellingRefused(Exception):
    """A counselling action that cannot be done; `code` picks the message, `detail` is for logs
    and the command line (English, never personal data)."""

    def __init__(self, code: RefusalCode, detail: str = "") -> None:
        super().__init__(detail or code)
        self.code: RefusalCode = code
        self.detail = detail or code
