"""Keeping the promise: the worklist, claiming, calling back through Twilio (a fake on loopback),
the retry policy, closing, the voicemail player, the scheduled jobs and the JSON API."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callbacks.intake import NewConcern, raise_concern
from callbacks.models import CallbackAttempt, Concern
from config.loader import load_deployment
from config.settings import EXAMPLE_DEPLOYMENT
from contacts.models import ContactEvent
from contacts.pseudonyms import Pseudonymiser
from service import keys
from staff.accounts import create_user
from telephony.counsellors.availability import make_available
from tests.e2e.conftest import PASSWORD, Client, log_in
from tests.fakes.twilio_api import FakeTwilioApi
from tests.support import TEST_SECRET, ManualClock, csrf_from
from tests.twilio_requests import FakeTwilio, first, said

DEPLOYMENT = load_deployment(EXAMPLE_DEPLOYMENT)
SIEGBURG = DEPLOYMENT.region("siegburg")
CUSTOMER = "+4915112345678"
ANNA_PHONE = "+491712345678"
Setup = tuple[Client, FakeTwilio]


async def raise_one(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock, n: int, **changes: object
) -> Concern:
    values: dict[str, object] = {
        "region": "siegburg",
        "channel": "phone_callback",
        "language": "de",
        "source_key": f"test:{n}",
        "callback_number": f"+49151000{n:05d}",
    } | changes
    new = NewConcern.check(values, deployment=DEPLOYMENT, now=clock())
    async with sessions.begin() as session:
        intake = await raise_concern(
            session, new, deployment=DEPLOYMENT, now=clock(), pseudonymiser=Pseudonymiser(TEST_SECRET)
        )
    return intake.concern


async def anna_id(sessions: async_sessionmaker[AsyncSession]) -> int:
    from staff.models import StaffUser

    async with sessions() as session:
        found = await session.scalar(select(StaffUser.id).where(StaffUser.username == "anna"))
    assert found is not None
    return found


async def anna_takes_calls(sessions: async_sessionmaker[AsyncSession], clock: ManualClock) -> None:
    """Anna has given the phone she takes calls on for Siegburg."""
    async with sessions.begin() as session:
        await make_available(
            session, user_id=await anna_id(sessions), phone=ANNA_PHONE, regions=["siegburg"], now=clock()
        )


async def act(client: Client, reference: str, action: str, **fields: str) -> tuple[int, str]:
    page = await client.get(f"/concerns/{reference}")
    response = await client.post(
        f"/concerns/{reference}", data={"csrf_token": csrf_from(await page.text()), "action": action} | fields
    )
    return response.status, await response.text()


async def anna_holds_a_concern(
    client: Client, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> Concern:
    """A customer's concern that anna, logged in and with her phone given, has claimed."""
    target = await raise_one(sessions, clock, 1, callback_number=CUSTOMER)
    await anna_takes_calls(sessions, clock)
    await log_in(client, "anna")
    await act(client, target.reference, "claim")
    return target


async def concern(sessions: async_sessionmaker[AsyncSession], reference: str) -> Concern:
    async with sessions() as session:
        found = await session.scalar(select(Concern).where(Concern.reference == reference))
    assert found is not None
    return found


