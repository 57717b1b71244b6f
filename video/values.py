"""What counselling's use cases hand to pages, commands and jobs: plain values, no rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from video.models import CounsellingBooking, CounsellingSlot
from video.session_tokens import JoinTicket

JoinState = Literal["waiting", "open", "over", "cancelled"]


@dataclass(frozen=True, slots=True)
class SlotView:
    id: int
    region: str
    counsellor_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    kind: str
    reason: str | None
    series: str | None

    @classmethod
    def of(cls, slot: CounsellingSlot) -> SlotView:
        return cls(
            id=slot.id,
            region=slot.region,
            counsellor_id=slot.counsellor_id,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            kind=slot.kind,
            reason=slot.reason,
            series=slot.series,
        )

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    def modes(self) -> tuple[str, ...]:
        return ("phone", "video") if self.kind == "either" else (self.kind,)


@dataclass(frozen=True, slots=True)
class BookingView:
    """A booking as its customer or counsellor sees it; links only for the customer's own pages."""

    id: int
    region: str
    counsellor_id: int
    slot_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    mode: str
    status: str
    language: str
    phone: str | None  # E.164; personal data, shown masked
    first_name: str | None
    note: str | None
    manage_url: str | None = None
    join_url: str | None = None

    @classmethod
    def of(
        cls, booking: CounsellingBooking, *, manage_url: str | None = None, join_url: str | None = None
    ) -> BookingView:
        return cls(
            id=booking.id,
            region=booking.region,
            counsellor_id=booking.counsellor_id,
            slot_id=booking.slot_id,
            starts_at=booking.starts_at,
            ends_at=booking.ends_at,
            mode=booking.mode,
            status=booking.status,
            language=booking.language,
            phone=booking.phone,
            first_name=booking.first_name,
            note=booking.note,
            manage_url=manage_url,
            join_url=join_url,
        )

    @property
    def active(self) -> bool:
        return self.status == "booked"


@dataclass(frozen=True, slots=True)
class BookingChoice:
    """The booking page: a region's free slots for a customer holding a booking link."""

    region: str
    language: str
    phone: str | None  # the number the link went to, shown masked for the customer to confirm
    slots: tuple[SlotView, ...]
    video_offered: bool  # a video service is configured; otherwise slots offer phone only


@dataclass(frozen=True, slots=True)
class ManagedBooking:
    """A customer's own booking page: the booking and, while it can move, the slots it can move to."""

    booking: BookingView
    slots: tuple[SlotView, ...]
    video_offered: bool


@dataclass(frozen=True, slots=True)
class JoinPage:
    """A join link's page: wait, enter (with the ticket), or a plain word why not."""

    state: JoinState
    booking: BookingView
    opens_at: dt.datetime
    closes_at: dt.datetime
    ticket: JoinTicket | None = None


@dataclass(frozen=True, slots=True)
class InvitationSent:
    url: str
    created: bool  # False: a retried delivery found the invitation it made before, nothing sent again


@dataclass(frozen=True, slots=True)
class PhoneSession:
    """A phone session due now: ring the counsellor, then the customer."""

    booking_id: int
    region: str
    counsellor_id: int
    counsellor_phone: str | None
    customer_phone: str
    language: str
    call_state: str | None = None  # where its call is: ringing_counsellor, ringing_customer, …
