"""Counselling's use cases: each owns its transaction, writes its contact events, and sends its
text messages only after the commit (so a message never announces what was rolled back).

Callers: the counsellor's page and the booking pages (`video.*_views`), the command line, the
telephony webhooks (closed-line option, BERATUNG by SMS) and the scheduled jobs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from config.deployment import Deployment, Region
from config.loader import normalise_number
from contacts.pseudonyms import Pseudonymiser
from contacts.service import record_contact_event
from contacts.vocabulary import ContactChannel
from formatting import moments
from routing.numbers import takes_text_messages
from staff.models import StaffUser
from storage.clock import Clock
from storage.engine import Sessions
from video.errors import CounsellingRefused
from video.jobs import erase_personal_data
from video.links import LinkPurpose, LinkRefused, LinkSigner, new_link_key
from video.models import CounsellingBooking, CounsellingInvitation, CounsellingSlot
from video.rooms import new_room_name
from video.session_tokens import VideoCredentials, customer_name, join_ticket
from video.slots import BOOKING_DAYS, NewSlots, counsellor_slots, free_slots, publish_slots
from video.text_messages import message_language, text_message
from video.values import (
    BookingChoice,
    BookingView,
    InvitationSent,
    JoinPage,
    ManagedBooking,
    PhoneSession,
    SlotView,
)
from video.vocabulary import OUTCOMES, SESSION_MODES

INVITATION_DAYS = BOOKING_DAYS  # a booking link lives as long as the slots it shows
REMINDER_DAY = dt.timedelta(hours=24)
REMINDER_SOON = dt.timedelta(minutes=15)
MAX_FIRST_NAME = 60
# A phone session's call states in their order; connected and failed both end the way.
CALL_STATES = {"ringing_counsellor": 0, "ringing_customer": 1, "connected": 2, "failed": 2}

LinkUrls = Callable[[LinkPurpose, str], str]  # purpose, token → the absolute URL of its page


class TextSender(Protocol):
    def send(self, *, to: str, from_: str, body: str, context: Mapping[str, Any]) -> None: ...


@dataclass(frozen=True, slots=True)
class _Text:
    to: str
    from_: str
    body: str
    context: dict[str, Any]


@dataclass(frozen=True)
class Counselling:
    """Counselling slots, bookings and sessions of one deployment."""

    sessions: Sessions
    deployment: Deployment
    clock: Clock
    pseudonymiser: Pseudonymiser
    signer: LinkSigner
    urls: LinkUrls
    texts: Callable[[], TextSender | None]
    credentials: VideoCredentials

    # --- counsellors ----------------------------------------------------------------------

    async def publish(
        self,
        *,
        counsellor_id: int,
        region_id: str,
        start: dt.datetime,
        minutes: int = 30,
        kind: str = "either",
        reason: str | None = None,
        weeks: int = 1,
    ) -> list[SlotView]:
        """Offer a slot (weekly `weeks` times); see `video.slots.publish_slots` for what is refused."""
        region = self._region(region_id)
        if kind == "video" and not self.deployment.video.configured:
            raise CounsellingRefused("video_not_configured", "no video service is configured ([video] domain)")
        new = NewSlots(region, counsellor_id, start, minutes=minutes, kind=kind, reason=reason, weeks=weeks)
        async with self.sessions.begin() as session:
            slots = await publish_slots(session, new, deployment=self.deployment, now=self.clock())
            return [SlotView.of(slot) for slot in slots]

    async def withdraw(self, *, counsellor_id: int, slot_id: int) -> SlotView:
        """Stop offering a slot of one's own that nobody has booked."""
        async with self.sessions.begin() as session:
            slot = await session.get(CounsellingSlot, slot_id, with_for_update=True)
            if slot is None or slot.withdrawn_at is not None:
                raise CounsellingRefused("slot_not_found")
            if slot.counsellor_id != counsellor_id:
                raise CounsellingRefused("not_your_session")
            held = await session.scalar(
                select(CounsellingBooking.id).where(CounsellingBooking.holds_slot_id == slot.id)
            )
            if held is not None:
                raise CounsellingRefused("slot_booked", "cancel or move its booking first")
            slot.withdrawn_at = self.clock()
            return SlotView.of(slot)

    async def agenda(
        self, *, counsellor_id: int, since: dt.datetime, until: dt.datetime
    ) -> list[tuple[SlotView, BookingView | None]]:
        """A counsellor's slots in [since, until) with their bookings (for today and the week)."""
        async with self.sessions() as session:
            rows = await counsellor_slots(session, counsellor_id=counsellor_id, since=since, until=until)
        return [(SlotView.of(slot), BookingView.of(b) if b else None) for slot, b in rows]

    async def counsellor_join(self, *, counsellor_id: int, booking_id: int) -> JoinPage:
        """The counsellor's way into their own video session, as moderator."""
        now = self.clock()
        async with self.sessions.begin() as session:
            booking = await session.get(CounsellingBooking, booking_id)
            if booking is None:
                raise CounsellingRefused("booking_not_found")
            if booking.counsellor_id != counsellor_id:
                raise CounsellingRefused("not_your_session")
            counsellor = await session.get(StaffUser, counsellor_id)
            name = counsellor.display_name if counsellor else "Beratung"
            page = self._join_page(booking, now, name=name, moderator=True, identity=f"counsellor-{counsellor_id}")
            if page.state == "open":
                await self._event(session, booking, "counselling_joined", now, {"who": "counsellor"}, once=True)
            return page

    async def record_outcome(
        self, *, counsellor_id: int, booking_id: int, outcome: str, note: str | None = None
    ) -> BookingView:
        """How a session went: held or no-show (once it has started), cancelled, or moved (the
        slot is freed and the customer gets a new booking link)."""
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}")
        now = self.clock()
        texts: list[_Text] = []
        async with self.sessions.begin() as session:
            booking = await session.get(CounsellingBooking, booking_id, with_for_update=True)
            if booking is None:
                raise CounsellingRefused("booking_not_found")
            if booking.counsellor_id != counsellor_id:
                raise CounsellingRefused("not_your_session")
            if booking.status in ("cancelled", "moved"):
                raise CounsellingRefused("booking_closed")
            if outcome in ("held", "no_show") and now < booking.starts_at:
                raise CounsellingRefused(
                    "outcome_too_early", "held or no-show can be recorded once the session has begun"
                )
            booking.status = outcome
            booking.changed_at, booking.changed_by = now, counsellor_id
            booking.note = (note or "").strip() or None
            region = self._region(booking.region)
            when = self._when(booking.starts_at, booking.language)
            if outcome in ("cancelled", "moved"):
                booking.holds_slot_id = None
                if booking.phone and takes_text_messages(booking.phone):
                    if outcome == "cancelled":
                        body = text_message(booking.language, "cancelled", region=region.name, when=when)
                    else:
                        invitation = self._new_invitation(
                            region, booking.phone, booking.language, "staff", now, sent_by=counsellor_id
                        )
                        session.add(invitation)
                        await session.flush()
                        link = self._url("book", invitation.link_key, invitation.expires_at)
                        body = text_message(booking.language, "rebook", region=region.name, when=when, link=link)
                    texts.append(_Text(booking.phone, region.numbers[0], body, {"booking": booking.id}))
            await self._event(session, booking, f"counselling_{outcome}", now, {"by": "counsellor"})
            view = BookingView.of(booking)
        self._send(texts)
        return view

    # --- booking links --------------------------------------------------------------------

    async def invite(
        self,
        *,
        region_id: str,
        number: str,
        language: str,
        source: str,
        source_key: str | None = None,
        concern_id: int | None = None,
        sent_by: int | None = None,
    ) -> InvitationSent:
        """Send a booking link by SMS to a mobile number; a repeated delivery (`source_key`) sends nothing again."""
        region = self._region(region_id)
        phone = normalise_number(number)
        if phone is None:
            raise CounsellingRefused("number_invalid", "not a valid phone number")
        if not takes_text_messages(phone):
            raise CounsellingRefused("number_cannot_text", "the number is not a mobile number")
        now = self.clock()
        async with self.sessions.begin() as session:
            if source_key is not None:
                earlier = await session.scalar(
                    select(CounsellingInvitation).where(CounsellingInvitation.source_key == source_key)
                )
                if earlier is not None:
                    return InvitationSent(self._url("book", earlier.link_key, earlier.expires_at), created=False)
            invitation = self._new_invitation(
                region, phone, language, source, now, source_key=source_key, concern_id=concern_id, sent_by=sent_by
            )
            session.add(invitation)
            await session.flush()
            url = self._url("book", invitation.link_key, invitation.expires_at)
            await record_contact_event(
                session,
                pseudonymiser=self.pseudonymiser,
                at=now,
                channel="sms",
                kind="counselling_link_sent",
                region=region.id,
                caller=phone,
                reference=f"counselling-invitation:{invitation.id}",
                detail={"source": source},
                event_id=f"counselling-invitation:{invitation.id}:sent",
            )
        # Without a video service every slot is by phone: the text promises no video.
        key = "book_link" if self.deployment.video.configured else "book_link_phone"
        body = text_message(language, key, region=region.name, link=url)
        self._send([_Text(phone, region.numbers[0], body, {"invitation": invitation.id, "source": source})])
        return InvitationSent(url, created=True)

    async def booking_choice(self, token: str) -> BookingChoice:
        """What a booking link shows: the region's free slots for the next 14 days."""
        now = self.clock()
        async with self.sessions() as session:
            invitation = await self._invitation(session, token, now)
            slots = await free_slots(session, region=invitation.region, now=now)
        return BookingChoice(
            region=invitation.region,
            language=invitation.language,
            phone=invitation.phone,
            slots=tuple(self._offered(SlotView.of(slot)) for slot in slots if self._offered_at_all(slot)),
            video_offered=self.deployment.video.configured,
        )

    async def book(
        self,
        *,
        token: str,
        slot_id: int,
        mode: str,
        number: str | None = None,
        first_name: str | None = None,
        language: str | None = None,
    ) -> BookingView:
        """Book a slot with a booking link; the link is spent, the slot held (never twice), the
        customer gets the confirmation by SMS where their number takes one."""
        now = self.clock()
        if mode not in SESSION_MODES:
            raise CounsellingRefused("mode_not_offered")
        async with self.sessions.begin() as session:
            invitation = await self._invitation(session, token, now, for_update=True)
            phone = self._customer_phone(number, invitation.phone, mode)
            slot = await self._bookable_slot(session, slot_id, invitation.region, mode, now)
            booking = CounsellingBooking(
                link_key=new_link_key(),
                slot_id=slot.id,
                holds_slot_id=slot.id,
                invitation_id=invitation.id,
                region=slot.region,
                counsellor_id=slot.counsellor_id,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                mode=mode,
                room=new_room_name() if mode == "video" else None,
                phone=phone,
                first_name=_first_name(first_name),
                language=message_language(language or invitation.language),
                status="booked",
                booked_at=now,
            )
            await self._hold(session, booking)
            # The booking keeps the number now; the spent link needs it no more.
            invitation.spent_at, invitation.phone = now, None
            await self._event(session, booking, "counselling_booked", now, {"source": invitation.source})
            view = self._customer_view(booking)
        self._send(self._confirmation(view, "booked"))
        return view

    async def managed_booking(self, token: str) -> ManagedBooking:
        """A customer's own booking, from its manage link, with the slots it could move to."""
        now = self.clock()
        async with self.sessions() as session:
            booking = await self._booking(session, "manage", token, now)
            slots = await free_slots(session, region=booking.region, now=now) if booking.status == "booked" else []
            view = self._customer_view(booking)
        movable = tuple(
            SlotView.of(slot)
            for slot in slots
            if booking.mode in SlotView.of(slot).modes() and slot.id != booking.slot_id
        )
        return ManagedBooking(view, movable, self.deployment.video.configured)

    async def cancel(self, token: str) -> BookingView:
        """The customer cancels; the slot is free again, the links stop working."""
        now = self.clock()
        async with self.sessions.begin() as session:
            booking = await self._booking(session, "manage", token, now, for_update=True)
            self._still_changeable(booking, now)
            booking.status, booking.holds_slot_id, booking.changed_at = "cancelled", None, now
            await self._event(session, booking, "counselling_cancelled", now, {"by": "customer"})
            view = self._customer_view(booking)
        return view

    async def move(self, token: str, slot_id: int) -> BookingView:
        """The customer moves the booking to another free slot; its links stay the same."""
        now = self.clock()
        async with self.sessions.begin() as session:
            booking = await self._booking(session, "manage", token, now, for_update=True)
            self._still_changeable(booking, now)
            slot = await self._bookable_slot(session, slot_id, booking.region, booking.mode, now)
            before = booking.starts_at
            booking.holds_slot_id = None
            await session.flush()  # lets the old slot go before the new one is taken
            booking.slot_id, booking.holds_slot_id = slot.id, slot.id
            booking.counsellor_id, booking.starts_at, booking.ends_at = slot.counsellor_id, slot.starts_at, slot.ends_at
            booking.changed_at = now
            booking.reminded_day_at = booking.reminded_soon_at = None
            await self._hold(session, booking)
            detail = {"from": before.isoformat(), "to": slot.starts_at.isoformat()}
            await self._event(session, booking, "counselling_moved", now, detail | {"by": "customer"})
            view = self._customer_view(booking)
        self._send(self._confirmation(view, "moved"))
        return view

    async def customer_join(self, token: str) -> JoinPage:
        """The customer's join link: a waiting page before the session, the meeting in its window."""
        now = self.clock()
        async with self.sessions.begin() as session:
            booking = await self._booking(session, "join", token, now)
            if booking.mode != "video":
                raise LinkRefused("invalid")
            page = self._join_page(
                booking, now, name=customer_name(booking.first_name), moderator=False, identity=f"guest-{booking.id}"
            )
            if page.state == "open":
                await self._event(session, booking, "counselling_joined", now, {"who": "customer"}, once=True)
            return page

    # --- jobs -----------------------------------------------------------------------------

    async def send_reminders(self) -> int:
        """Remind customers 24 hours and 15 minutes before; each reminder is claimed in the
        database first, so it goes once however many processes run this. Returns how many went."""
        now = self.clock()
        texts: list[_Text] = []
        for column, lead, earliest in (
            (CounsellingBooking.reminded_day_at, REMINDER_DAY, REMINDER_SOON),
            (CounsellingBooking.reminded_soon_at, REMINDER_SOON, dt.timedelta(0)),
        ):
            async with self.sessions.begin() as session:
                due = list(
                    await session.scalars(
                        select(CounsellingBooking).where(
                            CounsellingBooking.status == "booked",
                            column.is_(None),
                            CounsellingBooking.starts_at <= now + lead,
                            CounsellingBooking.starts_at > now + earliest,
                            CounsellingBooking.phone.is_not(None),
                        )
                    )
                )
                for booking in due:
                    if booking.booked_at >= booking.starts_at - lead:
                        continue  # booked after the reminder's moment: the confirmation just said it all
                    claimed = await session.execute(
                        update(CounsellingBooking)
                        .where(CounsellingBooking.id == booking.id, column.is_(None))
                        .values({column.key: now})
                        .execution_options(synchronize_session=False)
                    )
                    if not getattr(claimed, "rowcount", 0) or booking.phone is None:
                        continue
                    if not takes_text_messages(booking.phone):
                        continue
                    kind = "day" if lead == REMINDER_DAY else "soon"
                    await self._event(session, booking, "counselling_reminded", now, {"reminder": kind}, suffix=kind)
                    texts.append(self._reminder(booking))
        self._send(texts)
        return len(texts)

    async def claim_due_phone_sessions(self) -> list[PhoneSession]:
        """Phone sessions whose time has come and whose call has not been started; each is
        claimed here, so only one process dials it."""
        now = self.clock()
        sessions: list[PhoneSession] = []
        async with self.sessions.begin() as session:
            due = list(
                await session.scalars(
                    select(CounsellingBooking).where(
                        CounsellingBooking.status == "booked",
                        CounsellingBooking.mode == "phone",
                        CounsellingBooking.call_started_at.is_(None),
                        CounsellingBooking.starts_at <= now,
                        CounsellingBooking.ends_at > now,
                        CounsellingBooking.phone.is_not(None),
                    )
                )
            )
            for booking in due:
                claimed = await session.execute(
                    update(CounsellingBooking)
                    .where(CounsellingBooking.id == booking.id, CounsellingBooking.call_started_at.is_(None))
                    .values(call_started_at=now)
                    .execution_options(synchronize_session=False)
                )
                if not getattr(claimed, "rowcount", 0) or booking.phone is None:
                    continue
                counsellor = await session.get(StaffUser, booking.counsellor_id)
                sessions.append(
                    PhoneSession(
                        booking_id=booking.id,
                        region=booking.region,
                        counsellor_id=booking.counsellor_id,
                        counsellor_phone=counsellor.phone if counsellor else None,
                        customer_phone=booking.phone,
                        language=booking.language,
                    )
                )
                await self._event(session, booking, "counselling_call_started", now, {})
        return sessions

    async def phone_session(self, booking_id: int) -> PhoneSession | None:
        """The phone session of a booking whose call was started and has neither connected nor
        failed (for the counsellor's answered call); None otherwise."""
        async with self.sessions() as session:
            booking = await session.get(CounsellingBooking, booking_id)
            if booking is None or booking.call_started_at is None or booking.call_state in ("connected", "failed"):
                return None
            if booking.status != "booked" or booking.mode != "phone" or booking.phone is None:
                return None
            counsellor = await session.get(StaffUser, booking.counsellor_id)
            return PhoneSession(
                booking_id=booking.id,
                region=booking.region,
                counsellor_id=booking.counsellor_id,
                counsellor_phone=counsellor.phone if counsellor else None,
                customer_phone=booking.phone,
                language=booking.language,
                call_state=booking.call_state,
            )

    async def note_session_call(
        self,
        booking_id: int,
        *,
        state: str,
        counsellor_call_sid: str | None = None,
        customer_call_sid: str | None = None,
        error: str | None = None,
    ) -> None:
        """Keep the phone session's call state (ringing_counsellor, ringing_customer, connected,
        failed). It only moves forward: Twilio's callbacks come late, twice or out of order, and a
        connected or failed call stays so."""
        if state not in CALL_STATES:
            raise ValueError(f"state must be one of {', '.join(CALL_STATES)}")
        now = self.clock()
        async with self.sessions.begin() as session:
            booking = await session.get(CounsellingBooking, booking_id, with_for_update=True)
            if booking is None:
                return
            if counsellor_call_sid and booking.counsellor_call_sid is None:
                booking.counsellor_call_sid = counsellor_call_sid
            if customer_call_sid and booking.customer_call_sid is None:
                booking.customer_call_sid = customer_call_sid
            if booking.call_state is not None and CALL_STATES[state] <= CALL_STATES.get(booking.call_state, -1):
                return
            booking.call_state = state
            if state in ("connected", "failed"):
                detail = {"state": state} | ({"error": error[:200]} if error else {})
                await self._event(session, booking, f"counselling_call_{state}", now, detail, once=True)

    async def erase_due_personal_data(self) -> int:
        """Empties bookings whose session ended `retention.booking_days` ago, and booking links
        that expired or were used (the deletion job runs `video.jobs.erase_personal_data` itself)."""
        keep = dt.timedelta(days=self.deployment.retention.booking_days)
        async with self.sessions.begin() as session:
            return await erase_personal_data(session, self.clock(), keep)

    # --- listing for the command line -----------------------------------------------------

    async def overview(
        self, *, region_id: str | None, since: dt.datetime
    ) -> list[tuple[SlotView, str | None, str | None]]:
        """Slots from `since` on, with each one's booking status and mode; no personal data."""
        async with self.sessions() as session:
            query = (
                select(CounsellingSlot, CounsellingBooking.status, CounsellingBooking.mode)
                .outerjoin(
                    CounsellingBooking,
                    (CounsellingBooking.slot_id == CounsellingSlot.id)
                    & CounsellingBooking.status.in_(("booked", "held", "no_show")),
                )
                .where(CounsellingSlot.withdrawn_at.is_(None), CounsellingSlot.ends_at > since)
                .order_by(CounsellingSlot.starts_at, CounsellingSlot.id)
            )
            if region_id is not None:
                query = query.where(CounsellingSlot.region == region_id)
            rows = (await session.execute(query)).all()
        return [(SlotView.of(slot), status, mode) for slot, status, mode in rows]

    # --- inside ---------------------------------------------------------------------------

    def _region(self, region_id: str) -> Region:
        region = next((r for r in self.deployment.regions if r.id == region_id), None)
        if region is None:
            raise CounsellingRefused("unknown_region", f"no region {region_id!r} in the deployment")
        return region

    def _url(self, purpose: LinkPurpose, key: str, expires_at: dt.datetime) -> str:
        return self.urls(purpose, self.signer.sign(purpose, key, expires_at))

    def _new_invitation(
        self,
        region: Region,
        phone: str,
        language: str,
        source: str,
        now: dt.datetime,
        *,
        source_key: str | None = None,
        concern_id: int | None = None,
        sent_by: int | None = None,
    ) -> CounsellingInvitation:
        return CounsellingInvitation(
            link_key=new_link_key(),
            region=region.id,
            phone=phone,
            language=message_language(language),
            source=source,
            source_key=source_key,
            concern_id=concern_id,
            sent_by=sent_by,
            created_at=now,
            expires_at=now + dt.timedelta(days=INVITATION_DAYS),
        )

    async def _invitation(
        self, session: AsyncSession, token: str, now: dt.datetime, *, for_update: bool = False
    ) -> CounsellingInvitation:
        key = self.signer.check("book", token, now)
        query = select(CounsellingInvitation).where(CounsellingInvitation.link_key == key)
        invitation = await session.scalar(query.with_for_update() if for_update else query)
        if invitation is None:
            raise LinkRefused("invalid")
        if invitation.spent_at is not None:
            raise CounsellingRefused("link_spent", "this booking link was used for a booking already")
        if invitation.phone is None:  # emptied by retention
            raise LinkRefused("invalid")
        return invitation

    async def _booking(
        self, session: AsyncSession, purpose: LinkPurpose, token: str, now: dt.datetime, *, for_update: bool = False
    ) -> CounsellingBooking:
        key = self.signer.check(purpose, token, now)
        query = select(CounsellingBooking).where(CounsellingBooking.link_key == key)
        booking = await session.scalar(query.with_for_update() if for_update else query)
        if booking is None or booking.personal_data_deleted_at is not None:
            raise LinkRefused("invalid")
        return booking

    def _customer_phone(self, number: str | None, invited: str | None, mode: str) -> str:
        text = (number or "").strip()
        phone = normalise_number(text) if text else invited
        if phone is None:
            raise CounsellingRefused("number_invalid", "not a valid phone number")
        # A video session's join link comes by SMS; a phone session needs only a line to ring.
        if mode == "video" and not takes_text_messages(phone):
            raise CounsellingRefused("number_cannot_text", "the join link goes by SMS: a mobile number is needed")
        return phone

    async def _bookable_slot(
        self, session: AsyncSession, slot_id: int, region: str, mode: str, now: dt.datetime
    ) -> CounsellingSlot:
        slot = await session.get(CounsellingSlot, slot_id)
        if slot is None or slot.withdrawn_at is not None or slot.region != region:
            raise CounsellingRefused("slot_not_found")
        if slot.starts_at <= now:
            raise CounsellingRefused("slot_in_past", "the slot has begun or is over")
        if mode not in SlotView.of(slot).modes():
            raise CounsellingRefused("mode_not_offered")
        if mode == "video" and not self.deployment.video.configured:
            raise CounsellingRefused("video_not_configured")
        return slot

    async def _hold(self, session: AsyncSession, booking: CounsellingBooking) -> None:
        """Write the booking; the unique slot hold refuses a second booking of the same slot."""
        try:
            async with session.begin_nested():
                session.add(booking)
                await session.flush()
        except IntegrityError as exc:
            raise CounsellingRefused("slot_taken", "someone else booked this slot a moment ago") from exc

    def _still_changeable(self, booking: CounsellingBooking, now: dt.datetime) -> None:
        if booking.status != "booked":
            raise CounsellingRefused("booking_closed")
        if booking.starts_at <= now:
            raise CounsellingRefused("slot_in_past", "the session has begun")

    def _offered_at_all(self, slot: CounsellingSlot) -> bool:
        return slot.kind != "video" or self.deployment.video.configured

    def _offered(self, slot: SlotView) -> SlotView:
        """Without a video service, an "either" slot is offered for the phone only."""
        if slot.kind == "either" and not self.deployment.video.configured:
            return dataclasses.replace(slot, kind="phone")
        return slot

    def _customer_view(self, booking: CounsellingBooking) -> BookingView:
        closes = booking.ends_at + self.deployment.video.grace
        manage = self._url("manage", booking.link_key, booking.ends_at)
        join = self._url("join", booking.link_key, closes) if booking.mode == "video" else None
        return BookingView.of(booking, manage_url=manage, join_url=join)

    def _join_page(
        self, booking: CounsellingBooking, now: dt.datetime, *, name: str, moderator: bool, identity: str
    ) -> JoinPage:
        video = self.deployment.video
        opens, closes = booking.starts_at - video.early_join, booking.ends_at + video.grace
        view = BookingView.of(booking)
        if booking.status in ("cancelled", "moved") or booking.mode != "video":
            return JoinPage("cancelled", view, opens, closes)
        if now >= closes or (booking.status in ("held", "no_show") and now >= booking.ends_at):
            return JoinPage("over", view, opens, closes)
        if now < opens or booking.room is None or not video.configured:
            return JoinPage("waiting", view, opens, closes)
        ticket = join_ticket(
            video,
            self.credentials,
            room=booking.room,
            name=name,
            moderator=moderator,
            start=booking.starts_at,
            end=booking.ends_at,
            now=now,
            identity=identity,
        )
        return JoinPage("open", view, opens, closes, ticket)

    def _when(self, moment: dt.datetime, language: str) -> str:
        return moments.moment(moment, self.deployment.zone, message_language(language))

    def _confirmation(self, view: BookingView, what: str) -> list[_Text]:
        if view.phone is None or not takes_text_messages(view.phone):
            return []
        region = self._region(view.region)
        key = f"{what}_{view.mode}"
        values = {
            "region": region.name,
            "when": self._when(view.starts_at, view.language),
            "manage": view.manage_url or "",
        }
        if view.join_url:
            values["join"] = view.join_url
        return [_Text(view.phone, region.numbers[0], text_message(view.language, key, **values), {"booking": view.id})]

    def _reminder(self, booking: CounsellingBooking) -> _Text:
        assert booking.phone is not None
        view = self._customer_view(booking)
        region = self._region(booking.region)
        values = {"region": region.name, "when": self._when(booking.starts_at, booking.language)}
        values |= {"join": view.join_url or "", "manage": view.manage_url or ""}
        body = text_message(booking.language, f"reminder_{booking.mode}", **values)
        return _Text(booking.phone, region.numbers[0], body, {"booking": booking.id})

    def _send(self, texts: list[_Text]) -> None:
        sender = self.texts()
        if sender is None:
            return
        for text in texts:
            sender.send(to=text.to, from_=text.from_, body=text.body, context=text.context)

    async def _event(
        self,
        session: AsyncSession,
        booking: CounsellingBooking,
        kind: str,
        at: dt.datetime,
        detail: dict[str, Any],
        *,
        once: bool = False,
        suffix: str = "",
    ) -> None:
        """A contact event of the session, on its own channel (phone or video); `once` keeps
        only the first of its kind (a join page reloaded is one join)."""
        channel: ContactChannel = "video" if booking.mode == "video" else "phone"
        tail = f"{kind}:{suffix}" if suffix else kind
        event_id = f"counselling:{booking.id}:{tail}" if once or suffix else None
        await record_contact_event(
            session,
            pseudonymiser=self.pseudonymiser,
            at=at,
            channel=channel,
            kind=kind,
            region=booking.region,
            caller=booking.phone,
            reference=f"counselling:{booking.id}",
            detail={"mode": booking.mode, **detail},
            event_id=event_id,
        )


def _first_name(text: str | None) -> str | None:
    words = (text or "").split()
    return words[0][:MAX_FIRST_NAME] if words else None

