"""The counsellor's counselling page /beratung: publishing slots (inside the hours, outside only
with a reason, never overlapping, only for one's own regions), the week with its bookings,
withdrawing, recording how a session went; and a booking link sent from a concern's page."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contacts.models import ContactEvent
from service import keys
from staff.accounts import create_user
from telephony.outbound.models import OutboxEntry
from tests.e2e.conftest import PASSWORD, Client, log_in
from tests.e2e.test_worklist import raise_one
from tests.support import ManualClock, csrf_from
from video.models import CounsellingInvitation, CounsellingSlot

BERLIN = ZoneInfo("Europe/Berlin")
MOBILE = "+4915112345678"
# The clock stands on Thursday 26 November 2026; Siegburg counsels on Mondays 16-19.
MONDAY = "2026-11-30"


def slot_form(token: str, **changes: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "region": "siegburg",
        "date": MONDAY,
        "time": "16:00",
        "minutes": "30",
        "kind": "either",
        "reason": "",
    } | changes


async def page(client: Client) -> str:
    response = await client.get("/beratung")
    assert response.status == 200
    return await response.text()


async def publish(client: Client, **changes: str) -> tuple[int, str]:
    token = csrf_from(await page(client))
    response = await client.post("/beratung/termine", data=slot_form(token, **changes))
    return response.status, await response.text()


async def slots_of(sessions: async_sessionmaker[AsyncSession]) -> list[CounsellingSlot]:
    async with sessions() as session:
        return list(await session.scalars(select(CounsellingSlot).order_by(CounsellingSlot.starts_at)))


async def test_a_counsellor_publishes_inside_the_hours_and_outside_only_with_a_reason(
    client: Client, staff: None, sessions: async_sessionmaker[AsyncSession]
) -> None:
    assert await log_in(client, "anna") == 303
    empty = await page(client)
    assert "Sie haben in den nächsten sieben Tagen keine Termine." in empty
    assert "Montag von 16 bis 19 Uhr; Samstag von 9 bis 12 Uhr" in empty  # Siegburg's hours, beside the form

    status, shown = await publish(client)
    assert status == 200 and "Der Termin ist veröffentlicht." in shown
    assert re.search(r"<time [^>]*>16:00</time>–16:30</td>\s*<td>Telefon oder Video</td>\s*<td>frei", shown)

    status, refused = await publish(client, time="20:00")
    assert status == 409
    assert "außerhalb der Beratungszeiten der Region. Bitte geben Sie einen Grund an." in refused
    assert 'value="20:00"' in refused and f'value="{MONDAY}"' in refused  # the input is kept

    status, shown = await publish(client, time="20:00", reason="Schichtarbeit")
    assert status == 200 and "Grund: Schichtarbeit" in shown

    status, overlapping = await publish(client, time="16:15")
    assert status == 409 and "überschneidet sich mit einem Ihrer anderen Termine" in overlapping
    assert [(s.starts_at.astimezone(BERLIN).hour, s.reason) for s in await slots_of(sessions)] == [
        (16, None),
        (20, "Schichtarbeit"),
    ]


async def test_weekly_slots_and_a_mistyped_form_are_explained(
    client: Client, staff: None, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await log_in(client, "anna")
    status, shown = await publish(client, repeat="1", weeks="3", kind="phone")
    assert status == 200 and "Die Termine sind veröffentlicht." in shown
    assert len({s.series for s in await slots_of(sessions)}) == 1 and len(await slots_of(sessions)) == 3
    status, wrong = await publish(client, date="morgen", time="", minutes="5")
    assert status == 400
    assert "Bitte ein Datum angeben" in wrong and "Bitte eine Uhrzeit angeben" in wrong
    status, short = await publish(client, time="17:00", minutes="5")
    assert status == 409 and "Ein Termin dauert mindestens 10 Minuten." in short


async def test_a_free_slot_is_withdrawn(
    client: Client, staff: None, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await log_in(client, "anna")
    await publish(client)
    [slot] = await slots_of(sessions)
    token = csrf_from(await page(client))
    response = await client.post(f"/beratung/termine/{slot.id}/zurueckziehen", data={"csrf_token": token})
    shown = await response.text()
    assert "Der Termin ist zurückgezogen." in shown and "keine Termine" in shown
    [gone] = await slots_of(sessions)
    assert gone.withdrawn_at is not None


async def test_a_booked_session_shows_the_masked_number_and_takes_its_outcome_once_begun(
    client: Client, staff: None, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    await log_in(client, "anna")
    await publish(client)
    [slot] = await slots_of(sessions)
    counselling = client.app[keys.COUNSELLING]
    sent = await counselling.invite(region_id="siegburg", number=MOBILE, language="de", source="command_line")
    booking = await counselling.book(
        token=sent.url.rsplit("/", 1)[1], slot_id=slot.id, mode="video", first_name="Jana Beispiel"
    )
    await client.app[keys.TEXTS].settled()

    shown = await page(client)
    assert 'Jana, <span class="masked">••••• ••••678</span>' in shown
    assert MOBILE not in shown and "12345678" not in shown
    assert "gebucht" in shown and "Zurückziehen" not in shown  # a booked slot is not withdrawn
    assert f'<a href="/beratung/sitzungen/{booking.id}/video">Video beitreten</a>' in shown
    token = csrf_from(shown)
    too_early = await client.post(
        f"/beratung/sitzungen/{booking.id}/ergebnis", data={"csrf_token": token, "outcome": "held"}
    )
    assert too_early.status == 409
    assert "kann erst ab Beginn des Termins eingetragen werden" in await too_early.text()

    clock.now = slot.starts_at + dt.timedelta(minutes=5)
    await log_in(client, "anna")  # days later: a new login
    token = csrf_from(await page(client))
    recorded = await client.post(
        f"/beratung/sitzungen/{booking.id}/ergebnis",
        data={"csrf_token": token, "outcome": "held", "note": "Unterlagen besprochen"},
    )
    shown = await recorded.text()
    assert "Das Ergebnis ist eingetragen." in shown and "stattgefunden" in shown
    async with sessions() as session:
        held = await session.scalar(select(ContactEvent).where(ContactEvent.kind == "counselling_held"))
    assert held is not None and held.channel == "video" and held.region == "siegburg"
    assert held.caller_pseudonym and MOBILE not in str(held.detail)


async def test_a_past_session_without_outcome_is_listed_until_recorded(
    client: Client, staff: None, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    await log_in(client, "anna")
    await publish(client, kind="phone")
    [slot] = await slots_of(sessions)
    counselling = client.app[keys.COUNSELLING]
    sent = await counselling.invite(region_id="siegburg", number=MOBILE, language="de", source="command_line")
    await counselling.book(token=sent.url.rsplit("/", 1)[1], slot_id=slot.id, mode="phone")
    await client.app[keys.TEXTS].settled()
    clock.now = slot.starts_at + dt.timedelta(days=2)
    await log_in(client, "anna")
    shown = await page(client)
    pending = shown[shown.index("Noch ohne Ergebnis") : shown.index("Heute und die nächsten sieben Tage")]
    assert "30. November 2026, <time" in pending and "••••• ••••678" in pending


async def test_a_counsellor_of_another_region_cannot_publish_here(
    client: Client, staff: None, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    async with sessions.begin() as session:
        await create_user(
            session, username="tom", password=PASSWORD, roles=["counsellor"], regions=["troisdorf"], now=clock()
        )
    await log_in(client, "tom")
    assert "Geschäftsstelle Siegburg" not in await page(client)
    status, refused = await publish(client)
    assert status == 403 and "Bitte eine Region wählen, für die Sie beraten." in refused
    assert await slots_of(sessions) == []
    await log_in(client, "paul")  # a planner has no counselling page
    assert (await client.get("/beratung")).status == 403


async def test_a_booking_link_is_sent_from_a_concern_to_its_mobile_number(
    client: Client, staff: None, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    concern = await raise_one(sessions, clock, 1, callback_number=MOBILE)
    landline = await raise_one(sessions, clock, 2, callback_number="+4922411234567")
    await log_in(client, "anna")
    shown = await (await client.get(f"/concerns/{concern.reference}")).text()
    assert "Beratungslink per SMS senden" in shown
    assert "Beratungslink per SMS senden" not in await (await client.get(f"/concerns/{landline.reference}")).text()

    response = await client.post(
        "/beratung/einladen",
        data={"csrf_token": csrf_from(shown), "reference": concern.reference},
        allow_redirects=False,
    )
    assert response.status == 303
    assert response.headers["Location"] == f"/concerns/{concern.reference}?done=counselling_link"
    back = await (await client.get(response.headers["Location"])).text()
    assert "Beratungslink per SMS gesendet an ••••• ••••678." in back
    await client.app[keys.TEXTS].settled()
    async with sessions() as session:
        [sms] = list(await session.scalars(select(OutboxEntry).where(OutboxEntry.kind == "sms")))
        invitation = await session.scalar(select(CounsellingInvitation))
        event = await session.scalar(select(ContactEvent).where(ContactEvent.kind == "counselling_link_sent"))
    assert sms.to_number == MOBILE and sms.from_number == "+4922419000100"
    assert re.search(r"http://127\.0\.0\.1:8080/termin/[A-Za-z0-9_.-]+", sms.body or "")
    assert invitation is not None and invitation.source == "concern" and invitation.concern_id == concern.id
    assert event is not None and event.channel == "sms" and event.detail == {"source": "concern"}

    refused = await client.post(
        "/beratung/einladen", data={"csrf_token": csrf_from(back), "reference": landline.reference}
    )
    assert refused.status == 409 and "keine Handynummer" in await refused.text()


async def test_a_concern_of_another_region_gets_no_link_from_this_counsellor(
    client: Client, staff: None, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    concern = await raise_one(sessions, clock, 1, callback_number=MOBILE, region="troisdorf")
    await log_in(client, "anna")
    token = csrf_from(await page(client))
    response = await client.post("/beratung/einladen", data={"csrf_token": token, "reference": concern.reference})
    assert response.status == 403
    missing = await client.post("/beratung/einladen", data={"csrf_token": token, "reference": "XXXX-0000"})
    assert missing.status == 404
    async with sessions() as session:
        assert await session.scalar(select(CounsellingInvitation)) is None
