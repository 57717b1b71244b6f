"""The auditor's pages: the call-log search (filters, keyset pages both ways, refusals naming the
field), one contact's timeline driven through the real webhooks and concern routes, the promise
report, the CSV exports, and an auditor who reads everything and changes nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit import call_log
from audit.anchors import anchor_head
from audit.models import AuditEntry
from audit.service import verify_and_record
from callbacks.models import Concern
from contacts.models import ContactEvent
from contacts.pseudonyms import Pseudonymiser
from contacts.service import record_contact_event
from staff.accounts import create_user
from tests.e2e.conftest import PASSWORD, Client, log_in
from tests.e2e.test_worklist import ANNA_PHONE, DEPLOYMENT, act, anna_takes_calls, concern, raise_one, ring_anna
from tests.support import TEST_SECRET, ManualClock
from tests.twilio_requests import FakeTwilio, new_sid

Setup = tuple[Client, FakeTwilio]
PSEUDONYMS = Pseudonymiser(TEST_SECRET)
CALLER = "+4917612345678"
DAY = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)  # a Monday, 09:00 in Siegburg


async def the_auditor(sessions: async_sessionmaker[AsyncSession], clock: ManualClock) -> None:
    async with sessions.begin() as session:
        await create_user(session, username="ines", password=PASSWORD, roles=["auditor"], now=clock())


async def log_events(sessions: async_sessionmaker[AsyncSession], count: int) -> list[tuple[dt.datetime, int]]:
    """`count` calls' events over three days in two regions, two events at each moment (ties on
    the time, told apart by id); returns every (occurred_at, id), oldest first."""
    async with sessions.begin() as session:
        for n in range(count):
            at = DAY + dt.timedelta(minutes=37 * (n // 2))
            await record_contact_event(
                session,
                pseudonymiser=PSEUDONYMS,
                at=at,
                channel="phone",
                kind=("answered", "abandoned", "closed_line")[n % 3],
                region=("siegburg", "troisdorf")[n % 2],
                caller=f"+49151000{n:05d}",
                reference=f"CA{n:032x}",
                wait_seconds=n,
            )
    async with sessions() as session:
        rows = await session.execute(
            select(ContactEvent.occurred_at, ContactEvent.id).order_by(ContactEvent.occurred_at, ContactEvent.id)
        )
        return [(at, key) for at, key in rows]


def event_rows(page: str) -> list[str]:
    """The references of the events table's rows, in order."""
    return re.findall(r'<a href="/audit/contacts/([^"]+)">', page)


def next_link(page: str) -> str | None:
    found = re.search(r'<a href="([^"]+)" rel="next">', page)
    return found.group(1).replace("&amp;", "&") if found else None


async def walk(client: Client, first: str) -> list[str]:
    """Every page from `first` on by the pages' own links; the references in the order shown."""
    shown: list[str] = []
    link: str | None = first
    while link:
        response = await client.get(link)
        assert response.status == 200
        page = await response.text()
        shown += event_rows(page)
        link = next_link(page)
    return shown


