"""One intake for every channel, against the whole app: anonymous input (the contact form) never
discloses or changes another person's concern, staff decide about it, the same refusal reads
the same on every channel, and no transcript or number outlives the retention period.

The clock stands on Thursday 26 November 2026, 10:30 in Siegburg."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiohttp import ClientResponse
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callbacks.models import Concern, ConcernEntry
from callbacks.recording_news import RecordingNews
from callbacks.refusals import message
from service import keys
from service.i18n import load_catalogue
from staff.accounts import create_user
from storage.base import Base
from tests.e2e.conftest import PASSWORD, Client, log_in
from tests.fakes.twilio_api import FakeTwilioApi
from tests.support import ManualClock, csrf_from
from tests.twilio_requests import FakeTwilio, new_sid, said

Setup = tuple[Client, FakeTwilio]
CALLER = "+4917611112222"
CALLER_AS_TYPED = "0176 11112222"  # the same number in national notation
FORM = "/kontakt/siegburg"
THANKS = re.compile(r"/kontakt/siegburg/danke/([A-Z0-9]{4}-[A-Z0-9]{4})\?")
MARK = "unverifiziert, aus dem Kontaktformular"


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


async def send_contact_form(client: Client, path: str = FORM, /, **changes: str) -> ClientResponse:
    """An anonymous visitor fills in the contact form: an urgent topic, no window."""
    page = await (await client.get(path)).text()
    fields = {name: hidden(page, name) for name in ("csrf_token", "form_id", "language")}
    answers = {
        "topic": "payment",
        "phone": CALLER_AS_TYPED,
        "message": "Bitte überweisen Sie meine Leistung auf ein neues Konto.",
        "window_day": "",
        "window_from": "",
        "window_to": "",
        "consent": "yes",
        "website": "",
    }
    form, _, query = path.partition("?")
    sent_to = f"{form}/senden" + (f"?{query}" if query else "")  # the form's action
    return await client.post(sent_to, data=fields | answers | changes, allow_redirects=False)


async def caller_asks_for_a_callback(twilio: FakeTwilio, number: str = CALLER) -> None:
    """A signed Twilio webhook: the caller confirms "call me back on this number"."""
    caller = FakeTwilio(twilio.client, twilio.settings, caller=number)
    _, reply = await caller.post("/twilio/callback/answer?lang=de&attempt=1", Digits="1")
    assert said(reply)[0].startswith("Vielen Dank, Ihr Rückrufwunsch ist eingegangen."), said(reply)


async def all_concerns(sessions: async_sessionmaker[AsyncSession]) -> list[Concern]:
    async with sessions() as session:
        return list(await session.scalars(select(Concern).order_by(Concern.id)))


async def history_of(sessions: async_sessionmaker[AsyncSession], concern: Concern) -> list[tuple[str, dict[str, Any]]]:
    async with sessions() as session:
        entries = await session.scalars(
            select(ConcernEntry).where(ConcernEntry.concern_id == concern.id).order_by(ConcernEntry.id)
        )
        return [(entry.kind, entry.detail) for entry in entries]


async def act(client: Client, reference: str, action: str, **fields: str) -> ClientResponse:
    page = await client.get(f"/concerns/{reference}")
    token = csrf_from(await page.text())
    return await client.post(
        f"/concerns/{reference}", data={"csrf_token": token, "action": action} | fields, allow_redirects=False
    )


async def add_desk_member(sessions: async_sessionmaker[AsyncSession], clock: ManualClock) -> None:
    async with sessions.begin() as session:
        await create_user(
            session, username="dora", password=PASSWORD, roles=["desk"], regions=["siegburg"], now=clock()
        )


async def test_the_contact_form_never_discloses_or_changes_the_concern_of_a_caller_with_the_same_number(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession]
) -> None:
    client, twilio = app_client
    await caller_asks_for_a_callback(twilio)
    [callers] = await all_concerns(sessions)
    before = (callers.note, callers.topic, callers.urgency, callers.due_at, callers.status)
    assert before[:3] == (None, None, "normal")

    response = await send_contact_form(client)
    assert response.status == 303
    match = THANKS.match(response.headers["Location"])
    assert match
    own_reference = match.group(1)
    assert own_reference != callers.reference
    thanks = await (await client.get(response.headers["Location"])).text()
    assert own_reference in thanks and callers.reference not in thanks
    assert "Wir rufen Sie bis Donnerstag, 26. November 2026, 18:00 Uhr zurück." in thanks  # its own, urgent, due time
    assert "Montag, 30.11.2026" not in thanks  # the caller's due time

    callers_now, submitted = await all_concerns(sessions)
    assert (callers_now.note, callers_now.topic, callers_now.urgency, callers_now.due_at, callers_now.status) == before
    assert [kind for kind, _ in await history_of(sessions, callers_now)] == ["created"]
    assert submitted.reference == own_reference and submitted.callback_number == CALLER
    assert (submitted.unverified, submitted.linked_concern_id) == (True, callers.id)
    assert (submitted.topic, submitted.urgency) == ("payment", "urgent")

    # Staff see the mark and the link on the worklist, the concern pages and in the API.
    await log_in(client, "anna")
    worklist = await (await client.get("/worklist")).text()
    row = worklist[worklist.index(f'href="/concerns/{own_reference}"') :]
    row = row[: row.index("</tr>")]
    assert MARK in row and f'href="/concerns/{callers.reference}"' in row
    page = await (await client.get(f"/concerns/{own_reference}")).text()
    assert MARK in page and f'<a href="/concerns/{callers.reference}">{callers.reference}</a>' in page
    assert 'value="merge"' in page and 'value="keep"' in page
    linked_page = await (await client.get(f"/concerns/{callers.reference}")).text()
    assert "Unverifizierte Anfragen derselben Nummer" in linked_page and own_reference in linked_page
    detail = await (await client.get(f"/api/concerns/{own_reference}")).json()
    assert (detail["unverified"], detail["mark"], detail["linked_to"]) == (True, MARK, callers.reference)
    callers_detail = await (await client.get(f"/api/concerns/{callers.reference}")).json()
    assert (callers_detail["unverified"], callers_detail["linked_from"]) == (False, [own_reference])
    english = await (await client.get("/worklist?lang=en")).text()
    assert "unverified, from the contact form" in english


async def test_staff_may_merge_an_unverified_concern_into_the_linked_one(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession]
) -> None:
    client, twilio = app_client
    await caller_asks_for_a_callback(twilio)
    await send_contact_form(client, message="Ich habe noch eine Frage zur Miete.")
    callers, submitted = await all_concerns(sessions)
    await log_in(client, "anna")

    merged = await act(client, submitted.reference, "merge")
    assert merged.status == 303 and merged.headers["Location"] == f"/concerns/{callers.reference}?done=merged"
    page = await (await client.get(merged.headers["Location"])).text()
    assert "in das verknüpfte Anliegen übernommen und abgeschlossen" in page
    callers_now, submitted_now = await all_concerns(sessions)
    assert callers_now.note == "Ich habe noch eine Frage zur Miete."
    assert (callers_now.urgency, callers_now.due_at, callers_now.status) == ("normal", callers.due_at, "open")
    assert ("merged", {"channel": "web_form", "other": submitted.reference}) in await history_of(sessions, callers)
    assert (submitted_now.status, submitted_now.outcome) == ("closed", "merged")
    assert (await act(client, submitted.reference, "merge")).status == 409  # closed now
    board = await (await client.get("/board")).text()
    cells = re.findall(r'<td class="number">([^<]*)</td>', board[board.index("Geschäftsstelle Siegburg") :])[:6]
    assert cells[4] == "0"  # merged away is not settled


async def test_staff_may_keep_an_unverified_concern_apart(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession]
) -> None:
    client, twilio = app_client
    await caller_asks_for_a_callback(twilio)
    await send_contact_form(client)
    _, submitted = await all_concerns(sessions)
    await log_in(client, "anna")

    kept = await act(client, submitted.reference, "keep")
    assert kept.status == 303 and kept.headers["Location"] == f"/concerns/{submitted.reference}?done=kept"
    callers_now, submitted_now = await all_concerns(sessions)
    assert (callers_now.status, submitted_now.status) == ("open", "open")
    assert (submitted_now.linked_concern_id, submitted_now.unverified) == (None, True)
    assert callers_now.note is None
    page = await (await client.get(f"/concerns/{submitted.reference}")).text()
    assert 'value="merge"' not in page and "als eigenes Anliegen behalten" in page
    assert (await act(client, submitted.reference, "merge")).status == 409  # no link left


async def test_a_caller_never_joins_an_unverified_concern_but_it_is_linked_to_theirs(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession]
) -> None:
    client, twilio = app_client
    await send_contact_form(client)  # someone typed the caller's number before the caller called
    [submitted] = await all_concerns(sessions)
    assert (submitted.unverified, submitted.linked_concern_id) == (True, None)

    await caller_asks_for_a_callback(twilio)
    submitted_now, callers = await all_concerns(sessions)
    assert callers.channel == "phone_callback" and not callers.unverified
    assert submitted_now.linked_concern_id == callers.id and submitted_now.note == submitted.note
    assert callers.note is None and callers.urgency == "normal"  # nothing of the form reached it

    again = FakeTwilio(twilio.client, twilio.settings, caller=CALLER)  # another call of the same number
    await again.post("/twilio/callback/answer?lang=de&attempt=1", Digits="1")
    assert len(await all_concerns(sessions)) == 2  # joined the caller's own concern
    assert [kind for kind, _ in await history_of(sessions, callers)] == ["created", "merged"]


async def test_the_desk_and_the_api_still_merge_into_the_open_concern(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, twilio = app_client
    await caller_asks_for_a_callback(twilio)
    [callers] = await all_concerns(sessions)
    await add_desk_member(sessions, clock)
    await log_in(client, "dora")
    page = await (await client.get("/desk")).text()
    desk = {
        "csrf_token": csrf_from(page),
        "form_id": hidden(page, "form_id"),
        "region": "siegburg",
        "phone": CALLER_AS_TYPED,
        "topic": "documents",
        "urgency": "topic",
        "language": "de",
        "note": "Unterlagen abgegeben.",
    }
    recorded = await client.post("/desk", data=desk, allow_redirects=False)
    assert recorded.headers["Location"].startswith(f"/desk/receipt/{callers.reference}?")
    receipt = await (await client.get(recorded.headers["Location"])).text()
    assert "bereits ein offenes Anliegen" in receipt

    token = csrf_from(await (await client.get("/desk")).text())
    body = {"region": "siegburg", "phone": CALLER, "topic": "payment", "note": "Zahlung fehlt.", "request_id": "r" * 16}
    created = await client.post("/api/concerns", json=body, headers={"X-CSRF-Token": token})
    answer = await created.json()
    assert created.status == 200 and answer["merged"] is True and answer["reference"] == callers.reference
    [joined] = await all_concerns(sessions)
    assert joined.note == "Unterlagen abgegeben.\n---\nZahlung fehlt." and joined.urgency == "urgent"


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ({"phone": "12"}, "phone_invalid"),
        ({"phone": "0900 1234567"}, "phone_special"),
        ({"phone": "02241 9000 100"}, "phone_ours"),
        ({"topic": "lottery"}, "topic_unknown"),
        ({"note": "x" * 1001}, "note_too_long"),
    ],
)
async def test_the_same_refusal_reads_the_same_at_the_desk_on_the_form_and_in_the_api(
    app_client: Setup,
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    typed: dict[str, str],
    code: str,
) -> None:
    client, _ = app_client
    german = message(code)
    english = load_catalogue(("callbacks",))[german]
    on_the_form = {"message" if name == "note" else name: value for name, value in typed.items()}
    for path, wording in ((FORM, german), (f"{FORM}?lang=en", english)):
        refused = await send_contact_form(client, path, **on_the_form)
        assert refused.status == 400 and wording in await refused.text(), path

    await add_desk_member(sessions, clock)
    await log_in(client, "dora")
    page = await (await client.get("/desk")).text()
    desk = {
        "csrf_token": csrf_from(page),
        "form_id": hidden(page, "form_id"),
        "region": "siegburg",
        "phone": "0171 2345678",
        "topic": "payment",
        "urgency": "topic",
        "language": "de",
        "note": "Zahlung fehlt.",
    } | typed
    for path, wording in (("/desk", german), ("/desk?lang=en", english)):
        refused = await client.post(path, data=desk)
        assert refused.status == 400 and wording in await refused.text(), path

    body = {"region": "siegburg", "phone": "0171 2345678", "topic": "payment", "note": "Zahlung fehlt."}
    body |= {"request_id": "api-request-00001"} | typed
    answer = await client.post("/api/concerns", json=body, headers={"X-CSRF-Token": csrf_from(page)})
    refusal = await answer.json()
    assert answer.status == 400 and (refusal["code"], refusal["message"]) == (code, german)
    assert await all_concerns(sessions) == []


async def post_recording_status(twilio: FakeTwilio, recording: str) -> None:
    status, _ = await twilio.post(
        "/twilio/recording",
        RecordingSid=recording,
        RecordingUrl=f"https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/{recording}",
        RecordingDuration="14",
        RecordingStatus="completed",
    )
    assert status == 200


async def post_transcription(twilio: FakeTwilio, recording: str, text: str) -> None:
    status, _ = await twilio.post(
        "/twilio/recording/transcription",
        RecordingSid=recording,
        TranscriptionStatus="completed",
        TranscriptionText=text,
    )
    assert status == 200


async def post_voicemail(twilio: FakeTwilio, recording: str) -> None:
    _, thanks = await twilio.post(
        "/twilio/voicemail/done?lang=de",
        RecordingSid=recording,
        RecordingUrl=f"https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/{recording}",
        RecordingDuration="14",
    )
    assert said(thanks)[0] == "Vielen Dank, Ihre Nachricht ist gespeichert. Wir melden uns bei Ihnen."


async def news_rows(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(RecordingNews)) or 0)


async def every_stored_value(sessions: async_sessionmaker[AsyncSession]) -> str:
    """Every row of every table, as text."""
    async with sessions() as session:
        dump = []
        for table in Base.metadata.sorted_tables:
            dump.extend(repr(tuple(row)) for row in await session.execute(select(table)))
    return "\n".join(dump)


async def test_no_transcript_or_number_outlives_the_retention_period(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock, fake_api: FakeTwilioApi
) -> None:
    client, twilio = app_client
    early, late, orphan = (fake_api.add_recording(b"ID3-audio") for _ in range(3))
    first_call = FakeTwilio(twilio.client, twilio.settings, caller=CALLER)
    second_call = FakeTwilio(twilio.client, twilio.settings, caller=CALLER, call_sid=new_sid("CA"))
    third_call = FakeTwilio(twilio.client, twilio.settings, caller=CALLER, call_sid=new_sid("CA"))

    # The transcript overtakes the <Record> action: it waits, then the voicemail takes it over.
    await post_recording_status(first_call, early)
    await post_transcription(first_call, early, "Erste Nachricht: meine Kundennummer ist 4711.")
    assert await news_rows(sessions) == 1
    await post_voicemail(first_call, early)
    assert await news_rows(sessions) == 0
    # The transcript follows the voicemail: the concern takes it at once, nothing waits.
    await post_voicemail(second_call, late)
    await post_recording_status(second_call, late)
    await post_transcription(second_call, late, "Zweite Nachricht: bitte vormittags anrufen.")
    assert await news_rows(sessions) == 0
    # A recording whose voicemail never came (the caller hung up before the <Record> action).
    await post_recording_status(third_call, orphan)
    await post_transcription(third_call, orphan, "Dritte Nachricht, nie gespeichert.")
    assert await news_rows(sessions) == 1

    voicemails = await all_concerns(sessions)
    assert [v.transcript for v in voicemails] == [
        "Erste Nachricht: meine Kundennummer ist 4711.",
        "Zweite Nachricht: bitte vormittags anrufen.",
    ]
    assert {v.callback_number for v in voicemails} == {CALLER}
    await log_in(client, "anna")
    for voicemail in voicemails:
        assert (await act(client, voicemail.reference, "claim")).status == 303
        assert (await act(client, voicemail.reference, "close", outcome="settled")).status == 303

    clock.advance(days=31)
    run = await client.app[keys.RETENTION].run()
    # Two voicemails' recordings and the one never claimed; the concerns emptied once theirs are gone.
    assert (run.counts["recordings_deleted"], run.counts["concerns_erased"]) == (3, 2)
    assert fake_api.recordings == {}

    stored = await every_stored_value(sessions)
    for secret in ("Kundennummer ist 4711", "vormittags", "nie gespeichert", CALLER, CALLER[1:], "17611112222"):
        assert secret not in stored, secret
    assert await news_rows(sessions) == 0
    assert len(await all_concerns(sessions)) == 2  # the anonymous records stay for the figures