async def test_worklist_is_ordered_by_due_time_and_flags_what_is_late(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, _ = app_client
    normal = await raise_one(sessions, clock, 1)
    clock.advance(hours=1)
    urgent = await raise_one(sessions, clock, 2, topic="payment")  # same working day, 18:00
    clock.advance(hours=7)  # 18:30: the urgent one is overdue now
    await log_in(client, "anna")
    html = await (await client.get("/worklist")).text()
    order = re.findall(r'href="/concerns/([A-Z0-9-]+)"', html)
    assert order == [urgent.reference, normal.reference]
    row = html[html.index(urgent.reference) - 200 : html.index(urgent.reference) + 600]
    assert "due-overdue" in row and "überfällig" in row and "dringend" in row


async def test_take_next_claims_atomically_and_a_colleague_cannot_take_it(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, _ = app_client
    first_concern = await raise_one(sessions, clock, 1)
    async with sessions.begin() as session:
        await create_user(session, username="ben", password=PASSWORD, roles=["counsellor"], now=clock())
    await log_in(client, "anna")
    page = await client.get("/worklist")
    taken = await client.post(
        "/worklist/next", data={"csrf_token": csrf_from(await page.text())}, allow_redirects=False
    )
    assert taken.headers["Location"] == f"/concerns/{first_concern.reference}"
    assert (await concern(sessions, first_concern.reference)).claimed_by == await anna_id(sessions)

    await client.post("/logout", data={"csrf_token": csrf_from(await (await client.get("/worklist")).text())})
    await log_in(client, "ben")
    status, text = await act(client, first_concern.reference, "claim")
    assert status == 409 and "bearbeitet gerade eine Kollegin oder ein Kollege" in text
    nothing = await client.post(
        "/worklist/next",
        data={"csrf_token": csrf_from(await (await client.get("/worklist")).text())},
        allow_redirects=False,
    )
    assert nothing.headers["Location"] == "/worklist?empty=1"


async def ring_anna(
    client: Client, twilio: FakeTwilio, sessions: async_sessionmaker[AsyncSession], reference: str
) -> int:
    """Anna presses "call now"; returns the attempt id from the URL Twilio was given."""
    status, _ = await act(client, reference, "call")
    assert status == 200
    async with sessions() as session:
        attempt = await session.scalar(select(CallbackAttempt).order_by(CallbackAttempt.id.desc()))
    assert attempt is not None
    return attempt.id


async def test_call_now_rings_the_counsellor_then_dials_the_customer_from_the_hotline_number(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock, fake_api: FakeTwilioApi
) -> None:
    client, twilio = app_client
    target = await anna_holds_a_concern(client, sessions, clock)
    attempt_id = await ring_anna(client, twilio, sessions, target.reference)
    [ring] = [r for r in fake_api.requests if r.path.endswith("/Calls.json")]
    assert ring.form["To"] == ANNA_PHONE and ring.form["From"] == "+4922419000100"
    assert ring.form["Url"] == f"http://127.0.0.1:8080/twilio/attempt/connect?attempt={attempt_id}"

    leg = FakeTwilio(twilio.client, twilio.settings, to=ANNA_PHONE, caller="+4922419000100")
    _, bridge = await leg.post(f"/twilio/attempt/connect?attempt={attempt_id}")
    assert said(bridge) == [f"Rückruf zu Anliegen {target.reference}. Die Kundin oder der Kunde wird jetzt angerufen."]
    dial = first(bridge, "Dial")
    assert dial.get("callerId") == "+4922419000100"
    number = first(bridge, "Number")
    assert number.text == CUSTOMER and number.get("machineDetection") == "Enable"

    await leg.post(
        f"/twilio/attempt/dialled?attempt={attempt_id}", DialCallStatus="completed", DialCallSid="CA" + "1" * 32
    )
    status, page = await act(client, target.reference, "close", outcome="appointment_made")
    assert status == 200 and "Das Anliegen ist abgeschlossen." in page
    closed = await concern(sessions, target.reference)
    assert (closed.status, closed.outcome, closed.attempts) == ("closed", "appointment_made", 1)
    async with sessions() as session:
        settled = await session.scalar(select(ContactEvent).where(ContactEvent.kind == "concern_settled"))
    assert settled is not None and settled.detail["within_promise"] is True
    status, text = await act(client, target.reference, "close", outcome="settled")
    assert status == 409 and "bereits abgeschlossen" in text


async def test_unreached_customers_are_retried_in_hotline_hours_then_texted(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock, fake_api: FakeTwilioApi
) -> None:
    client, twilio = app_client
    target = await raise_one(sessions, clock, 1, callback_number=CUSTOMER)
    await anna_takes_calls(sessions, clock)
    await log_in(client, "anna")
    leg = FakeTwilio(twilio.client, twilio.settings, to=ANNA_PHONE, caller="+4922419000100")
    jobs = client.app[keys.CONCERN_JOBS]
    retry_times = []
    for outcome in ("no-answer", "busy", "no-answer"):
        status, text = await act(client, target.reference, "claim")
        assert status == 200, text
        attempt_id = await ring_anna(client, twilio, sessions, target.reference)
        await leg.post(f"/twilio/attempt/dialled?attempt={attempt_id}", DialCallStatus=outcome)
        after = await concern(sessions, target.reference)
        if after.next_attempt_at is None:
            break
        retry_times.append(after.next_attempt_at)
        clock.now = after.next_attempt_at
        assert (await jobs.run_round()).retries_due == 1
    # Thursday 10:30 → 11:00; 11:00 → 11:30 (at least 30 minutes apart, in hotline hours)
    assert retry_times == [
        dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 26, 10, 30, tzinfo=dt.UTC),
    ]
    final = await concern(sessions, target.reference)
    assert (final.status, final.attempts, final.claimed_by) == ("unreachable", 3, None)
    [sms] = [r for r in fake_api.requests if r.path.endswith("/Messages.json")]
    assert sms.form["To"] == CUSTOMER and sms.form["From"] == "+4922419000100"
    assert f"wegen Ihres Anliegens {final.reference} leider nicht erreicht" in sms.form["Body"]


async def test_a_retry_after_hours_waits_for_the_next_opening(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, twilio = app_client
    clock.now = dt.datetime(2026, 11, 27, 10, 45, tzinfo=dt.UTC)  # Friday 11:45; the line closes at 12:00
    target = await anna_holds_a_concern(client, sessions, clock)
    attempt_id = await ring_anna(client, twilio, sessions, target.reference)
    leg = FakeTwilio(twilio.client, twilio.settings, to=ANNA_PHONE)
    await leg.post("/twilio/attempt/machine", AnsweredBy="human")  # unknown attempt: ignored
    await leg.post(f"/twilio/attempt/amd?attempt={attempt_id}", AnsweredBy="machine_end_beep")
    await leg.post(f"/twilio/attempt/dialled?attempt={attempt_id}", DialCallStatus="completed")  # repeated: ignored
    after = await concern(sessions, target.reference)
    assert after.attempts == 1
    assert after.next_attempt_at == dt.datetime(2026, 11, 30, 7, 0, tzinfo=dt.UTC)  # Monday 08:00


async def test_a_twilio_outage_leaves_the_concern_claimed_with_the_error_shown(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock, fake_api: FakeTwilioApi
) -> None:
    client, _ = app_client
    target = await raise_one(sessions, clock, 1, callback_number=CUSTOMER)
    await log_in(client, "anna")
    await act(client, target.reference, "claim")
    status, text = await act(client, target.reference, "call")
    assert status == 502 and "in Ihrem Profil die Telefonnummer" in text  # no phone given yet
    assert '<a href="/profil">Telefonnummer im Profil hinterlegen</a>' in text
    await anna_takes_calls(sessions, clock)
    fake_api.fail_next(1, 503)
    status, text = await act(client, target.reference, "call")
    assert status == 502 and "Anruf nicht möglich: Twilio refused to place a call: HTTP 503" in text
    assert "Telefonnummer im Profil hinterlegen" not in text  # an outage is no reason to edit the profile
    held = await concern(sessions, target.reference)
    assert held.claimed_by == await anna_id(sessions) and held.attempts == 0
    status, _ = await act(client, target.reference, "call")
    assert status == 200


async def test_voicemail_plays_through_our_proxy_and_is_deleted_after_retention(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock, fake_api: FakeTwilioApi
) -> None:
    client, _ = app_client
    recording = fake_api.add_recording(b"ID3-audio")
    target = await raise_one(
        sessions,
        clock,
        1,
        channel="voicemail",
        recording_sid=recording,
        recording_duration=9,
        recording_url=f"https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/{recording}",
    )
    await log_in(client, "anna")
    page = await (await client.get(f"/concerns/{target.reference}")).text()
    assert f'src="/concerns/{target.reference}/recording"' in page and "api.twilio.com" not in page
    audio = await client.get(f"/concerns/{target.reference}/recording")
    assert audio.status == 200 and await audio.read() == b"ID3-audio"
    assert audio.headers["Cache-Control"] == "no-store"

    await act(client, target.reference, "claim")
    await act(client, target.reference, "close", outcome="settled")
    retention = client.app[keys.RETENTION]
    clock.advance(days=29)
    assert (await retention.run()).counts["recordings_deleted"] == 0
    clock.advance(days=2)
    assert (await retention.run()).counts["recordings_deleted"] == 1
    assert recording not in fake_api.recordings
    await log_in(client, "anna")  # a month later: a new login
    assert (await client.get(f"/concerns/{target.reference}/recording")).status == 404


async def test_jobs_return_expired_claims_flag_due_concerns_and_run_once_across_processes(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, _ = app_client
    target = await raise_one(sessions, clock, 1)
    await log_in(client, "anna")
    await act(client, target.reference, "claim")
    jobs = client.app[keys.CONCERN_JOBS]
    other_process = type(jobs)(jobs.sessions, jobs.deployment, jobs.clock, jobs.dialer, holder="other:1")
    clock.advance(minutes=16)
    report = await jobs.run_round()
    assert report.ran and report.leases_expired == 1
    assert (await other_process.run_round()).ran is False  # the lease is held for this round
    clock.advance(days=5)
    assert (await other_process.run_round()).ran is True  # the first holder is gone: taken over
    late = await concern(sessions, target.reference)
    assert late.claimed_by is None and late.due_flag == "overdue"


async def test_the_status_board_counts_what_the_job_centre_reports(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, _ = app_client
    kept = await raise_one(sessions, clock, 1)
    await raise_one(sessions, clock, 2)
    await log_in(client, "anna")
    await act(client, kept.reference, "claim")
    await act(client, kept.reference, "close", outcome="settled")
    html = await (await client.get("/board")).text()
    row = html[html.index("Geschäftsstelle Siegburg") :]
    cells = re.findall(r'<td class="number">([^<]*)</td>', row)[:6]
    assert cells == ["1", "0", "0", "0", "1", "1 (100,0\xa0%)"]  # the share as German writes it
    english = await (await client.get("/board?lang=en")).text()
    assert re.findall(r'<td class="number">([^<]*)</td>', english)[5] == "1 (100.0%)"


async def test_the_api_lists_without_personal_data_and_creates_for_the_desk(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, _ = app_client
    async with sessions.begin() as session:
        await create_user(
            session, username="dora", password=PASSWORD, roles=["desk"], regions=["siegburg"], now=clock()
        )
    await log_in(client, "dora")
    token = csrf_from(await (await client.get("/")).text())
    body = {
        "region": "siegburg",
        "phone": "0151 12345678",
        "topic": "eviction",
        "note": "Kündigung erhalten",
        "request_id": "desk-request-0001",
        "name": "Frau Beispiel",
    }
    created = await client.post("/api/concerns", json=body, headers={"X-CSRF-Token": token})
    assert created.status == 201
    data = await created.json()
    assert data["urgency"] == "urgent" and data["channel"] == "walk_in"
    again = await client.post("/api/concerns", json=body, headers={"X-CSRF-Token": token})
    assert again.status == 200 and (await again.json())["reference"] == data["reference"]
    bad = await client.post(
        "/api/concerns", json=body | {"phone": "12", "request_id": "desk-request-0002"}, headers={"X-CSRF-Token": token}
    )
    refusal = await bad.json()
    assert bad.status == 400 and (refusal["field"], refusal["code"]) == ("phone", "phone_invalid")
    no_token = await client.post("/api/concerns", json=body | {"request_id": "desk-request-0003"})
    assert no_token.status == 403
    listed = await (await client.get("/api/concerns")).json()
    assert [c["reference"] for c in listed["concerns"]] == [data["reference"]]
    assert "callback_number" not in listed["concerns"][0] and "note" not in listed["concerns"][0]
    detail = await (await client.get(f"/api/concerns/{data['reference']}")).json()
    assert detail["callback_number"] == "+4915112345678" and detail["history"][0]["kind"] == "created"


@pytest.mark.parametrize("path", ["/api/concerns", "/worklist", "/board"])
async def test_staff_pages_and_api_need_a_login(app_client: Setup, path: str) -> None:
    client, _ = app_client
    response = await client.get(path, allow_redirects=False)
    assert response.status == (401 if path.startswith("/api/") else 303)


async def test_a_restarted_service_finds_retries_that_came_due_while_it_was_down(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, _ = app_client
    pending = await raise_one(sessions, clock, 1)
    async with sessions.begin() as session:
        stored = await session.get(Concern, pending.id)
        assert stored is not None
        stored.next_attempt_at = clock() + dt.timedelta(minutes=30)  # a retry scheduled before the restart
    jobs = client.app[keys.CONCERN_JOBS]
    restarted = type(jobs)(jobs.sessions, jobs.deployment, jobs.clock, jobs.dialer, holder="new-process:2")
    clock.advance(hours=1)  # the old process's lease has long run out
    report = await restarted.run_round()
    assert report.ran and report.retries_due == 1
    await log_in(client, "anna")
    page = await client.get("/worklist")
    taken = await client.post(
        "/worklist/next", data={"csrf_token": csrf_from(await page.text())}, allow_redirects=False
    )
    assert taken.headers["Location"] == f"/concerns/{pending.reference}"


async def test_personal_data_is_erased_after_the_retention_period(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, _ = app_client
    settled = await raise_one(
        sessions, clock, 1, channel="walk_in", topic="other", customer_name="Frau Beispiel", note="Miete"
    )
    waiting = await raise_one(sessions, clock, 2)
    await log_in(client, "anna")
    await act(client, settled.reference, "claim")
    await act(client, settled.reference, "close", outcome="settled")
    retention = client.app[keys.RETENTION]
    clock.advance(days=29)
    assert (await retention.run()).counts["concerns_erased"] == 0
    clock.advance(days=2)
    assert (await retention.run()).counts["concerns_erased"] == 1
    erased = await concern(sessions, settled.reference)
    assert (erased.callback_number, erased.customer_name, erased.note) == (None, None, None)
    assert (erased.status, erased.outcome) == ("closed", "settled")  # the anonymous record stays
    assert (await concern(sessions, waiting.reference)).callback_number is not None  # open: kept
    assert (await retention.run()).counts["concerns_erased"] == 0
