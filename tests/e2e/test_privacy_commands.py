"""`hotline privacy export|erase --number N` as an operator runs them (in this process, with the
environment's settings) on SQLite and PostgreSQL, recordings deleted at a fake Twilio API."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.models import AuditEntry
from callbacks.models import Concern, ConcernEntry
from config.deployment import Retention
from config.settings import EXAMPLE_DEPLOYMENT
from contacts.models import ContactEvent
from contacts.pseudonyms import Pseudonymiser
from contacts.service import contact_event_row, record_contact_events
from service.cli import main
from staff.accounts import create_user
from tests.e2e.conftest import TWILIO_ACCOUNT, TWILIO_TOKEN
from tests.fakes.twilio_api import FakeTwilioApi
from tests.support import TEST_SECRET
from video.models import CounsellingBooking, CounsellingInvitation, CounsellingSlot

CUSTOMER = "+4915112345678"
AS_TYPED = "0151 1234 5678"  # national notation: the deployment's country makes it E.164
NEIGHBOUR = "+4915187654321"
PSEUDONYM = Pseudonymiser(TEST_SECRET)(CUSTOMER)
Command = Callable[..., Awaitable[tuple[int, str, str]]]


@pytest.fixture
async def hotline(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    database_url: str,
    aiohttp_server: Callable[..., Awaitable[TestServer]],
    fake_api: FakeTwilioApi,
) -> Command:
    """`hotline …` in this process, with Twilio's REST API served by the fake on loopback."""
    api = await aiohttp_server(fake_api.application(), host="127.0.0.1")
    for name in [n for n in os.environ if n.startswith(("HOTLINE_", "TWILIO_"))]:
        monkeypatch.delenv(name)
    environment = {
        "HOTLINE_DATABASE_URL": database_url,
        "HOTLINE_CONFIG": str(EXAMPLE_DEPLOYMENT),
        "HOTLINE_VAR_DIR": str(tmp_path / "var"),
        "HOTLINE_SECRET_KEY": TEST_SECRET,
        "TWILIO_ACCOUNT_SID": TWILIO_ACCOUNT,
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "TWILIO_API_BASE_URL": str(api.make_url("")).rstrip("/"),
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    async def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = await asyncio.to_thread(main, list(args))  # the command runs its own event loop
        out, err = capsys.readouterr()
        return code, out, err

    return run


async def seed(sessions: async_sessionmaker[AsyncSession], recording: str) -> None:
    """The customer's open callback request, settled voicemail, coming session, unused link and
    contact events; and a neighbour's concern and event, which nothing here may touch."""
    now = dt.datetime.now(dt.UTC)
    async with sessions.begin() as session:
        for n, (number, channel, status) in enumerate(
            [(CUSTOMER, "phone_callback", "open"), (CUSTOMER, "voicemail", "closed"), (NEIGHBOUR, "walk_in", "open")]
        ):
            session.add(
                Concern(
                    reference=f"P{n:05d}",
                    region="siegburg",
                    channel=channel,
                    status=status,
                    callback_number=number,
                    customer_name="Dana Dorn" if number == CUSTOMER else "Nora Nachbar",
                    note="Miete für Mai",
                    language="de",
                    created_at=now - dt.timedelta(days=2),
                    due_at=now + dt.timedelta(days=1),
                    source_key=f"privacy:{n}",
                    closed_at=now - dt.timedelta(days=1) if status == "closed" else None,
                    outcome="settled" if status == "closed" else None,
                    recording_sid=recording if channel == "voicemail" else None,
                    recording_duration=12 if channel == "voicemail" else None,
                    transcript="Bitte rufen Sie mich an." if channel == "voicemail" else None,
                )
            )
        await session.flush()
        anna = await create_user(
            session, username="anna", password="correct horse battery", roles=["counsellor"], now=now
        )
        starts = now + dt.timedelta(days=3)
        slot = CounsellingSlot(
            region="siegburg",
            counsellor_id=anna.id,
            starts_at=starts,
            ends_at=starts + dt.timedelta(minutes=30),
            kind="phone",
            created_at=now,
        )
        session.add(slot)
        await session.flush()
        session.add(
            CounsellingBooking(
                link_key="bookingkey",
                slot_id=slot.id,
                holds_slot_id=slot.id,
                region="siegburg",
                counsellor_id=anna.id,
                starts_at=starts,
                ends_at=slot.ends_at,
                mode="phone",
                phone=CUSTOMER,
                first_name="Dana",
                language="de",
                status="booked",
                booked_at=now,
            )
        )
        session.add(
            CounsellingInvitation(
                link_key="invitationkey",
                region="siegburg",
                phone=CUSTOMER,
                language="de",
                source="staff",
                created_at=now,
                expires_at=now + dt.timedelta(days=14),
            )
        )
        pseudonyms = Pseudonymiser(TEST_SECRET)
        rows = [
            contact_event_row(
                pseudonymiser=pseudonyms,
                at=now - dt.timedelta(days=2, minutes=-i),
                channel="phone",
                kind=kind,
                region="siegburg",
                caller=caller,
                reference="P00000",
            )
            for i, (kind, caller) in enumerate(
                [("call_received", CUSTOMER), ("left_queue_for_callback", CUSTOMER), ("call_received", NEIGHBOUR)]
            )
        ]
        await record_contact_events(session, rows)


async def trail(sessions: async_sessionmaker[AsyncSession]) -> list[AuditEntry]:
    async with sessions() as session:
        return list(await session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


async def test_export_lists_everything_held_about_a_number_and_is_recorded(
    hotline: Command, sessions: async_sessionmaker[AsyncSession], fake_api: FakeTwilioApi
) -> None:
    recording = fake_api.add_recording(b"ID3-audio")
    await seed(sessions, recording)

    code, out, err = await hotline("privacy", "export", "--number", AS_TYPED, "--json")

    assert code == 0, err
    held = json.loads(out)
    assert (held["number"], held["pseudonym"]) == (CUSTOMER, PSEUDONYM)
    [callback] = held["concerns"]
    assert (callback["reference"], callback["status"], callback["name"]) == ("P00000", "open", "Dana Dorn")
    [voicemail] = held["voicemails"]
    assert voicemail["transcript"] == "Bitte rufen Sie mich an."
    assert voicemail["recording"] == {"sid": recording, "duration_seconds": 12, "deleted_at": None}
    assert [(b["status"], b["first_name"]) for b in held["bookings"]] == [("booked", "Dana")]
    assert [i["source"] for i in held["invitations"]] == ["staff"]
    assert [e["kind"] for e in held["contact_events"]] == ["call_received", "left_queue_for_callback"]
    assert "Nora Nachbar" not in out and NEIGHBOUR not in out

    [record] = await trail(sessions)
    assert (record.actor.startswith("cli:"), record.action, record.object_type, record.object_id) == (
        True,
        "exported_personal_data",
        "number",
        PSEUDONYM,
    )
    assert record.detail == {"concerns": 1, "voicemails": 1, "bookings": 1, "invitations": 1, "contact_events": 2}

    code, out, err = await hotline("privacy", "export", "--number", CUSTOMER)
    assert code == 0, err
    assert "Anliegen (concerns): 1" in out and "Kontaktereignisse unter Pseudonym (contact events): 2" in out


async def test_erase_withdraws_the_open_concern_erases_everything_says_what_it_kept_and_why(
    hotline: Command, sessions: async_sessionmaker[AsyncSession], fake_api: FakeTwilioApi
) -> None:
    recording = fake_api.add_recording(b"ID3-audio")
    await seed(sessions, recording)

    code, out, err = await hotline("privacy", "erase", "--number", AS_TYPED)

    assert code == 0, err
    assert "Gelöscht (erased): 2 Anliegen, davon 1 zurückgezogen;" in out
    assert "1 Aufnahme(n) bei Twilio gelöscht" in out and "1 Termin(e), davon 1 abgesagt;" in out
    retention = Retention()
    assert f"{retention.contact_log_months} Monate (retention.contact_log_months)" in out
    assert f"{retention.audit_years} Jahre (retention.audit_years)" in out
    assert recording not in fake_api.recordings  # deleted at Twilio too

    async with sessions() as session:
        concerns = {c.reference: c for c in await session.scalars(select(Concern))}
        withdrawn = concerns["P00000"]
        assert (withdrawn.status, withdrawn.outcome) == ("closed", "withdrawn")
        history = list(
            await session.scalars(
                select(ConcernEntry.kind).where(ConcernEntry.concern_id == withdrawn.id).order_by(ConcernEntry.id)
            )
        )
        assert history == ["withdrawn", "personal_data_erased"]
        for reference in ("P00000", "P00001"):
            c = concerns[reference]
            assert (c.callback_number, c.customer_name, c.note, c.transcript) == (None, None, None, None)
        assert concerns["P00001"].recording_deleted_at is not None
        assert concerns["P00002"].callback_number == NEIGHBOUR  # someone else's: untouched
        booking = await session.scalar(select(CounsellingBooking))
        assert booking is not None
        assert (booking.status, booking.phone, booking.first_name, booking.holds_slot_id) == (
            "cancelled",
            None,
            None,
            None,
        )
        invitation = await session.scalar(select(CounsellingInvitation))
        assert invitation is not None and invitation.phone is None
        kept = await session.scalar(
            select(func.count()).select_from(ContactEvent).where(ContactEvent.caller_pseudonym == PSEUDONYM)
        )
        assert kept == 3  # the two calls' events, and the withdrawal: pseudonymised, kept for the statistics

    [record] = await trail(sessions)
    assert (record.action, record.object_type, record.object_id) == ("erased_personal_data", "number", PSEUDONYM)
    assert record.detail["concerns_withdrawn"] == 1 and record.detail["recordings_deleted"] == 1
    assert CUSTOMER not in json.dumps(record.detail) and record.object_id != CUSTOMER

    code, out, err = await hotline("privacy", "export", "--number", CUSTOMER, "--json")
    assert code == 0, err
    held: dict[str, Any] = json.loads(out)
    assert [len(held[k]) for k in ("concerns", "voicemails", "bookings", "invitations")] == [0, 0, 0, 0]
    assert len(held["contact_events"]) == 3


async def test_a_number_that_is_none_is_refused_by_name(hotline: Command) -> None:
    code, out, err = await hotline("privacy", "erase", "--number", "Dana")
    assert code == 2 and '--number: "Dana" is not a phone number' in err and out == ""
