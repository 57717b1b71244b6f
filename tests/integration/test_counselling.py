"""Counselling's use cases on SQLite and PostgreSQL: publishing slots, booking with a link,
never twice, moving, cancelling, joining, reminders once."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import jwt
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from config.deployment import Deployment
from config.loader import load_deployment
from config.settings import EXAMPLE_DEPLOYMENT
from contacts.models import ContactEvent
from contacts.pseudonyms import Pseudonymiser
from staff.accounts import create_user
from staff.models import StaffUser
from storage.engine import Sessions, session_factory
from tests.support import TEST_SECRET, ManualClock
from video.errors import CounsellingRefused
from video.links import LinkRefused, LinkSigner
from video.models import CounsellingBooking, CounsellingInvitation
from video.service import Counselling
from video.session_tokens import DEVELOPMENT_API_KEY_SID, VideoCredentials

DEPLOYMENT: Deployment = load_deployment(EXAMPLE_DEPLOYMENT)
BERLIN = ZoneInfo("Europe/Berlin")
MOBILE = "+4915112345678"
OTHER_MOBILE = "+4917600000001"
LANDLINE = "+4922411234567"
VIDEO_SECRET = "v" * 40
# Thursday 26 November 2026; Siegburg counsels on Mondays 16-19 and Saturdays 9-12.
MONDAY_16 = dt.datetime(2026, 11, 30, 16, 0, tzinfo=BERLIN)


@dataclass
class Texts:
    sent: list[dict[str, Any]] = field(default_factory=list)

    def send(self, **message: Any) -> None:
        self.sent.append(message)


def counselling(sessions: Sessions, clock: ManualClock, texts: Texts) -> Counselling:
    return Counselling(
        sessions=sessions,
        deployment=DEPLOYMENT,
        clock=clock,
        pseudonymiser=Pseudonymiser(TEST_SECRET),
        signer=LinkSigner(TEST_SECRET),
        urls=lambda purpose, token: f"https://hotline.example/{purpose}/{token}",
        texts=lambda: texts,
        credentials=VideoCredentials(VIDEO_SECRET, "AC" + "1" * 32, DEVELOPMENT_API_KEY_SID, VIDEO_SECRET, False),
    )


@pytest.fixture
def texts() -> Texts:
    return Texts()


@pytest.fixture
def service(engine: AsyncEngine, clock: ManualClock, texts: Texts) -> Counselling:
    return counselling(session_factory(engine), clock, texts)


async def counsellor(service: Counselling, clock: ManualClock, name: str = "berater") -> int:
    async with service.sessions.begin() as session:
        user = await create_user(
            session, username=name, password="correct horse battery", roles=["counsellor"], now=clock()
        )
        row = await session.get(StaffUser, user.id)
        assert row is not None
        row.phone = "+4922419000555"
        return user.id


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


async def invited(service: Counselling, number: str = MOBILE) -> str:
    sent = await service.invite(region_id="siegburg", number=number, language="de", source="command_line")
    return token_of(sent.url)


async def test_slots_inside_counselling_hours_need_no_reason_and_others_do(
    service: Counselling, clock: ManualClock
) -> None:
    me = await counsellor(service, clock)
    inside = await service.publish(counsellor_id=me, region_id="siegburg", start=MONDAY_16, minutes=30, kind="video")
    assert [s.starts_at for s in inside] == [MONDAY_16.astimezone(dt.UTC)]
    evening = MONDAY_16.replace(hour=20)
    with pytest.raises(CounsellingRefused) as refused:
        await service.publish(counsellor_id=me, region_id="siegburg", start=evening, minutes=30)
    assert refused.value.code == "outside_hours_without_reason"
    # Running past the end of the hours counts as outside too.
    with pytest.raises(CounsellingRefused):
        await service.publish(counsellor_id=me, region_id="siegburg", start=MONDAY_16.replace(hour=18, minute=45))
    late = await service.publish(
        counsellor_id=me, region_id="siegburg", start=evening, minutes=30, reason="Schichtarbeit des Kunden"
    )
    assert late[0].reason == "Schichtarbeit des Kunden"


async def test_overlapping_slots_of_one_counsellor_are_refused(service: Counselling, clock: ManualClock) -> None:
    me, colleague = await counsellor(service, clock), await counsellor(service, clock, "kollegin")
    await service.publish(counsellor_id=me, region_id="siegburg", start=MONDAY_16, minutes=30)
    with pytest.raises(CounsellingRefused) as refused:
        await service.publish(counsellor_id=me, region_id="siegburg", start=MONDAY_16 + dt.timedelta(minutes=15))
    assert refused.value.code == "slot_overlaps"
    # Back to back is fine, and so is a colleague at the same time.
    await service.publish(counsellor_id=me, region_id="siegburg", start=MONDAY_16 + dt.timedelta(minutes=30))
    await service.publish(counsellor_id=colleague, region_id="siegburg", start=MONDAY_16)


async def test_past_slots_are_refused(service: Counselling, clock: ManualClock) -> None:
    me = await counsellor(service, clock)
    with pytest.raises(CounsellingRefused) as refused:
        await service.publish(
            counsellor_id=me, region_id="siegburg", start=clock() - dt.timedelta(minutes=1), reason="x"
        )
    assert refused.value.code == "slot_in_past"


async def test_weekly_slots_keep_their_wall_clock_time_across_the_change_of_time(
    service: Counselling, clock: ManualClock
) -> None:
    clock.now = dt.datetime(2028, 3, 18, 12, 0, tzinfo=dt.UTC)
    me = await counsellor(service, clock)
    monday = dt.datetime(2028, 3, 20, 16, 0, tzinfo=BERLIN)  # summer time begins on 26 March
    slots = await service.publish(counsellor_id=me, region_id="siegburg", start=monday, weeks=3)
    assert [s.starts_at.astimezone(BERLIN).strftime("%d %H:%M") for s in slots] == ["20 16:00", "27 16:00", "03 16:00"]
    assert [s.starts_at.hour for s in slots] == [15, 14, 14]  # in UTC
    assert len({s.series for s in slots}) == 1


async def test_a_booking_link_books_once_and_the_slot_is_gone(
    service: Counselling, clock: ManualClock, texts: Texts
) -> None:
    me = await counsellor(service, clock)
    [slot] = await service.publish(counsellor_id=me, region_id="siegburg", start=MONDAY_16, kind="either")
    token = await invited(service)
    assert texts.sent[0]["to"] == MOBILE and "https://hotline.example/book/" in texts.sent[0]["body"]
    choice = await service.booking_choice(token)
    assert [s.id for s in choice.slots] == [slot.id] and choice.phone == MOBILE
    booking = await service.book(token=token, slot_id=slot.id, mode="video", first_name="Anna Beispiel")
    assert booking.first_name == "Anna" and booking.join_url and booking.manage_url
    assert "Teilnehmen" in texts.sent[-1]["body"] and booking.join_url in texts.sent[-1]["body"]
    with pytest.raises(CounsellingRefused) as spent:
        await service.booking_choice(token)
    assert spent.value.code == "link_spent"
    other = await invited(service, OTHER_MOBILE)
    assert (await service.booking_choice(other)).slots == ()
    with pytest.raises(CounsellingRefused) as taken:
        await service.book(token=other, slot_id=slot.id, mode="phone")
    assert taken.value.code == "slot_taken"


async def test_tampered_and_expired_links_are_refused(service: Counselling, clock: ManualClock) -> None:
    token = await invited(service)
    key, expiry, signature = token.split(".")
    with pytest.raises(LinkRefused) as tampered:
        await service.booking_choice(f"{key}.{int(expiry, 36) + 86400:x}.{signature}")
    assert tampered.value.reason == "invalid"
    with pytest.raises(LinkRefused):
        await service.booking_choice(f"{key[:-1]}{'B' if key.endswith('A') else 'A'}.{expiry}.{signature}")
    clock.advance(days=15)
    with pytest.raises(LinkRefused) as expired:
        await service.booking_choice(token)
    assert expired.value.reason == "expired"


async def test_a_video_session_needs_a_mobile_number_a_phone_session_does_not(
    service: Counselling, clock: ManualClock
) -> None:
    me = await counsellor(service, clock)
    [slot] = await service.publish(counsellor_id=me, region_id="siegburg", start=MONDAY_16)
    token = await invited(service)
    with pytest.raises(CounsellingRefused) as refused:
        await service.book(token=token, slot_id=slot.id, mode="video", number=LANDLINE)
    assert refused.value.code == "number_cannot_text"
    booking = await service.book(token=token, slot_id=slot.id, mode="phone", number="02241 1234567")
    assert booking.phone == LANDLINE and booking.join_url is None
    with pytest.raises(CounsellingRefused) as landline:
        await service.invite(region_id="siegburg", number=LANDLINE, language="de", source="command_line")
    assert landline.value.code == "number_cannot_text"


async def test_moving_and_cancelling_free_the_slot(service: Counselling, clock: ManualClock, texts: Texts) -> None:
    me = await counsellor(service, clock)
    [first] = await service.publish(counsellor_id=me, region_id="siegburg", start=MONDAY_16)
    [second] = await service.publish(counsellor_id=me, region_id="siegburg", start=MONDAY_16 + dt.timedelta(hours=1))
    booking = await service.book(token=await invited(service), slot_id=first.id, mode="phone")
    manage = token_of(booking.manage_url or "")
    assert [s.id for s in (await service.managed_booking(manage)).slots] == [second.id]
    moved = await service.move(manage, second.id)
    assert moved.slot_id == second.id and "jetzt" in texts.sent[-1]["body"]
    assert [s.id for s in (await service.booking_choice(await invited(service, OTHER_MOBILE))).slots] == [first.id]
    cancelled = await service.cancel(manage)
    assert cancelled.status == "cancelled"
    assert {s.id for s in (await service.booking_choice(await invited(service, OTHER_MOBILE))).slots} == {
        first.id,
        second.id,
    }
    with pytest.raises(CounsellingRefused) as closed:
        await service.move(manage, first.id)
    assert closed.value.code == "booking_closed"


async def test_join_link_waits_opens_with_tokens_and_closes(service: Counselling, clock: ManualClock) -> None:
    me = await counsellor(service, clock)
    [slot] = await service.publish(counsellor_id=me, region_id="siegburg", start=MONDAY_16, kind="video")
    booking = await service.book(token=await invited(service), slot_id=slot.id, mode="video", first_name="Anna")
    join = token_of(booking.join_url or "")
    assert (await service.customer_join(join)).state == "waiting"
    clock.now = MONDAY_16.astimezone(dt.UTC) - dt.timedelta(minutes=10)
    page = await service.customer_join(join)
    assert page.state == "open" and page.ticket is not None
    # The test's clock is not PyJWT's: the window is checked below, claim by claim.
    claims = jwt.decode(
        page.ticket.token,
        VIDEO_SECRET,
        algorithms=["HS256"],
        audience="jitsi",
        options={"verify_exp": False, "verify_nbf": False},
    )
    start = MONDAY_16.astimezone(dt.UTC)
    assert claims["nbf"] == int((start - dt.timedelta(minutes=10)).timestamp())
    assert claims["exp"] == int((start + dt.timedelta(minutes=30 + 15)).timestamp())
    assert claims["context"]["user"] == {"name": "Anna", "moderator": False}
    assert claims["room"] == page.ticket.room and claims["sub"] == DEPLOYMENT.video.domain
    host = await service.counsellor_join(counsellor_id=me, booking_id=booking.id)
    assert host.ticket is not None and host.ticket.moderator and host.ticket.room == page.ticket.room
    with pytest.raises(CounsellingRefused):
        await service.counsellor_join(counsellor_id=me + 1000, booking_id=booking.id)
    clock.now = MONDAY_16.astimezone(dt.UTC) + dt.timedelta(minutes=45)
    with pytest.raises(LinkRefused) as expired:
        await service.customer_join(join)
    assert expired.value.reason == "expired"


async def test_outcomes_are_contact_events_of_the_sessions_channel(service: Counselling, clock: ManualClock) -> None:
    me = await counsellor(service, clock)
    [slot] = await service.publish(counsellor_id=me, region_id="siegburg", start=MONDAY_16, kind="video")
    booking = await service.book(token=await invited(service), slot_id=slot.id, mode="video")
    with pytest.raises(CounsellingRefused) as early:
        await service.record_outcome(counsellor_id=me, booking_id=booking.id, outcome="held")
    assert early.value.code == "outcome_too_early"
    clock.now = MONDAY_16.astimezone(dt.UTC) + dt.timedelta(minutes=31)
    await service.record_outcome(counsellor_id=me, booking_id=booking.id, outcome="held", note="Unterlagen besprochen")
    async with service.sessions() as session:
        kinds = [
            (e.channel, e.kind)
            for e in await session.scalars(select(ContactEvent).order_by(ContactEvent.occurred_at, ContactEvent.id))
        ]
    assert kinds == [("sms", "counselling_link_sent"), ("video", "counselling_booked"), ("video", "counselling_held")]


async def test_reminders_go_once_a_day_and_a_quarter_hour_before(
    engine: AsyncEngine, service: Counselling, clock: ManualClock, texts: Texts
) -> None:
    me = await counsellor(service, clock)
    [slot] = await service.publish(counsellor_id=me, region_id="siegburg", start=MONDAY_16, kind="phone")
    await service.book(token=await invited(service), slot_id=slot.id, mode="phone")
    before = len(texts.sent)
    # A second service on its own engine stands for a second process sharing the database.
    other = counselling(session_factory(engine), clock, texts)
    assert await service.send_reminders() == 0
    clock.now = MONDAY_16.astimezone(dt.UTC) - dt.timedelta(hours=23)
    assert sorted(await asyncio.gather(service.send_reminders(), other.send_reminders())) == [0, 1]
    assert await service.send_reminders() == 0
    clock.now = MONDAY_16.astimezone(dt.UTC) - dt.timedelta(minutes=10)
    assert await other.send_reminders() + await service.send_reminders() == 1
    assert [m["body"].startswith("Erinnerung") for m in texts.sent[before:]] == [True, True]


async def test_due_phone_sessions_are_claimed_once(service: Counselling, clock: ManualClock) -> None:
    me = await counsellor(service, clock)
    [slot] = await service.publish(counsellor_id=me, region_id="siegburg", start=MONDAY_16, kind="phone")
    await service.book(token=await invited(service), slot_id=slot.id, mode="phone")
    assert await service.claim_due_phone_sessions() == []
    clock.now = MONDAY_16.astimezone(dt.UTC)
    [due] = await service.claim_due_phone_sessions()
    assert due.customer_phone == MOBILE and due.counsellor_phone == "+4922419000555"
    assert await service.claim_due_phone_sessions() == []


async def test_concurrent_bookings_of_one_slot_leave_exactly_one(
    engine: AsyncEngine, service: Counselling, clock: ManualClock
) -> None:
    me = await counsellor(service, clock)
    [slot] = await service.publish(counsellor_id=me, region_id="siegburg", start=MONDAY_16, kind="phone")
    tokens = [await invited(service, f"+49151000000{n:02d}") for n in range(8)]

    async def attempt(token: str) -> str:
        try:
            await service.book(token=token, slot_id=slot.id, mode="phone")
        except CounsellingRefused as refused:
            return refused.code
        return "booked"

    results = await asyncio.gather(*(attempt(t) for t in tokens))
    assert sorted(results) == ["booked"] + ["slot_taken"] * 7
    async with service.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(CounsellingBooking)) == 1


async def test_personal_data_goes_after_the_retention_period_and_links_stop_working(
    service: Counselling, clock: ManualClock
) -> None:
    me = await counsellor(service, clock)
    [slot] = await service.publish(counsellor_id=me, region_id="siegburg", start=MONDAY_16, kind="phone")
    booking = await service.book(token=await invited(service), slot_id=slot.id, mode="phone", first_name="Anna")
    unused = await invited(service, OTHER_MOBILE)
    async with service.sessions() as session:
        numbers = set(await session.scalars(select(CounsellingInvitation.phone)))
    assert numbers == {None, OTHER_MOBILE}  # the used link's number lives on in the booking only
    assert await service.erase_due_personal_data() == 0
    clock.now = MONDAY_16.astimezone(dt.UTC) + dt.timedelta(days=30, minutes=29)  # the session ended at 16:30
    assert await service.erase_due_personal_data() == 1  # the unused link expired after 14 days
    with pytest.raises(LinkRefused):
        await service.booking_choice(unused)
    clock.advance(minutes=1)
    assert await service.erase_due_personal_data() == 1
    assert await service.erase_due_personal_data() == 0
    async with service.sessions() as session:
        row = await session.get(CounsellingBooking, booking.id)
        assert row is not None and (row.phone, row.first_name, row.note) == (None, None, None)
        assert row.status == "booked" and row.starts_at == slot.starts_at  # the anonymous record stays