async def test_the_search_pages_by_keyset_newest_or_oldest_first_without_loss_or_repeat(
    client: Client, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    await the_auditor(sessions, clock)
    clock.now = DAY + dt.timedelta(days=3)
    logged = await log_events(sessions, 130)  # three pages of 50
    await log_in(client, "ines")
    async with sessions() as session:
        by_id = dict((await session.execute(select(ContactEvent.id, ContactEvent.reference))).all())
    oldest_first = [by_id[key] for _, key in logged]
    period = "from=2026-11-23&to=2026-11-26"
    assert await walk(client, f"/audit?{period}&order=oldest") == oldest_first
    assert await walk(client, f"/audit?{period}") == oldest_first[::-1]  # newest first unless asked


@pytest.mark.parametrize("few", [2000, 1], ids=["contacts-looked-up", "period-read-in-order"])
async def test_filters_narrow_the_events_and_the_outcome_keeps_whole_contacts(
    client: Client,
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
    few: int,
) -> None:
    """Both ways of finding an outcome's contacts (few: by reference; many: the period in order)."""
    monkeypatch.setattr(call_log, "FEW_CONTACTS", few)
    await the_auditor(sessions, clock)
    clock.now = DAY + dt.timedelta(days=3)
    await log_events(sessions, 12)
    async with sessions.begin() as session:  # a later step of one abandoned call
        await record_contact_event(
            session, at=DAY, channel="phone", kind="call_completed", region="siegburg", reference=f"CA{4:032x}"
        )
    await log_in(client, "ines")
    period = "from=2026-11-23&to=2026-11-26&order=oldest"
    troisdorf = event_rows(await (await client.get(f"/audit?{period}&region=troisdorf")).text())
    assert troisdorf == [f"CA{n:032x}" for n in range(1, 12, 2)]
    answered = event_rows(await (await client.get(f"/audit?{period}&kind=answered")).text())
    assert answered == [f"CA{n:032x}" for n in range(0, 12, 3)]
    abandoned = event_rows(await (await client.get(f"/audit?{period}&outcome=abandoned")).text())
    assert sorted(abandoned) == sorted([f"CA{n:032x}" for n in range(1, 12, 3)] + [f"CA{4:032x}"])
    none = await (await client.get(f"{'/audit?from=2026-11-27&to=2026-11-27'}")).text()
    assert event_rows(none) == [] and "Keine Ereignisse für diese Suche." in none
    assert event_rows(await (await client.get(f"/audit?{period}&channel=video")).text()) == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=23.11.2026", "Von: bitte ein Datum wie 2026-03-31 angeben."),
        ("from=2026-11-26&to=2026-11-23", "Bis: der Zeitraum endet vor seinem Beginn."),
        ("from=2020-01-01&to=2026-11-23", "Von: der Zeitraum ist länger als zwei Jahre (732 Tage)."),
        ("region=bonn", "Region: unbekannte Region."),
        ("kind=called", "Ereignis: unbekannte Art von Ereignis."),
        ("outcome=happy", "Ergebnis: unbekanntes Ergebnis."),
        ("after=page-2", "Seite: unbekannte Seitenmarke; bitte die Suche neu beginnen."),
    ],
)
async def test_a_refused_filter_is_named_with_its_reason(
    client: Client, sessions: async_sessionmaker[AsyncSession], clock: ManualClock, query: str, message: str
) -> None:
    await the_auditor(sessions, clock)
    await log_in(client, "ines")
    response = await client.get(f"/audit?{query}")
    assert response.status == 400
    assert message.replace("„", "&#8222;") in await response.text() or message in await response.text()
    export = await client.get(f"/audit/export.csv?{query}")
    assert export.status == 400


async def test_the_export_streams_the_whole_search_as_csv_with_short_pseudonyms(
    client: Client, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    await the_auditor(sessions, clock)
    clock.now = DAY + dt.timedelta(days=3)
    await log_events(sessions, 130)
    await log_in(client, "ines")
    response = await client.get("/audit/export.csv?from=2026-11-23&to=2026-11-26&region=siegburg&order=oldest")
    assert response.status == 200 and response.content_type == "text/csv"
    text = (await response.read()).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 65 and {row["region"] for row in rows} == {"siegburg"}
    assert rows[0]["reference"] == f"CA{0:032x}" and rows[0]["occurred_at"] == "2026-11-23T09:00:00+01:00"
    assert rows[0]["caller_pseudonym"] == PSEUDONYMS("+4915100000000")[:12]
    assert "+49151" not in text
    async with sessions() as session:
        [exported] = await session.scalars(select(AuditEntry).where(AuditEntry.action == "exported"))
    assert (exported.actor, exported.object_type, exported.object_id) == ("ines", "export", "call_log")
    assert exported.detail == {
        "export": "call_log",
        "from": "2026-11-23",
        "to": "2026-11-26",
        "region": "siegburg",
        "order": "oldest",
    }
    assert exported.address == "127.0.0.1"


async def test_every_search_timeline_and_report_an_auditor_opens_is_in_the_audit_trail(
    client: Client, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    await the_auditor(sessions, clock)
    clock.now = DAY + dt.timedelta(days=3)
    await log_events(sessions, 3)
    await log_in(client, "ines")
    await client.get("/audit?kind=answered")
    await client.get(f"/audit/contacts/CA{0:032x}")
    await client.get("/audit/promise?region=eitorf")
    await client.get("/audit/promise.csv?region=eitorf")
    async with sessions() as session:
        trail = list(
            await session.scalars(select(AuditEntry).where(AuditEntry.actor == "ines").order_by(AuditEntry.seq))
        )
    assert [(e.action, e.object_type, e.object_id) for e in trail if e.action != "signed_in"] == [
        ("searched_call_log", "call_log", None),
        ("viewed_timeline", "contact", f"CA{0:032x}"),
        ("viewed_promise_report", "promise_report", None),
        ("exported", "export", "promise_report"),
    ]
    assert trail[-4].detail == {"from": "2026-11-20", "to": "2026-11-26", "kind": "answered"}


async def test_one_contacts_timeline_from_the_call_to_the_settled_concern(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    """A caller leaves the queue for a callback; anna claims, rings busy, tries again, reaches the
    caller and settles it. The auditor sees it all on one page from either end, the caller as a
    pseudonym only."""
    client, twilio = app_client
    call = FakeTwilio(client, twilio.settings, caller=CALLER, call_sid=new_sid("CA"))
    await call.post("/twilio/voice/route?lang=de")
    await call.post("/twilio/queue/key?lang=de", Digits="1")
    clock.advance(seconds=40)
    await call.post("/twilio/queue/done?lang=de", QueueResult="leave", QueueTime="40")
    await call.post("/twilio/callback/answer?lang=de&attempt=1", Digits="1")
    async with sessions() as session:
        raised = await session.scalar(select(Concern).where(Concern.call_sid == call.call_sid))
    assert raised is not None
    reference = raised.reference

    await anna_takes_calls(sessions, clock)
    await log_in(client, "anna")
    leg = FakeTwilio(twilio.client, twilio.settings, to=ANNA_PHONE, caller="+4922419000100")
    for outcome in ("busy", "completed"):
        clock.advance(minutes=30)
        assert (await act(client, reference, "claim"))[0] == 200
        attempt = await ring_anna(client, twilio, sessions, reference)
        await leg.post(f"/twilio/attempt/dialled?attempt={attempt}", DialCallStatus=outcome, DialCallSid=new_sid("CA"))
    assert (await act(client, reference, "close", outcome="settled"))[0] == 200
    assert (await concern(sessions, reference)).status == "closed"
    await client.post(
        "/logout",
        data={"csrf_token": re.findall(r'name="csrf_token" value="([^"]+)"', await (await client.get("/")).text())[0]},
    )

    await the_auditor(sessions, clock)
    await log_in(client, "ines")
    expected = [
        "Anruf eingegangen",
        "In der Warteschlange",
        "Warteschlange für Rückruf verlassen",
        "Rückruf gewünscht",
        "SMS gesendet",
        "Anliegen übernommen",
        "Rückrufversuch",
        "Anliegen übernommen",
        "Rückrufversuch",
        "Anliegen erledigt",
    ]
    for start in (call.call_sid, f"concern:{reference}"):
        response = await client.get(f"/audit/contacts/{start}")
        assert response.status == 200
        page = await response.text()
        kinds = re.findall(
            r"<td>\d{2}\.\d{2}\.\d{4}[^<]*</td>\s*<td>[^<]*</td>\s*<td>[^<]*</td>\s*<td>([^<]+)</td>", page
        )
        assert kinds == expected, start
        assert PSEUDONYMS(CALLER)[:12] in page and PSEUDONYMS(CALLER) not in page
        assert "17612345678" not in page
    assert (await client.get("/audit/contacts/CA-none")).status == 404


async def test_the_promise_report_counts_kept_late_unreachable_and_open_by_every_dimension(
    client: Client, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    await the_auditor(sessions, clock)
    clock.now = DAY
    kept = await raise_one(sessions, clock, 1)
    late = await raise_one(sessions, clock, 2, channel="voicemail")
    unreachable = await raise_one(sessions, clock, 3)
    overdue = await raise_one(sessions, clock, 4, channel="walk_in", topic=DEPLOYMENT.topics[0].id, note="Bescheid")
    clock.now = DAY + dt.timedelta(days=6)
    pending = await raise_one(sessions, clock, 5)
    async with sessions.begin() as session:
        for target, status, closed_at in (
            (kept, "closed", kept.due_at - dt.timedelta(hours=1)),
            (late, "closed", late.due_at + dt.timedelta(hours=1)),
            (unreachable, "unreachable", None),
        ):
            await session.execute(
                update(Concern)
                .where(Concern.id == target.id)
                .values(status=status, closed_at=closed_at, outcome="settled" if closed_at else None)
            )
    await log_in(client, "ines")
    page = await (await client.get("/audit/promise?from=2026-11-23&to=2026-11-29")).text()
    by_region = re.search(r"<caption>Nach Region</caption>.*?</table>", page, re.S)
    assert by_region is not None
    cells = re.findall(r"<td>([^<]*)</td>", by_region.group(0))
    assert cells == ["5", "1", "25,0\u00a0%", "1", "1", "1", "1"]  # Siegburg: kept 1 of 4 decided, 1 pending
    assert "Woche ab" in page and "Nach Eingangsweg" in page and "Nach Dringlichkeit" in page
    listed = re.findall(r'<a href="/audit/contacts/concern%3A([^"]+)">', page)
    assert sorted(listed) == sorted([late.reference, unreachable.reference, overdue.reference])
    assert pending.reference not in listed and "+49151" not in page
    export = await client.get("/audit/promise.csv?from=2026-11-23&to=2026-11-29")
    rows = list(csv.DictReader(io.StringIO((await export.read()).decode("utf-8-sig"))))
    assert {row["reference"]: row["reason"] for row in rows} == {
        late.reference: "late",
        unreachable.reference: "unreachable",
        overdue.reference: "open",
    }


async def test_an_auditor_reads_every_region_and_changes_nothing(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, _ = app_client
    target = await raise_one(sessions, clock, 1, region="troisdorf")
    await the_auditor(sessions, clock)
    await log_in(client, "ines")
    assert (await client.get("/board")).status == 200
    listed = await (await client.get("/api/concerns")).json()
    assert [c["reference"] for c in listed["concerns"]] == [target.reference]
    page = await (await client.get("/audit")).text()
    token = re.findall(r'name="csrf_token" value="([^"]+)"', page)[0]
    refused = [
        await client.get(f"/concerns/{target.reference}"),
        await client.get(f"/concerns/{target.reference}/recording"),
        await client.post(f"/concerns/{target.reference}", data={"csrf_token": token, "action": "claim"}),
        await client.post(f"/api/concerns/{target.reference}/claim", headers={"X-CSRF-Token": token}),
        await client.post(f"/api/concerns/{target.reference}/close", headers={"X-CSRF-Token": token}),
        await client.get("/worklist"),
        await client.get(f"/api/concerns/{target.reference}"),
    ]
    assert [r.status for r in refused] == [403] * len(refused)
    assert (await concern(sessions, target.reference)).claimed_by is None


async def test_only_auditors_open_the_audit_pages(client: Client, staff: None) -> None:
    await log_in(client, "paul")
    for path in ("/audit", "/audit/promise", "/audit/export.csv", "/audit/contacts/CA1"):
        assert (await client.get(path)).status == 403


async def test_the_search_page_shows_the_last_verification_and_the_daily_anchors(
    client: Client, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    await the_auditor(sessions, clock)
    await log_in(client, "ines")
    page = await (await client.get("/audit")).text()
    assert "Die Kette wurde noch nicht geprüft." in page and "Noch kein täglicher Anker." in page
    report = await verify_and_record(sessions, now=clock(), actor="system:audit-verification")
    async with sessions.begin() as session:
        anchor = await anchor_head(session, day=clock().date(), now=clock())
    assert anchor is not None
    page = await (await client.get("/audit")).text()
    assert re.search(r"<dt>Ergebnis</dt>\s*<dd>unverändert</dd>", page)
    assert f"<dt>Geprüfte Einträge</dt><dd>{report.rows_checked}</dd>" in page
    assert f"<code>{anchor.hash}</code>" in page
    async with sessions.begin() as session:  # someone edits the trail behind the service's back
        await session.execute(update(AuditEntry).where(AuditEntry.seq == 1).values(actor="mallory"))
    await verify_and_record(sessions, now=clock(), actor="system:audit-verification")
    page = await (await client.get("/audit")).text()
    assert re.search(
        r'<strong class="urgent">verändert</strong>: erster betroffener Eintrag 1 \(Eintrag geändert\)', page
    )
